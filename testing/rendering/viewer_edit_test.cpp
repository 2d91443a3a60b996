// Edit mode of `myoscope view` as a reader uses it, driven headless: on a generated study's analysis, brush, erase
// and undo on the axial view, then save; the edit log written beside the analysis must replay with `myoscope edit`
// to the same corrected labels, and the viewer must show the new version's numbers. Slow (generation, analysis and
// two requantifications); needs an X display (ctest runs it under `xvfb-run -a`).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/testing/run_myoscope.hpp"
#include "myo/testing/test_support.hpp"
#include "myo/testing/generated_study.hpp"
#include "png_probe.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using myo::testing::run_myoscope;

namespace {

constexpr myo::testing::Rect kAxial{700, 0, 700, 500};  // the axial viewport of the default 1400 x 1000 window

// The cursor's position the pick text gives: "at LPS (x, y, z) mm" (whole millimetres).
std::array<double, 3> picked_lps(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex(R"(at LPS \((-?\d+), (-?\d+), (-?\d+)\) mm)"))) return {1e9, 1e9, 1e9};
  return {std::stod(m[1]), std::stod(m[2]), std::stod(m[3])};
}

double label_volume_ml(const json& entries, const char* key, int label) {
  for (const auto& e : entries)
    if (e.at(key) == label) return e.at("volume_ml").get<double>();
  return -1;
}

}  // namespace

// One test, so that the study is generated and analysed once (each ctest test is its own process).
TEST(ViewerEdit, BrushEraseUndoSaveReplaysAndRequantifies) {
  if (!myo::rendering::display_available()) GTEST_SKIP() << "no X display: run under `xvfb-run -a ctest -L render`";
  myo::testing::TempDir dir("myo-viewer-edit");
  const auto path = [&](const std::string& name) { return dir.path() / name; };
  const auto failed = myo::testing::generate_and_analyse(dir.path());
  ASSERT_TRUE(failed.empty()) << failed;
  fs::copy(path("analysis"), path("replay"), fs::copy_options::recursive);  // the automatic version, for the replay

  // Where the right quadriceps is: the crosshair after a pick, as the reader sees it.
  const auto pick_png = myo::testing::kept_picture(dir.path(), "edit_pick.png");
  const auto located = run_myoscope("view " + path("analysis").string() + " --screenshot " + pick_png.string() +
                                    " --pick-group quadriceps --pick-side right");
  ASSERT_EQ(located.exit_code, 0) << located.output;
  const auto cursor_mm = picked_lps(located.output);
  const auto c = myo::testing::crosshair(myo::testing::Png(pick_png), kAxial);
  const int x = c[0] - kAxial.x, y = c[1] - kAxial.y;

  // Erase a ball at the cursor; brush a disc beside it; a larger brush stroke, undone; save.
  const auto edit_png = myo::testing::kept_picture(dir.path(), "edit_session.png");
  const auto actions = fmt::format("e,x,click@axial:{}:{},x,b,click@axial:{}:{},bracketright,drag@axial:{}:{}:{}:{},z,S",
                                   x, y, x + 12, y, x - 20, y + 20, x - 40, y + 20);
  const auto edited = run_myoscope("view " + path("analysis").string() + " --screenshot " + edit_png.string() +
                                   " --pick-group quadriceps --pick-side right --reader \"Dr Test\" --actions " +
                                   actions);
  ASSERT_EQ(edited.exit_code, 0) << edited.output;

  // The log beside the analysis: the erase where the cursor was (the click maps to LPS), the disc; not the undone
  // stroke.
  ASSERT_TRUE(fs::exists(path("analysis") / "edits-1.json")) << edited.output;
  const auto log = json::parse(myo::core::read_text_file(path("analysis") / "edits-1.json"));
  const auto& edits = log.at("edits");
  ASSERT_EQ(edits.size(), 2u) << log.dump(1);
  EXPECT_EQ(edits[0].at("op"), "erase");
  EXPECT_EQ(edits[0].at("shape"), "ball");
  EXPECT_EQ(edits[0].at("radius_mm"), 5.0);
  EXPECT_EQ(edits[0].at("reader"), "Dr Test");
  for (std::size_t a = 0; a < 3; ++a) EXPECT_NEAR(edits[0].at("centre_mm")[a].get<double>(), cursor_mm[a], 2.0) << a;
  EXPECT_EQ(edits[1].at("op"), "brush");
  EXPECT_EQ(edits[1].at("shape"), "disc");
  const int label = edits[1].at("label").get<int>();
  const auto muscle = myo::core::MuscleCatalog::instance().muscle_from_label(label);
  ASSERT_TRUE(muscle) << label;
  EXPECT_EQ(muscle->muscle->group, "quadriceps");  // the active label is the muscle under the cursor
  EXPECT_EQ(muscle->side, myo::core::Side::right);

  // The same log replayed without a display gives the same corrected labels.
  const auto replayed = run_myoscope("edit " + path("replay").string() + " --apply " +
                                     (path("analysis") / "edits-1.json").string() + " --no-figures --no-report-documents");
  ASSERT_EQ(replayed.exit_code, 0) << replayed.output;
  const auto saved = myo::core::read_labels(path("analysis") / "corrected-1" / "corrected_labels.nii.gz");
  const auto again = myo::core::read_labels(path("replay") / "corrected-1" / "corrected_labels.nii.gz");
  const auto automatic = myo::core::read_labels(path("analysis") / "muscle_labels.nii.gz");
  EXPECT_TRUE(saved.voxels == again.voxels);
  EXPECT_FALSE(saved.voxels == automatic.voxels);

  // The viewer shows the edited muscle's numbers of the new version against the automatic one's.
  const auto before = json::parse(myo::core::read_text_file(path("analysis") / "report.json"));
  const auto after = json::parse(myo::core::read_text_file(path("analysis") / "corrected-1" / "report.json"));
  const double before_ml = label_volume_ml(before.at("single_muscles"), "label", label);
  const double after_ml = label_volume_ml(after.at("input_labels"), "value", label);
  ASSERT_GT(before_ml, 0);
  ASSERT_GT(after_ml, 0);
  EXPECT_NE(fmt::format("{:.1f}", before_ml), fmt::format("{:.1f}", after_ml));
  EXPECT_NE(edited.output.find(fmt::format("saved corrected-1 (2 edits)")), std::string::npos) << edited.output;
  EXPECT_NE(edited.output.find(fmt::format("volume {:.1f} -> {:.1f} ml", before_ml, after_ml)), std::string::npos)
      << edited.output;
  EXPECT_EQ(after.at("segmentation_source"), "reader_corrected");
  EXPECT_EQ(after.at("correction").at("reader"), "Dr Test");
}
