// The viewer on real anatomy (QMRITools demo, lower legs: twoLegs + labels 13-26, BSD-3): real shapes, real
// intensities and a real NIfTI geometry through the surfaces, the reslicing and the picking. The demo's muscles are
// not MyoScope groups: labels are mapped onto catalogue labels only to exercise the viewer. Skips without
// ../shared/data.
#include <gtest/gtest.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>

#include <cmath>
#include <cstdlib>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/rendering/viewer.hpp"
#include "myo/testing/test_support.hpp"
#include "qmritools_demo.hpp"

using namespace myo;
namespace fs = std::filesystem;

TEST(ViewerData, RealLowerLegsInEveryViewportAndPickByClick) {
  MYO_REQUIRE_SHARED_DATA(data);
  const fs::path demo = data / "muscle-mri" / "qmritools-demo";
  if (!fs::exists(demo / "labels.nii.gz")) GTEST_SKIP() << "qmritools-demo is absent";
  if (!rendering::display_available()) GTEST_SKIP() << "no X display: run under `xvfb-run -a`";
  const auto legs = myo::testing::read_qmritools_demo(demo);
  const auto& labels = legs.labels;
  const auto& anatomy = legs.anatomy;
  ASSERT_TRUE(labels.geometry.same_grid(anatomy.geometry));
  // Where the labels put the right side of the mapped quadriceps, in LPS x (the test then checks the viewer agrees).
  const auto* quadriceps = core::MuscleCatalog::instance().find("quadriceps");
  double x_sum = 0;
  std::size_t count = 0;
  for (std::size_t k = 0; k < labels.geometry.size[2]; ++k)
    for (std::size_t j = 0; j < labels.geometry.size[1]; ++j)
      for (std::size_t i = 0; i < labels.geometry.size[0]; ++i)
        if (labels.at(i, j, k) == quadriceps->label_right) {
          x_sum += labels.geometry.index_to_physical(
              {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)})[0];
          ++count;
        }
  ASSERT_GT(count, 0U) << "the mapping puts no voxel in the quadriceps";

  rendering::ViewerInput input;
  input.labels = &labels;
  input.series = {{"water", &anatomy}};
  input.title = "qmritools demo";
  rendering::ViewerOptions options;
  options.metric = rendering::ViewerMetric::labels;
  options.pick_group = "quadriceps";
  options.pick_side = core::Side::right;
  myo::testing::TempDir dir;
  const fs::path png = myo::testing::kept_picture(dir.path(), "viewer_qmritools.png");
  const auto frame = rendering::viewer_screenshot(input, png, options);
  EXPECT_NE(frame.pick_text.find("Quadriceps femoris \u2014 patient's right"), std::string::npos) << frame.pick_text;
  // The cursor sits on the picked muscle's side of the radiological axial view.
  const double x_mean = x_sum / static_cast<double>(count);
  EXPECT_LT(std::abs(frame.cursor_mm[0] - x_mean), 60.0);
  for (const auto& p : frame.panels) {
    if (p.name != "axial") continue;
    const bool on_image_right = (*p.cursor_px)[0] > p.x + p.width / 2;
    EXPECT_EQ(on_image_right, x_mean > 0) << "LPS +x (patient left) is drawn on the image right";
  }

  vtkNew<vtkPNGReader> reader;
  reader->SetFileName(png.string().c_str());
  reader->Update();
  auto* image = reader->GetOutput();
  for (const auto& p : frame.panels) {
    double sum = 0, sum2 = 0;
    int n = 0;
    for (int y = p.y + p.height / 5; y < p.y + p.height * 4 / 5; y += 2)
      for (int x = p.x + p.width / 5; x < p.x + p.width * 4 / 5; x += 2) {
        const auto* c = static_cast<unsigned char*>(image->GetScalarPointer(x, frame.height_px - 1 - y, 0));
        const double l = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
        sum += l;
        sum2 += l * l;
        ++n;
      }
    const double mean = sum / n;
    EXPECT_GT(std::sqrt(std::max(0.0, sum2 / n - mean * mean)), 10.0) << p.name << " looks blank";
  }
}
