#include "myo/segmentation/segment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/testing/drawn_thighs.hpp"

using namespace myo;
using myo::testing::draw_thighs;

TEST(Segmentation, RefusesMissingChannels) {
  EXPECT_THROW((void)segmentation::segment_muscle_groups({}), core::MyoError);
}

TEST(Segmentation, RefusesSagittalSlices) {
  auto t = draw_thighs(0.05);
  t.water.geometry.direction = {0, 0, 1, 1, 0, 0, 0, 1, 0};  // slices stacked along x: sagittal
  t.fat.geometry = t.water.geometry;
  EXPECT_THROW((void)segmentation::segment_muscle_groups({&t.water, &t.fat, nullptr, nullptr}), core::MyoError);
}

TEST(Segmentation, GivesEveryResultOnTheInputGrid) {
  const auto t = draw_thighs(0.05);
  const auto r = segmentation::segment_muscle_groups({&t.water, &t.fat, nullptr, nullptr});
  EXPECT_TRUE(r.labels.geometry.same_grid(t.water.geometry));
  EXPECT_TRUE(r.muscle_labels.geometry.same_grid(t.water.geometry));
  EXPECT_TRUE(r.bone.geometry.same_grid(t.water.geometry));
  EXPECT_NEAR(r.landmarks.midline_x_mm, 0.0, 4.0);
  EXPECT_FALSE(r.method.empty());
}

TEST(Segmentation, OneThighAloneTakesItsSideFromWhereItLies) {
  auto t = draw_thighs(0.05);
  const auto& g = t.water.geometry;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = g.size[0] / 2; i < g.size[0]; ++i) t.water.at(i, j, k) = t.fat.at(i, j, k) = 0;  // left gone
  const auto r = segmentation::segment_muscle_groups({&t.water, &t.fat, nullptr, nullptr});
  ASSERT_TRUE(r.landmarks.single_limb.has_value());
  EXPECT_EQ(*r.landmarks.single_limb, core::Side::right);
  std::size_t labelled = 0;
  for (const auto l : r.muscle_labels.voxels)
    if (l != 0) {
      ++labelled;
      ASSERT_EQ(core::MuscleCatalog::instance().muscle_from_label(l)->side, core::Side::right) << l;
    }
  EXPECT_GT(labelled, 0U);
  EXPECT_TRUE(std::any_of(r.warnings.begin(), r.warnings.end(),
                          [](const std::string& w) { return w.find("one thigh alone") != std::string::npos; }));
}

TEST(Segmentation, TwoThighsAreNotOneLimb) {
  const auto t = draw_thighs(0.05);
  EXPECT_FALSE(segmentation::segment_muscle_groups({&t.water, &t.fat, nullptr, nullptr}).landmarks.single_limb);
}
