// report.json has one reader (reporting::read_report): a report that one tool refuses, every tool refuses, naming the
// file. Guards the timeline's former reader of its own, which took a muscle without a volume as 0 ml and never looked
// at its label (a label of 1e99 is a float-to-int overflow for the tools that do).
#include <gmock/gmock.h>

#include "hardening_fixture.hpp"
#include "myo/core/files.hpp"

namespace {

using ::testing::HasSubstr;

// An analysis folder whose report.json holds MUSCLE as its one muscle entry.
fs::path analysis(const fs::path& folder, const std::string& date, const nlohmann::json& muscle) {
  fs::create_directories(folder);
  const nlohmann::json doc{
      {"study",
       {{"study_date", date}, {"study_instance_uid", "2.25.7" + date}, {"patient_pseudonym", "hmac-sha256:0011223344"}}},
      {"muscles", nlohmann::json::array({muscle})}};
  std::ofstream(folder / "report.json") << doc.dump();
  return folder;
}

nlohmann::json adductors() {
  return {{"group", "adductors"}, {"side", "right"}, {"label", 1}, {"volume_ml", 400.0}, {"fat_fraction_pct", 20.0},
          {"edema_fraction_pct", 10.0}};
}

// Exit 3 (input error) naming BAD's report.json and WHAT, and no timeline written.
void expect_timeline_refuses(const TempDir& dir, const fs::path& bad, const std::string& what) {
  const auto good = analysis(dir.path() / "v1", "20260101", adductors());
  const auto out = dir.path() / "out";
  const auto r = run_myoscope("timeline " + good.string() + " " + bad.string() + " -o " + out.string());
  EXPECT_EQ(r.exit_code, core::kExitInputError) << r.err;
  EXPECT_THAT(r.err, HasSubstr((bad / "report.json").string() + ": malformed muscle entry: " + what));
  EXPECT_FALSE(fs::exists(out / "timeline.json"));
}

TEST(ReportReader, TimelineRefusesAMuscleLabelThatIsNotALabelNumber) {
  TempDir dir;
  auto muscle = adductors();
  muscle["label"] = 1e99;
  expect_timeline_refuses(dir, analysis(dir.path() / "v2", "20260701", muscle), "'label' is not a label number");
}

TEST(ReportReader, TimelineRefusesAMuscleWithoutAVolume) {
  TempDir dir;
  auto muscle = adductors();
  muscle.erase("volume_ml");
  expect_timeline_refuses(dir, analysis(dir.path() / "v2", "20260701", muscle), "");
}

// A treatment whose drug name is Latin-1, not UTF-8 (\xe9 for é), as a clinical CSV exported on Windows holds it: the
// timeline is written (exit 0), its PDF draws the bar's label with U+FFFD for the byte, timeline.json likewise.
// Before, timeline.json's writer threw on the byte (exit 1, internal error) and the chart labels were drawn uncleaned.
TEST(ReportReader, TimelineDrawsALatin1DrugName) {
  TempDir dir;
  const auto v1 = analysis(dir.path() / "v1", "20260101", adductors());
  const auto v2 = analysis(dir.path() / "v2", "20260701", adductors());
  const auto csv = dir.path() / "clinical.csv";
  std::ofstream(csv) << "patient,date,kind,value,drug,dose,note\nv1,2026-01-05,treatment_start,,m\xe9thotrexate,15 mg,\n";
  const auto out = dir.path() / "out";
  const auto r = run_myoscope("timeline " + v1.string() + " " + v2.string() + " -o " + out.string() + " --clinical " +
                              csv.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(core::read_text_file(out / "timeline.json"), HasSubstr("m\xef\xbf\xbdthotrexate"));
  if (!myo::testing::have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing: the PDF's text is not read";
  EXPECT_THAT(myo::testing::pdf_text(out / "timeline-1.pdf"), HasSubstr("m\xef\xbf\xbdthotrexate"));
}

}  // namespace
