// Rigid registration of two visits (`view --previous`): a synthetic pair with a known shift, on different grids, so
// that both the recovered transform and the resampling in physical (LPS) space are checked.
#include <gtest/gtest.h>

#include <cmath>

#include "myo/core/error.hpp"
#include "myo/quantification/registration.hpp"

using namespace myo;

namespace {

// A smooth step from 1 inside to 0 outside an ellipsoid (radii in mm), about 2 mm wide.
double inside(const core::Vec3& p, const core::Vec3& centre, const core::Vec3& radii) {
  double r = 0;
  for (std::size_t a = 0; a < 3; ++a) r += (p[a] - centre[a]) * (p[a] - centre[a]) / (radii[a] * radii[a]);
  const double edge_mm = (std::sqrt(r) - 1) * std::min({radii[0], radii[1], radii[2]});
  return 1 / (1 + std::exp(edge_mm / 1.0));
}

// Hips-and-thighs-like anatomy at a physical point: a body, two thighs of unequal size, two bones, one lesion
// (asymmetric, so that no shift or turn looks like another).
double anatomy(const core::Vec3& p) {
  return 60 * inside(p, {0, 0, 0}, {70, 45, 55}) + 140 * inside(p, {-32, 0, 0}, {26, 30, 50}) +
         110 * inside(p, {30, 4, 0}, {22, 26, 50}) - 150 * inside(p, {-30, 5, 0}, {7, 7, 48}) -
         120 * inside(p, {28, 8, 0}, {6, 6, 48}) + 200 * inside(p, {-20, -15, 20}, {8, 6, 10});
}

// The anatomy on grid `g`, moved by `truth` (a point p of the anatomy appears at truth.apply(p)).
core::ImageVolume image_of(const core::Geometry& g, const quantification::RigidTransform& truth) {
  const auto& R = truth.rotation;
  const auto& c = truth.centre_mm;
  const auto& d = truth.translation_mm;
  core::ImageVolume image(g, 0.0F);
  std::size_t n = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++n) {
        const auto q = g.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        core::Vec3 p{};  // R^T (q - c - d) + c
        for (std::size_t a = 0; a < 3; ++a)
          p[a] = c[a] + R[0 * 3 + a] * (q[0] - c[0] - d[0]) + R[1 * 3 + a] * (q[1] - c[1] - d[1]) +
                 R[2 * 3 + a] * (q[2] - c[2] - d[2]);
        image.voxels[n] = static_cast<float>(anatomy(p));
      }
  return image;
}

core::Geometry current_grid() {
  core::Geometry g;
  g.size = {80, 56, 48};
  g.spacing_mm = {2, 2, 2.5};
  g.origin_mm = {-79, -55, -59};
  return g;
}

// The previous visit: coarser, another field of view and its first axis reversed (right-to-left rows).
core::Geometry previous_grid() {
  core::Geometry g;
  g.size = {64, 48, 40};
  g.spacing_mm = {2.5, 2.4, 3};
  g.origin_mm = {78, -60, -62};
  g.direction = {-1, 0, 0, 0, 1, 0, 0, 0, 1};
  return g;
}

// The previous visit as `phantom --visit` moves the patient: a shift of centimetres, a turn of 2 degrees about the
// head-foot axis.
quantification::RigidTransform repositioned() {
  quantification::RigidTransform t;
  const double a = 2.0 * 3.14159265358979323846 / 180;
  t.rotation = {std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1};
  t.centre_mm = {5, 0, 0};
  t.translation_mm = {7.0, -5.0, 9.0};
  return t;
}

TEST(Registration, RecoversAKnownShiftAcrossGrids) {
  // Guards: the previous visit's table position differs by centimetres; its map must land on the current anatomy.
  const auto truth = repositioned();
  const auto fixed = image_of(current_grid(), {});
  const auto moving = image_of(previous_grid(), truth);
  const auto r = quantification::register_rigid(fixed, moving);
  const auto& t = r.fixed_to_moving;
  // A point of the current image lands where the same anatomy is in the previous one, within 1.5 mm.
  for (const core::Vec3 p : {core::Vec3{-32, 0, 0}, core::Vec3{30, 4, 30}, core::Vec3{-20, -15, 20}}) {
    const auto q = t.apply(p);
    const auto expected = truth.apply(p);
    const double error = std::hypot(q[0] - expected[0], q[1] - expected[1], q[2] - expected[2]);
    EXPECT_LT(error, 1.5) << "at (" << p[0] << ", " << p[1] << ", " << p[2] << ")";
  }
  EXPECT_NEAR(t.rotation_deg(), 2.0, 0.5);

  // The previous image brought onto the current grid matches the current one where it covers it.
  const auto back = quantification::resample_rigid(moving, t, fixed.geometry, std::nanf(""));
  ASSERT_TRUE(back.geometry.same_grid(fixed.geometry));
  double error = 0, identity_error = 0;
  std::size_t n = 0;
  const auto unregistered = quantification::resample_rigid(moving, {}, fixed.geometry, std::nanf(""));
  for (std::size_t i = 0; i < back.voxels.size(); ++i)
    if (std::isfinite(back.voxels[i]) && std::isfinite(unregistered.voxels[i])) {
      error += std::abs(back.voxels[i] - fixed.voxels[i]);
      identity_error += std::abs(unregistered.voxels[i] - fixed.voxels[i]);
      ++n;
    }
  ASSERT_GT(n, back.voxels.size() / 2);
  EXPECT_LT(error / static_cast<double>(n), 0.25 * identity_error / static_cast<double>(n));
}

TEST(Registration, ResamplesInPhysicalSpaceNotByIndex) {
  // A pure translation through resample_rigid: the value at a physical point of the target is the moving image's
  // value at that point plus the translation, whatever the two grids' directions and origins.
  const auto moving = image_of(previous_grid(), {});
  quantification::RigidTransform t;
  t.translation_mm = {4, 0, -6};
  const auto out = quantification::resample_rigid(moving, t, current_grid(), std::nanf(""));
  const auto& g = out.geometry;
  const auto index = g.physical_to_index({-20 - 4, -15, 20 + 6});  // the lesion's centre, moved back
  const auto n = g.linear_index(static_cast<std::size_t>(std::lround(index[0])),
                                static_cast<std::size_t>(std::lround(index[1])),
                                static_cast<std::size_t>(std::lround(index[2])));
  EXPECT_NEAR(out.voxels[n], anatomy({-20, -15, 20}), 25.0);
  EXPECT_GT(out.voxels[n], 300.0F);  // the lesion (200 over a thigh of 140 and the body of 60), not its surroundings
}

TEST(Registration, RefusesAResultBeyondARepositionedPatient) {
  const auto fixed = image_of(current_grid(), {});
  const auto moving = image_of(previous_grid(), repositioned());
  quantification::RigidRegistrationParams params;
  params.max_translation_mm = 1;  // the true shift of centimetres is then beyond the limit
  EXPECT_THROW((void)quantification::register_rigid(fixed, moving, params), core::MyoError);
}

}  // namespace
