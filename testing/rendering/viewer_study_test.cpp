// `myoscope view` as a user runs it, on a generated study: on its analysis folder and on the DICOM study itself
// (analysed on the fly), with the picture checked (viewports, orientation of the crosshair, overlay colour, pick text).
// Slow (generation and analysis); needs an X display (ctest runs it under `xvfb-run -a`).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>
#include <vtkSmartPointer.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "myo/core/files.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/testing/run_myoscope.hpp"
#include "myo/testing/test_support.hpp"
#include "myo/testing/generated_study.hpp"
#include "png_probe.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using myo::testing::run_myoscope;

using myo::testing::Png;
using myo::testing::Rgb;

using myo::testing::crosshair;
using myo::testing::Rect;

// The default window (1400 x 1000): 3D top left, axial top right, coronal bottom left, sagittal bottom right.
constexpr Rect k3d{0, 0, 700, 500}, kAxial{700, 0, 700, 500}, kCoronal{0, 500, 700, 500}, kSagittal{700, 500, 700, 500};

// Inside the central 3/5 of a viewport, away from its annotations.
double luminance_sd(const Png& png, const Rect& r) {
  return png.luminance_sd(r.x + r.w / 5, r.y + r.h / 5, r.w * 3 / 5, r.h * 3 / 5);
}

// One test, so that the study is generated and analysed once (each ctest test is its own process).
TEST(ViewerStudy, AnalysisFolderAndDicomStudy) {
  if (!myo::rendering::display_available()) GTEST_SKIP() << "no X display: run under `xvfb-run -a ctest -L render`";
  myo::testing::TempDir dir("myo-viewer-study");
  const auto path = [&](const std::string& name) { return dir.path() / name; };
  const auto failed = myo::testing::generate_and_analyse(dir.path());
  ASSERT_TRUE(failed.empty()) << failed;

  // The picked muscle's numbers are the report's; the crosshair sits on the patient's side of the radiological view.
  {
    SCOPED_TRACE("analysis folder: pick and orientation");
    const auto report = json::parse(myo::core::read_text_file(path("analysis") / "report.json"));
    for (const std::string side : {"left", "right"}) {
      const auto png = myo::testing::kept_picture(dir.path(), "study_view_quadriceps_" + side + ".png");
      const auto shown = run_myoscope("view " + path("analysis").string() + " --screenshot " + png.string() +
                                      " --pick-group quadriceps --pick-side " + side);
      ASSERT_EQ(shown.exit_code, 0) << shown.output;
      EXPECT_NE(shown.output.find("Quadriceps femoris \u2014 patient's " + side), std::string::npos) << shown.output;
      for (const auto& m : report.at("muscles"))
        if (m.at("group") == "quadriceps" && m.at("side") == side) {
          EXPECT_NE(shown.output.find(fmt::format("fat fraction {:.1f} %", m.at("fat_fraction_pct").get<double>())),
                    std::string::npos)
              << shown.output;
        }

      const Png image(png);
      ASSERT_EQ(image.width(), 1400);
      ASSERT_EQ(image.height(), 1000);
      for (const auto& [name, rect] : {std::pair{"3d", k3d}, std::pair{"axial", kAxial}, std::pair{"coronal", kCoronal},
                                       std::pair{"sagittal", kSagittal}})
        EXPECT_GT(luminance_sd(image, rect), 15.0) << name << " looks blank";
      // Patient left on the image right (axial and coronal views).
      for (const auto& rect : {kAxial, kCoronal}) {
        const auto c = crosshair(image, rect);
        if (side == "left")
          EXPECT_GT(c[0], rect.x + rect.w / 2);
        else
          EXPECT_LT(c[0], rect.x + rect.w / 2);
      }
      // Anterior up: the quadriceps is in the upper half of the axial view.
      EXPECT_LT(crosshair(image, kAxial)[1], kAxial.y + kAxial.h / 2);
    }
  }

  // The group colour of the quadriceps (catalogue green) under the cursor with the labels overlay.
  {
    SCOPED_TRACE("labels overlay colour");
    const auto png = myo::testing::kept_picture(dir.path(), "study_view_labels.png");
    const auto shown = run_myoscope("view " + path("analysis").string() + " --screenshot " + png.string() +
                                    " --metric labels --opacity 0.8 --pick-group quadriceps --pick-side left");
    ASSERT_EQ(shown.exit_code, 0) << shown.output;
    const Png image(png);
    const auto c = crosshair(image, kAxial);
    int r = 0, g = 0, b = 0;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const auto p = image.at(c[0] + dx, c[1] + dy);
        r += p.r;
        g += p.g;
        b += p.b;
      }
    EXPECT_GT(g, r + 9 * 40) << r / 9 << "," << g / 9 << "," << b / 9;
    EXPECT_GT(g, b + 9 * 40) << r / 9 << "," << g / 9 << "," << b / 9;
  }

  // `render` of the analysis folder draws every figure, the edema ones over STIR from the folder's own files.
  {
    SCOPED_TRACE("render from the analysis folder");
    const auto rendered = run_myoscope("render -q " + path("analysis").string() + " -o " + path("figures").string());
    ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
    for (const char* kind : {"map3d", "involvement", "slices"})
      for (const char* metric : {"fat_fraction", "edema_fraction"})
        EXPECT_TRUE(fs::exists(path("figures") / (std::string(kind) + "_" + metric + ".png"))) << kind << metric;
  }

  // A DICOM folder is analysed first (kept with -o), then shown; edema over STIR.
  {
    SCOPED_TRACE("DICOM study analysed on the fly");
    const auto png = myo::testing::kept_picture(dir.path(), "study_view_dicom_edema.png");
    const auto shown = run_myoscope("view " + (path("study") / "dicom").string() + " -o " + path("onthefly").string() +
                                    " --screenshot " + png.string() + " --metric edema");
    ASSERT_EQ(shown.exit_code, 0) << shown.output;
    EXPECT_TRUE(fs::exists(path("onthefly") / "report.json"));
    EXPECT_TRUE(fs::exists(path("onthefly") / "stir.nii.gz"));
    EXPECT_FALSE(fs::exists(path("onthefly") / "figures")) << "the viewer needs no figures";
    const Png image(png);
    for (const auto& rect : {k3d, kAxial, kCoronal, kSagittal}) EXPECT_GT(luminance_sd(image, rect), 15.0);
    // Red (edema) pixels in the slice views of an IMNM study.
    int red = 0;
    for (int y = kAxial.y + 30; y < kAxial.y + kAxial.h; y += 2)
      for (int x = kAxial.x; x < kAxial.x + kAxial.w; x += 2) {
        const auto p = image.at(x, y);
        red += p.r > p.g + 60 && p.r > p.b + 60;
      }
    EXPECT_GT(red, 200);
  }
}

}  // namespace
