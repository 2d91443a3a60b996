#include <gtest/gtest.h>

#include "myo/core/error.hpp"
#include "myo/pipeline/compare.hpp"
#include "myo/reporting/report.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;
namespace fs = std::filesystem;

namespace {

void write_analysis(const fs::path& folder, const std::string& uid, double adductor_ff, double adductor_edema,
                    double hamstring_volume) {
  fs::create_directories(folder);
  reporting::Report r;
  r.software_name = "MyoScope";
  r.software_version = "0.1.0";
  r.study.study_instance_uid = uid;
  quantification::GroupMeasurement a;
  a.group = "adductors";
  a.side = core::Side::right;
  a.label = 8;
  a.volume_ml = 400;
  a.fat_fraction_pct = adductor_ff;
  a.edema_fraction_pct = adductor_edema;
  quantification::GroupMeasurement h = a;
  h.group = "hamstrings";
  h.label = 9;
  h.volume_ml = hamstring_volume;
  h.fat_fraction_pct = 10;
  h.edema_fraction_pct = 1;
  r.muscles = {a, h};
  reporting::write_report_json(r, folder / "report.json");
}

}  // namespace

TEST(Compare, FlagsOnlyChangesBeyondRepeatability) {
  myo::testing::TempDir dir;
  write_analysis(dir.path() / "baseline", "1.2.1", 20.0, 40.0, 300.0);
  write_analysis(dir.path() / "followup", "1.2.2", 26.0, 10.0, 290.0);  // hamstring volume -3.3 %: within limits
  const auto c = pipeline::compare_analyses(dir.path() / "baseline", dir.path() / "followup");
  ASSERT_EQ(c.groups.size(), 2U);
  const auto& adductors = c.groups[0];
  EXPECT_NEAR(*adductors.fat_fraction_change_points, 6.0, 1e-9);
  EXPECT_NEAR(*adductors.edema_fraction_change_points, -30.0, 1e-9);
  EXPECT_EQ(adductors.flags, (std::vector<std::string>{"fat fraction increased", "edema decreased"}));
  EXPECT_TRUE(c.groups[1].flags.empty());
  EXPECT_NEAR(*c.groups[1].volume_change_percent, -100.0 / 30.0, 1e-9);
  EXPECT_EQ(c.baseline_study_uid, "1.2.1");
}

TEST(Compare, SameStudyTwiceIsStable) {
  myo::testing::TempDir dir;
  write_analysis(dir.path() / "a", "1.2.1", 20.0, 40.0, 300.0);
  write_analysis(dir.path() / "b", "1.2.1", 20.5, 41.0, 303.0);
  const auto c = pipeline::compare_analyses(dir.path() / "a", dir.path() / "b");
  for (const auto& g : c.groups) EXPECT_TRUE(g.flags.empty()) << g.group;
  EXPECT_NE(c.sentences.front().find("same study"), std::string::npos);
}

TEST(Compare, MissingReportNamesTheFolder) {
  myo::testing::TempDir dir;
  try {
    (void)pipeline::compare_analyses(dir.path() / "nowhere", dir.path() / "nowhere2");
    FAIL();
  } catch (const core::MyoError& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos);
  }
}
