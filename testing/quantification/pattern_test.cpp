#include <gtest/gtest.h>

#include "myo/core/muscle_catalog.hpp"
#include "myo/quantification/pattern.hpp"

using namespace myo;
using quantification::GroupMeasurement;

TEST(Grades, EdemaGradeFollowsTheExtentBands) {
  EXPECT_EQ(quantification::edema_grade(0.0), 0);
  EXPECT_EQ(quantification::edema_grade(2.5), 0);  // Sci Rep 2020: positive only above 2.5 % of voxels
  EXPECT_EQ(quantification::edema_grade(10.0), 1);
  EXPECT_EQ(quantification::edema_grade(50.0), 2);
  EXPECT_EQ(quantification::edema_grade(80.0), 3);
}

TEST(Grades, MercuriKeepsTheModifiedLabels) {
  EXPECT_EQ(quantification::mercuri_grade(0.5).modified_label, "0");
  EXPECT_EQ(quantification::mercuri_grade(20).modified_label, "2a");
  EXPECT_EQ(quantification::mercuri_grade(45).grade, 3);
  EXPECT_EQ(quantification::mercuri_grade(45).modified_label, "2b");
  EXPECT_EQ(quantification::mercuri_grade(95).modified_label, "4");
}

namespace {
GroupMeasurement measured(const std::string& group, core::Side side, double ff, double edema) {
  GroupMeasurement m;
  m.group = group;
  m.side = side;
  m.volume_ml = 100;
  m.fat_fraction_pct = ff;
  m.edema_fraction_pct = edema;
  return m;
}
}  // namespace

TEST(Pattern, DescribesPosteriorMedialSymmetricInvolvement) {
  std::vector<GroupMeasurement> groups;
  for (const auto side : {core::Side::right, core::Side::left}) {
    groups.push_back(measured("adductors", side, 45, 30));
    groups.push_back(measured("hamstrings", side, 40, 20));
    groups.push_back(measured("gluteus_medius", side, 35, 10));
    groups.push_back(measured("quadriceps", side, 8, 1));
  }
  const auto p = quantification::describe_pattern(groups, {});
  ASSERT_EQ(p.most_involved_groups.size(), 3U);
  EXPECT_EQ(p.most_involved_groups[0], "adductors");
  ASSERT_TRUE(p.posterior_to_anterior_ff_ratio);
  EXPECT_GT(*p.posterior_to_anterior_ff_ratio, 4.0);
  EXPECT_NEAR(*p.left_right_asymmetry_index_pct, 0.0, 1e-9);
  ASSERT_FALSE(p.sentences.empty());
  EXPECT_NE(p.sentences[0].find("adductors"), std::string::npos) << p.sentences[0];
  EXPECT_NE(p.sentences[0].find("symmetric"), std::string::npos) << p.sentences[0];
}

TEST(Pattern, ProfilesRunAlongTheLimbWithAreas) {
  core::Geometry g;
  g.size = {10, 10, 40};
  g.spacing_mm = {1, 1, 1};
  core::LabelVolume labels(g, 0);
  core::ImageVolume ff(g, 0);
  const int label = core::MuscleCatalog::instance().find("hamstrings")->label_left;
  for (std::size_t k = 0; k < 40; ++k)
    for (std::size_t j = 0; j < 5; ++j)
      for (std::size_t i = 0; i < 10; ++i) {
        labels.at(i, j, k) = static_cast<std::uint16_t>(label);
        ff.at(i, j, k) = k < 20 ? 10.0F : 50.0F;  // proximal half fattier
      }
  const auto profiles = quantification::level_profiles(labels, &ff, nullptr);
  ASSERT_EQ(profiles.size(), 1U);
  ASSERT_EQ(profiles[0].levels.size(), 2U);
  EXPECT_NEAR(profiles[0].levels[0].cross_sectional_area_mm2, 50.0, 1e-9);
  EXPECT_NEAR(*profiles[0].levels[0].fat_fraction_pct, 10.0, 1e-6);
  EXPECT_NEAR(*profiles[0].levels[1].fat_fraction_pct, 50.0, 1e-6);
  std::vector<GroupMeasurement> groups{measured("hamstrings", core::Side::left, 30, 0)};
  const auto p = quantification::describe_pattern(groups, profiles);
  ASSERT_TRUE(p.proximal_to_distal_ff_difference_pct);
  EXPECT_NEAR(*p.proximal_to_distal_ff_difference_pct, 40.0, 1e-6);
}
