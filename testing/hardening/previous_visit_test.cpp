// The change since a patient's previous visit through the real executable: `analyze --previous` writes the section
// "Change since the previous visit" (report.json, report.html) with the generator's disease course (fat up, edema
// down), and `view --previous` renders the change metrics headless; folders that are not this patient's previous
// visit are refused (exit 3) before anything is read.
#include <fstream>

#include "hardening_fixture.hpp"

namespace {

using namespace myo;
using nlohmann::json;

// A minimal analysis folder: only what the previous-visit check reads (report.json's study).
void fake_analysis(const fs::path& dir, const std::string& study_date, const std::string& pseudonym) {
  fs::create_directories(dir);
  std::ofstream(dir / "report.json") << json{{"study", {{"study_instance_uid", "1.2.3." + study_date},
                                                         {"study_date", study_date},
                                                         {"patient_pseudonym", pseudonym}}}}
                                            .dump();
}

constexpr const char* kPatient = "hmac-sha256:b195e13aa47e2e6341";

TEST(PreviousVisitRefusals, APreviousVisitAcquiredLaterIsRefused) {
  // Guards: swapped arguments would show every change with the wrong sign.
  TempDir dir("myo-previous");
  fake_analysis(dir.path() / "current", "20260101", kPatient);
  fake_analysis(dir.path() / "previous", "20260703", kPatient);
  const auto run = run_myoscope("view " + (dir.path() / "current").string() + " --previous " +
                                (dir.path() / "previous").string() + " --screenshot " +
                                (dir.path() / "s.png").string());
  EXPECT_INPUT_ERROR_NAMING(run, (dir.path() / "previous" / "report.json").string());
  EXPECT_TRUE(has(run.err, "after")) << run.err;
  EXPECT_FALSE(fs::exists(dir.path() / "s.png"));
}

TEST(PreviousVisitRefusals, AnotherPatientsFolderIsRefused) {
  TempDir dir("myo-previous");
  fake_analysis(dir.path() / "current", "20260703", kPatient);
  fake_analysis(dir.path() / "previous", "20260101", "hmac-sha256:0000e13aa47e2e6341");
  const auto run = run_myoscope("view " + (dir.path() / "current").string() + " --previous " +
                                (dir.path() / "previous").string() + " --screenshot " +
                                (dir.path() / "s.png").string());
  EXPECT_INPUT_ERROR_NAMING(run, (dir.path() / "previous" / "report.json").string());
  EXPECT_TRUE(has(run.err, "another patient")) << run.err;
}

TEST(PreviousVisitRefusals, ChangeMetricWithoutAPreviousVisitIsAUsageError) {
  TempDir dir("myo-previous");
  fake_analysis(dir.path() / "current", "20260703", kPatient);
  const auto run = run_myoscope("view " + (dir.path() / "current").string() +
                                " --metric change_fat --screenshot " + (dir.path() / "s.png").string());
  if (run.exit_code == core::kExitNoDisplay) GTEST_SKIP() << "no X display and no Xvfb: " << run.err;
  EXPECT_EQ(run.exit_code, core::kExitUsage) << run.err;
  EXPECT_TRUE(has(run.err, "--previous")) << run.err;
}

// Two visits of the generated patient, six months apart, analysed as a user would: one test, so that the second
// visit is generated and both are analysed once (each ctest test is its own process).
class PreviousVisit : public Hardening {};

TEST_F(PreviousVisit, ReportSectionAndViewerShowTheDiseaseCourse) {
  const fs::path visit2 = work_.path() / "visit2", before = work_.path() / "before", now = work_.path() / "now";
  ASSERT_EQ(run_myoscope("phantom -q -o " + visit2.string() + " --seed 5 --dixon-voxel-mm 3 --visit 2 --months 6")
                .exit_code,
            0);
  const auto first = run_myoscope("analyze -q " + in().string() + " -o " + before.string() +
                                  " --no-figures --no-dicom --no-report-documents");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto second = run_myoscope("analyze -q " + (visit2 / "dicom").string() + " -o " + now.string() +
                                   " --previous " + before.string() + " --no-figures --no-dicom");
  ASSERT_EQ(second.exit_code, 0) << second.err;

  // report.json: every group's change is current minus previous; the generator's course shows (fat fraction rising
  // about 0.4 points a month, edema falling under treatment) in most groups.
  const auto report = json::parse(read_all(now / "report.json"));
  const auto& change = report.at("change_since_previous");
  EXPECT_EQ(change.at("previous_study_date"), "20260101");
  EXPECT_NEAR(change.at("months_between").get<double>(), 6.0, 0.1);
  int fat_up = 0, edema_down = 0, groups = 0;
  for (const auto& g : change.at("groups")) {
    ++groups;
    const auto& fat = g.at("fat_fraction_pct");
    ASSERT_FALSE(fat.at("change_points").is_null()) << g.dump();
    EXPECT_NEAR(fat.at("change_points").get<double>(),
                fat.at("current").get<double>() - fat.at("previous").get<double>(), 1e-9);
    EXPECT_EQ(fat.at("beyond_repeatability").get<bool>(), std::abs(fat.at("change_points").get<double>()) > 2.0);
    fat_up += fat.at("change_points").get<double>() > 0 ? 1 : 0;
    const auto& edema = g.at("edema_fraction_pct");
    if (!edema.at("change_points").is_null()) edema_down += edema.at("change_points").get<double>() < 0 ? 1 : 0;
  }
  EXPECT_GE(groups, 16);
  EXPECT_GE(fat_up, groups * 3 / 4);
  EXPECT_GE(edema_down, groups * 3 / 4);
  const auto html = read_all(now / "report.html");
  EXPECT_TRUE(has(html, "Change since the previous visit"));
  EXPECT_TRUE(has(html, "6 months earlier"));

  // The viewer, headless: the change metric, the legend in the pick text, the registration used on the slices.
  const fs::path png = work_.path() / "change_fat.png";
  const auto view = run_myoscope("view " + now.string() + " --previous " + before.string() +
                                 " --metric change_fat --pick-group quadriceps --screenshot " + png.string());
  if (view.exit_code == core::kExitNoDisplay) GTEST_SKIP() << "no X display and no Xvfb: " << view.err;
  ASSERT_EQ(view.exit_code, 0) << view.err;
  EXPECT_TRUE(fs::exists(png));
  EXPECT_TRUE(has(view.out, "change since 2026-01-01, 6 months: fat fraction +")) << view.out;
  EXPECT_TRUE(has(view.err, "previous visit registered")) << view.err;
}

}  // namespace
