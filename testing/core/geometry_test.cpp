#include <gtest/gtest.h>

#include "myo/core/geometry.hpp"

using namespace myo::core;

TEST(Geometry, IndexToPhysicalAndBackWithObliqueDirection) {
  Geometry g;
  g.size = {10, 20, 30};
  g.spacing_mm = {0.5, 1.5, 4.0};
  g.origin_mm = {-100, 50, 20};
  g.direction = direction_from_cosines({0.8, 0.6, 0}, {0, 0, -1});
  const Vec3 index{3.5, 7, 11};
  const Vec3 p = g.index_to_physical(index);
  const Vec3 back = g.physical_to_index(p);
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(back[a], index[a], 1e-9);
  // First axis moves along the row cosine by spacing 0.5 mm.
  const Vec3 p1 = g.index_to_physical({1, 0, 0});
  EXPECT_NEAR(p1[0] - g.origin_mm[0], 0.4, 1e-12);
  EXPECT_NEAR(p1[1] - g.origin_mm[1], 0.3, 1e-12);
}

TEST(Geometry, SliceNormalIsRightHanded) {
  // Axial DICOM orientation 1\0\0\0\1\0 gives a normal pointing to the patient's head (+z in LPS).
  const Mat3 d = direction_from_cosines({1, 0, 0}, {0, 1, 0});
  EXPECT_DOUBLE_EQ(d[8], 1.0);
}

TEST(Geometry, PatientRightIsNegativeLpsX) {
  EXPECT_EQ(side_of_lps_x(-80, 0), Side::right);
  EXPECT_EQ(side_of_lps_x(80, 0), Side::left);
  EXPECT_STREQ(to_string(Side::left), "left");
}

TEST(Geometry, SameGridDetectsSpacingDifference) {
  Geometry a;
  a.size = {4, 4, 4};
  Geometry b = a;
  EXPECT_TRUE(a.same_grid(b));
  b.spacing_mm[2] = 1.01;
  EXPECT_FALSE(a.same_grid(b));
}
