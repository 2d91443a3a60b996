// `myoscope timeline` over a cohort database (cohort.sqlite of batch or serve): the studies it lists are drawn, HTML
// and PDF; a file that is not a cohort database is an input error (exit 3) naming it, with nothing written.
#include <gmock/gmock.h>

#include "hardening_fixture.hpp"

namespace {

using ::testing::HasSubstr;

// A done study of a batch output (OUT/studies/<key>/): manifest, and the report.json fields the timeline reads.
void done_study(const fs::path& batch, const std::string& key, const std::string& date, double edema) {
  const auto folder = batch / "studies" / key;
  fs::create_directories(folder);
  const nlohmann::json report{{"study",
                               {{"study_date", date},
                                {"study_instance_uid", "2.25.7" + date},
                                {"patient_pseudonym", "hmac-sha256:77aa88bb99cc"}}},
                              {"muscles",
                               {{{"group", "adductors"},
                                 {"side", "right"},
                                 {"label", 1},
                                 {"volume_ml", 400.0},
                                 {"fat_fraction_pct", 20.0},
                                 {"edema_fraction_pct", edema}}}}};
  std::ofstream(folder / "report.json") << report.dump();
  std::ofstream(folder / "batch.json") << nlohmann::json{
      {"study_instance_uid", "2.25.7" + date},
      {"key", key},
      {"status", "done"},
      {"finished_utc",
       "2026-12-01T00:00:00Z"}}.dump();
}

TEST(TimelineCohort, ACohortDatabaseIsDrawnLikeItsAnalysisFolders) {
  TempDir dir;
  done_study(dir.path() / "batch", "a", "20260101", 40);
  done_study(dir.path() / "batch", "b", "20260901", 8);
  const auto merged = dir.path() / "merged";
  const auto merge = run_myoscope("batch-merge " + (dir.path() / "batch").string() + " -o " + merged.string());
  ASSERT_EQ(merge.exit_code, core::kExitOk) << merge.err;
  const auto out = dir.path() / "out";
  const auto r = run_myoscope("timeline " + (merged / "cohort.sqlite").string() + " -o " + out.string());
  ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("patient 1: 2 visit(s)"));
  EXPECT_THAT(r.out, HasSubstr("Edema in the adductors (right) fell from 40 % to 8 % over 8 months."));
  EXPECT_TRUE(fs::exists(out / "timeline-1.html"));
  EXPECT_TRUE(fs::exists(out / "timeline-1.pdf"));
}

TEST(TimelineCohort, AFileThatIsNoCohortDatabaseIsAnInputErrorNamingIt) {
  TempDir dir;
  const auto not_a_database = dir.path() / "clinical.csv";
  std::ofstream(not_a_database) << "patient,date,kind,value\n";
  const auto out = dir.path() / "out";
  const auto r = run_myoscope("timeline " + not_a_database.string() + " -o " + out.string());
  EXPECT_EQ(r.exit_code, core::kExitInputError) << r.err;
  EXPECT_THAT(r.err, HasSubstr(not_a_database.string() + ": not a readable cohort database"));
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
