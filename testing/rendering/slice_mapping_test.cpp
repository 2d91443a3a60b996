// Where a click on a slice view lands in the patient (LPS mm): the mapping the viewer's pick and brush use, checked
// against the radiological convention and the camera's zoom and pan without a display.
#include <gtest/gtest.h>

#include "myo/rendering/slice_mapping.hpp"

namespace {

using myo::core::Vec3;
using myo::rendering::SliceViewMapping;

// An axial view as the viewer builds it: screen right = patient left (+x), screen up = anterior (-y); 0.5 mm pixels,
// the image's first pixel at (-100, 80) mm, a 700 x 500 viewport at display (700, 500), the camera on (200, 150) mm
// of the image plane showing 120 mm vertically.
SliceViewMapping axial() {
  SliceViewMapping m;
  m.first_mm = {-100, 80, 0};
  m.right = {1, 0, 0};
  m.up = {0, -1, 0};
  m.normal_axis = 2;
  m.normal_mm = -221;
  m.pixel_mm = 0.5;
  m.focal_mm = {200, 150};
  m.half_height_mm = 60;
  m.viewport_px = {700, 500, 700, 500};
  return m;
}

}  // namespace

// The viewport's centre shows the camera's focal point; the plane's position is the slice's.
TEST(SliceMapping, CentreOfTheViewportIsTheFocalPoint) {
  const auto p = myo::rendering::display_to_lps(axial(), 700 + 350, 500 + 250);
  EXPECT_NEAR(p[0], -100 + 200, 1e-9);
  EXPECT_NEAR(p[1], 80 - 150, 1e-9);
  EXPECT_DOUBLE_EQ(p[2], -221);
}

// Radiological convention: right of centre is the patient's left (+x), up is anterior (-y); a display pixel covers
// the same millimetres both ways (120 mm over 500 pixels).
TEST(SliceMapping, RightIsPatientLeftAndUpIsAnteriorOnTheAxialView) {
  const auto centre = myo::rendering::display_to_lps(axial(), 1050, 750);
  const auto right = myo::rendering::display_to_lps(axial(), 1050 + 100, 750);
  const auto up = myo::rendering::display_to_lps(axial(), 1050, 750 + 100);
  EXPECT_NEAR(right[0] - centre[0], 100 * 120.0 / 500, 1e-9);
  EXPECT_NEAR(up[1] - centre[1], -100 * 120.0 / 500, 1e-9);
  EXPECT_NEAR(right[1], centre[1], 1e-9);
  EXPECT_NEAR(up[0], centre[0], 1e-9);
}

// Zooming (a smaller parallel scale) shrinks the millimetres per pixel around the centre; panning moves the centre.
TEST(SliceMapping, ZoomAndPanFollowTheCamera) {
  auto zoomed = axial();
  zoomed.half_height_mm = 30;
  zoomed.focal_mm = {210, 150};
  const auto c = myo::rendering::display_to_lps(zoomed, 1050, 750);
  const auto r = myo::rendering::display_to_lps(zoomed, 1150, 750);
  EXPECT_NEAR(c[0], -100 + 210, 1e-9);
  EXPECT_NEAR(r[0] - c[0], 100 * 60.0 / 500, 1e-9);
}

// Display to LPS and back is the identity on the plane, for the viewer's three views.
TEST(SliceMapping, RoundTripOnEveryView) {
  auto coronal = axial();
  coronal.up = {0, 0, 1}, coronal.normal_axis = 1, coronal.normal_mm = -54;
  auto sagittal = axial();
  sagittal.right = {0, 1, 0}, sagittal.up = {0, 0, 1}, sagittal.normal_axis = 0, sagittal.normal_mm = 47;
  for (const auto& view : {axial(), coronal, sagittal})
    for (const auto& [x, y] : {std::pair{700.0, 500.0}, std::pair{1012.5, 640.25}, std::pair{1399.0, 999.0}}) {
      const auto p = myo::rendering::display_to_lps(view, x, y);
      EXPECT_DOUBLE_EQ(p[static_cast<std::size_t>(view.normal_axis)], view.normal_mm);
      const auto back = myo::rendering::lps_to_display(view, p);
      EXPECT_NEAR(back[0], x, 1e-9);
      EXPECT_NEAR(back[1], y, 1e-9);
    }
}
