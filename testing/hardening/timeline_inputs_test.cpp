// `myoscope timeline` on hostile and broken inputs: a bad clinical CSV, missing or malformed analyses, markup in the
// clinical record and the report, an unknown --patient and an unwritable output. Each ends with its documented exit
// code and writes nothing it should not; no text from the inputs becomes markup or a file name.
#include <gmock/gmock.h>

#include "hardening_fixture.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// An analysis folder with the report.json fields the timeline reads; PSEUDONYM and DATE as given (hostile ones too).
fs::path analysis(const fs::path& folder, const std::string& date, const std::string& pseudonym, double edema) {
  fs::create_directories(folder);
  const nlohmann::json doc{
      {"study", {{"study_date", date}, {"study_instance_uid", "2.25.1" + date}, {"patient_pseudonym", pseudonym}}},
      {"muscles",
       {{{"group", "adductors"}, {"side", "right"}, {"label", 1}, {"volume_ml", 400.0}, {"fat_fraction_pct", 20.0},
         {"edema_fraction_pct", edema}}}}};
  std::ofstream(folder / "report.json") << doc.dump();
  return folder;
}

class TimelineInputs : public ::testing::Test {
 protected:
  void SetUp() override {
    analysis(dir_.path() / "v1", "20260101", "hmac-sha256:00112233445566778899", 40);
    analysis(dir_.path() / "v2", "20260701", "hmac-sha256:00112233445566778899", 10);
  }
  [[nodiscard]] fs::path csv(const std::string& rows) const {
    const auto path = dir_.path() / "clinical.csv";
    std::ofstream(path) << "patient,date,kind,value,drug,dose,note\n" << rows;
    return path;
  }
  [[nodiscard]] std::string folders() const { return (dir_.path() / "v1").string() + " " + (dir_.path() / "v2").string(); }
  [[nodiscard]] fs::path out() const { return dir_.path() / "out"; }
  TempDir dir_;
};

// Guards: a bad row must stop the run (exit 3) naming file and line, before anything is written.
TEST_F(TimelineInputs, BadClinicalRowIsAnInputErrorNamingTheLine) {
  const auto file = csv("v1,2026-01-02,ck_u_per_l,8400,,,\nv1,2026-13-02,ck_u_per_l,900,,,\n");
  const auto r = run_myoscope("timeline " + folders() + " -o " + out().string() + " --clinical " + file.string());
  EXPECT_EQ(r.exit_code, core::kExitInputError) << r.err;
  EXPECT_THAT(r.err, HasSubstr(file.string() + ": line 3: date '2026-13-02'"));
  EXPECT_FALSE(fs::exists(out()));
}

TEST_F(TimelineInputs, MissingOrMalformedAnalysesAreInputErrorsNamingThem) {
  auto r = run_myoscope("timeline " + (dir_.path() / "nowhere").string() + " -o " + out().string());
  EXPECT_EQ(r.exit_code, core::kExitInputError) << r.err;
  EXPECT_THAT(r.err, HasSubstr("nowhere"));
  analysis(dir_.path() / "bad", "2026-01-01", "hmac-sha256:00112233445566778899", 1);
  r = run_myoscope("timeline " + folders() + " " + (dir_.path() / "bad").string() + " -o " + out().string());
  EXPECT_EQ(r.exit_code, core::kExitInputError) << r.err;
  EXPECT_THAT(r.err, HasSubstr("bad/report.json: study.study_date"));
  r = run_myoscope("timeline " + folders() + " -o " + out().string() + " --clinical " +
                   (dir_.path() / "absent.csv").string());
  EXPECT_EQ(r.exit_code, core::kExitInputError) << r.err;
  EXPECT_FALSE(fs::exists(out()));
}

TEST_F(TimelineInputs, UsageErrors) {
  EXPECT_EQ(run_myoscope("timeline -o " + out().string()).exit_code, core::kExitUsage);
  const auto r = run_myoscope("timeline " + folders() + " -o " + out().string() + " --patient nobody");
  EXPECT_EQ(r.exit_code, core::kExitUsage) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--patient"));
}

TEST_F(TimelineInputs, UnwritableOutputIsAnOutputError) {
  std::ofstream(dir_.path() / "plain-file") << "x";
  const auto r = run_myoscope("timeline " + folders() + " -o " + (dir_.path() / "plain-file" / "out").string());
  EXPECT_EQ(r.exit_code, core::kExitOutputError) << r.err;
  EXPECT_TRUE(documented(r));
}

// Guards: text from the clinical record or a report must never become markup in the page or a path component.
TEST_F(TimelineInputs, HostileTextStaysText) {
  analysis(dir_.path() / "v3", "20261001", "hmac-sha256:<img src=x onerror=alert(1)>/../../escape", 5);
  const auto file = csv("v1,2026-01-02,note,,,,<script>alert(1)</script>\n"
                        "v1,2026-01-05,treatment_start,,\"\"\"><svg onload=alert(2)>\",../../x,\n");
  const auto r = run_myoscope("timeline " + folders() + " " + (dir_.path() / "v3").string() + " -o " + out().string() +
                              " --clinical " + file.string());
  ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(out())) names.insert(entry.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"timeline.csv", "timeline.json", "timeline-1.html", "timeline-1.pdf",
                                           "timeline-2.html", "timeline-2.pdf"}));
  EXPECT_FALSE(fs::exists(dir_.path() / "escape"));
  for (const char* page : {"timeline-1.html", "timeline-2.html"}) {
    const auto html = read_all(out() / page);
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, Not(HasSubstr("<svg onload")));
    EXPECT_THAT(html, Not(HasSubstr("<img")));
  }
  EXPECT_THAT(read_all(out() / "timeline-1.html"), HasSubstr("&lt;script&gt;"));
}

}  // namespace
