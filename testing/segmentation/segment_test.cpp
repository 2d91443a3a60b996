#include <gtest/gtest.h>

#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/segmentation/segment.hpp"
#include "thighs.hpp"

using namespace myo;
using myo::testing::draw_thighs;

TEST(Segmentation, LabelsBothThighsOnTheirOwnSide) {
  const auto t = draw_thighs(0.05);
  const auto r = segmentation::segment_muscle_groups({&t.water, &t.fat, nullptr, nullptr});
  const auto& catalog = core::MuscleCatalog::instance();
  std::size_t right = 0, left = 0, wrong_side = 0;
  const auto& g = r.labels.geometry;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const int label = r.labels.at(i, j, k);
        if (!label) continue;
        const auto gs = catalog.from_label(label);
        ASSERT_TRUE(gs);
        const double x = g.index_to_physical({double(i), double(j), double(k)})[0];
        // LPS: the patient's right is -x.
        (gs->side == core::Side::right ? right : left)++;
        if ((gs->side == core::Side::right) != (x < 0)) ++wrong_side;
      }
  EXPECT_GT(right, 1000U);
  EXPECT_GT(left, 1000U);
  EXPECT_EQ(wrong_side, 0U);
  EXPECT_NEAR(r.landmarks.midline_x_mm, 0.0, 4.0);
}

TEST(Segmentation, NeverLabelsSubcutaneousFatOrBone) {
  const auto t = draw_thighs(0.05);
  const auto r = segmentation::segment_muscle_groups({&t.water, &t.fat, nullptr, nullptr});
  const auto& g = r.labels.geometry;
  std::size_t bad = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto p = g.index_to_physical({double(i), double(j), double(k)});
        for (const double cx : {-95.0, 95.0}) {
          const double r_thigh = std::hypot(p[0] - cx, p[1]);
          const double r_femur = std::hypot(p[0] - cx * 0.95, p[1] + 15);
          if (r.labels.at(i, j, k) && ((r_thigh > 71 && r_thigh < 80) || r_femur < 13)) ++bad;
        }
      }
  EXPECT_EQ(bad, 0U);
}

TEST(Segmentation, ExportsTheFemurAsBoneAndNotTheMuscle) {
  // The bone mask is what the 3D map and the viewer draw as context: the femur must be in it, the muscle not.
  const auto t = draw_thighs(0.05);
  const auto r = segmentation::segment_muscle_groups({&t.water, &t.fat, nullptr, nullptr});
  const auto& g = r.labels.geometry;
  ASSERT_TRUE(r.bone.geometry.same_grid(g));
  std::size_t femur = 0, femur_bone = 0, muscle = 0, muscle_bone = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto p = g.index_to_physical({double(i), double(j), double(k)});
        const bool bone = r.bone.at(i, j, k) != 0;
        for (const double cx : {-95.0, 95.0}) {
          const double r_thigh = std::hypot(p[0] - cx, p[1]);
          const double r_femur = std::hypot(p[0] - cx * 0.95, p[1] + 15);
          if (r_femur < 13) {
            ++femur;
            femur_bone += bone ? 1 : 0;
          } else if (r_femur > 20 && r_thigh < 65) {
            ++muscle;
            muscle_bone += bone ? 1 : 0;
          }
        }
      }
  ASSERT_GT(femur, 0U);
  EXPECT_GT(static_cast<double>(femur_bone), 0.9 * static_cast<double>(femur));
  EXPECT_LT(static_cast<double>(muscle_bone), 0.01 * static_cast<double>(muscle));
}

TEST(Segmentation, FattyReplacedMuscleStaysMuscle) {
  // End-stage muscle (70% fat) must not vanish into the subcutaneous fat.
  const auto t = draw_thighs(0.70);
  const auto r = segmentation::segment_muscle_groups({&t.water, &t.fat, nullptr, nullptr});
  std::size_t right = 0, left = 0;
  const auto& catalog = core::MuscleCatalog::instance();
  for (const auto v : r.labels.voxels)
    if (v) (catalog.from_label(v)->side == core::Side::right ? right : left)++;
  EXPECT_GT(static_cast<double>(right), 0.6 * static_cast<double>(left));
}

TEST(Segmentation, RefusesMissingChannels) {
  EXPECT_THROW((void)segmentation::segment_muscle_groups({}), core::MyoError);
}
