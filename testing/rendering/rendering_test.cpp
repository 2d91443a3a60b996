// Rendering tests on a synthetic two-thigh phantom with known fat fractions. They need an X display (the CI runs
// them under `xvfb-run -a`); without one the rendering tests skip and the no-display contract is checked instead.
#include <gtest/gtest.h>
#include <vtkCellData.h>
#include <vtkCompositeDataSet.h>
#include <vtkDataArray.h>
#include <vtkGLTFReader.h>
#include <vtkImageData.h>
#include <vtkMultiBlockDataSet.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>
#include <vtkPolyData.h>
#include <vtkXMLPolyDataReader.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <thread>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/rendering/levels.hpp"
#include "myo/rendering/scene_export.hpp"
#include "myo/testing/test_support.hpp"
#include "png_probe.hpp"
#include "myo/testing/thigh_phantom.hpp"

using namespace myo;
namespace fs = std::filesystem;

namespace {

#define MYO_REQUIRE_DISPLAY()          \
  if (!rendering::display_available()) \
  GTEST_SKIP() << "no X display: run the render tests under `xvfb-run -a ctest -L render`"

using myo::testing::Png;
using myo::testing::Rgb;

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const rendering::Panel& panel(const rendering::Figure& f, const std::string& name) {
  for (const auto& p : f.panels)
    if (p.name == name) return p;
  throw std::runtime_error("no panel " + name);
}

// Viridis near its top (fat fraction >= ~50 % on the 0..70 % scale): green and red high, blue low, even when shaded.
bool high_fat_colour(const Rgb& c) { return c.g > 110 && c.r > 80 && c.g > c.b + 60; }

struct Count {
  int left = 0, right = 0;
};
template <class Pred>
Count count_halves(const Png& png, const rendering::Panel& p, Pred pred, int y0 = -1, int y1 = -1) {
  Count c;
  for (int y = (y0 < 0 ? p.y : y0); y < (y1 < 0 ? p.y + p.height : y1); ++y)
    for (int x = p.x + 30; x < p.x + p.width - 30; ++x)  // skip the orientation letters at the edges
      if (pred(png.at(x, y))) (x < p.x + p.width / 2 ? c.left : c.right)++;
  return c;
}

}  // namespace

TEST(Rendering, WithoutDisplayThrowsAnErrorThatNamesXvfb) {
  // Guards the CLI's exit code 6: a missing X server must be a clear MyoError, never a VTK abort. MYO_XVFB empty: no
  // private Xvfb may be started either (with one, rendering without DISPLAY succeeds; testing/hardening checks that).
  const char* saved = std::getenv("DISPLAY");
  const std::string keep = saved ? saved : "";
  unsetenv("DISPLAY");
  setenv("MYO_XVFB", "", 1);
  const auto phantom = myo::testing::make_thigh_phantom({{40, 30, 20}, {8, 8, 15}});
  myo::testing::TempDir dir;
  try {
    (void)rendering::render_study_figures(phantom.input(), dir.path());
    ADD_FAILURE() << "expected a MyoError";
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::no_display);
    EXPECT_NE(std::string(e.what()).find("xvfb-run -a"), std::string::npos);
  }
  EXPECT_FALSE(rendering::display_available());
  unsetenv("MYO_XVFB");
  if (saved) setenv("DISPLAY", keep.c_str(), 1);
}

TEST(Rendering, ThreeDMapShowsTheFattyRightQuadricepsOnTheViewersLeftFromTheFront) {
  MYO_REQUIRE_DISPLAY();
  const auto phantom = myo::testing::make_thigh_phantom();
  myo::testing::TempDir dir;
  const auto figure = rendering::render_map3d(phantom.input(), rendering::Metric::fat_fraction,
                                              myo::testing::kept_picture(dir.path(), "map3d_fat_fraction.png"));
  ASSERT_TRUE(figure);
  const Png png(figure->path);
  EXPECT_EQ(png.width(), figure->width_px);
  EXPECT_EQ(png.height(), figure->height_px);
  // Anterior view: facing the patient, the patient's right (FF 60 %) is on the viewer's left.
  const auto front = count_halves(png, panel(*figure, "anterior"), high_fat_colour);
  EXPECT_GT(front.left, 500) << "the right quadriceps (FF 60 %) should show the top of the colour map";
  EXPECT_LT(front.right, front.left / 20) << "left quadriceps (FF 5 %) must not look fatty";
  // Posterior view: the patient's right is on the viewer's right.
  const auto back = count_halves(png, panel(*figure, "posterior"), high_fat_colour);
  EXPECT_GT(back.right, back.left);
}

// The grade map (on request: `render --metric mercuri_grade`): the end-stage right quadriceps red, the normal left
// quadriceps green, on the sides the anterior view shows them; no strip or slice figure for a group value.
TEST(Rendering, GradeMapShowsEndStageRightQuadricepsRedOnTheViewersLeft) {
  MYO_REQUIRE_DISPLAY();
  auto phantom = myo::testing::make_thigh_phantom();
  auto input = phantom.input();
  for (auto& m : input.measurements) m.mercuri_grade = m.fat_fraction_pct && *m.fat_fraction_pct > 50 ? 4 : 1;
  myo::testing::TempDir dir;
  const auto figure = rendering::render_map3d(input, rendering::Metric::mercuri_grade,
                                              myo::testing::kept_picture(dir.path(), "map3d_mercuri_grade.png"));
  ASSERT_TRUE(figure);
  const Png png(figure->path);
  const auto red = [](const Rgb& c) { return c.r > 120 && c.r > c.g + 70 && c.r > c.b + 70; };
  const auto green = [](const Rgb& c) { return c.g > 80 && c.g > c.r + 40 && c.g > c.b + 20; };
  const auto front_red = count_halves(png, panel(*figure, "anterior"), red);
  const auto front_green = count_halves(png, panel(*figure, "anterior"), green);
  EXPECT_GT(front_red.left, 500);
  EXPECT_LT(front_red.right, front_red.left / 20);
  EXPECT_GT(front_green.right, 500);
  EXPECT_FALSE(rendering::render_slice_overlays(input, rendering::Metric::mercuri_grade, dir.path() / "s.png"));
  EXPECT_FALSE(rendering::render_involvement_strip(input, rendering::Metric::mercuri_grade, dir.path() / "i.png"));
  // Without grades in the measurements there is no grade map (never invented from the maps).
  EXPECT_FALSE(rendering::render_map3d(phantom.input(), rendering::Metric::mercuri_grade, dir.path() / "m.png"));
}

TEST(Rendering, ThreeDViewsShowEachSideAndFaceWhereTheCameraSeesIt) {
  // Only the right quadriceps (anterior, FF 60 %) and the left hamstrings (posterior, FF 30 %) are labelled.
  MYO_REQUIRE_DISPLAY();
  for (const bool flipped : {false, true}) {
    SCOPED_TRACE(flipped ? "voxels stored right-to-left, posterior-to-anterior" : "voxels stored in LPS order");
    myo::testing::PhantomOptions options;
    options.right_quadriceps_left_hamstrings_only = true;
    options.flipped_in_plane = flipped;
    const auto phantom = myo::testing::make_thigh_phantom(options);
    myo::testing::TempDir dir;
    rendering::FigureParams params;
    params.skin_outline = false;
    const auto figure = rendering::render_map3d(
        phantom.input(), rendering::Metric::fat_fraction,
        myo::testing::kept_picture(dir.path(), flipped ? "map3d_asymmetric_flipped.png" : "map3d_asymmetric.png"), params);
    ASSERT_TRUE(figure);
    const Png png(figure->path);
    const auto teal = [](const Rgb& c) { return c.b > 60 && c.g > 60 && c.b + 10 > c.g && c.r < c.g - 30; };
    // Anterior: camera in front of the patient; the patient's right is on the viewer's left.
    const auto front_fat = count_halves(png, panel(*figure, "anterior"), high_fat_colour);
    const auto front_teal = count_halves(png, panel(*figure, "anterior"), teal);
    EXPECT_GT(front_fat.left, 10 * std::max(1, front_fat.right));
    EXPECT_GT(front_teal.right, 10 * std::max(1, front_teal.left));
    // Posterior: mirrored.
    const auto back_fat = count_halves(png, panel(*figure, "posterior"), high_fat_colour);
    const auto back_teal = count_halves(png, panel(*figure, "posterior"), teal);
    EXPECT_GT(back_fat.right, 10 * std::max(1, back_fat.left));
    EXPECT_GT(back_teal.left, 10 * std::max(1, back_teal.right));
    // Right lateral: the camera stands at the patient's right; anterior (quadriceps) is on screen right.
    const auto lateral_fat = count_halves(png, panel(*figure, "right_lateral"), high_fat_colour);
    const auto lateral_teal = count_halves(png, panel(*figure, "right_lateral"), teal);
    EXPECT_GT(lateral_fat.right, lateral_fat.left);
    EXPECT_GT(lateral_teal.left, lateral_teal.right);
  }
}

TEST(Rendering, AxialOverlayIsRadiologicalWithTheFattyRightQuadricepsOnImageLeftAndAnteriorUp) {
  for (const bool flipped : {false, true}) {
    SCOPED_TRACE(flipped ? "voxels stored right-to-left, posterior-to-anterior" : "voxels stored in LPS order");
    myo::testing::PhantomOptions options;
    options.flipped_in_plane = flipped;
    const auto phantom = myo::testing::make_thigh_phantom(options);
    myo::testing::TempDir dir;
    const auto figure = rendering::render_slice_overlays(
        phantom.input(), rendering::Metric::fat_fraction,
        myo::testing::kept_picture(dir.path(), flipped ? "slices_flipped.png" : "slices_fat_fraction.png"));
    ASSERT_TRUE(figure);
    const Png png(figure->path);
    const auto& mid = panel(*figure, "axial_mid");
    const auto halves = count_halves(png, mid, high_fat_colour);
    EXPECT_GT(halves.left, 100);
    EXPECT_LT(halves.right, halves.left / 10);
    const auto top = count_halves(png, mid, high_fat_colour, mid.y, mid.y + mid.height / 2);
    const auto bottom = count_halves(png, mid, high_fat_colour, mid.y + mid.height / 2, mid.y + mid.height);
    EXPECT_GT(top.left, bottom.left) << "the quadriceps is anterior: upper half of an axial image";
    EXPECT_NO_THROW((void)panel(*figure, "coronal"));
  }
}

TEST(Rendering, LevelProfilesShowTheProximalRiseOfTheAdductors) {
  const auto phantom = myo::testing::make_thigh_phantom();
  const auto profiles = rendering::fat_fraction_profiles(phantom.labels, phantom.fat_fraction_pct, 20.0);
  ASSERT_FALSE(profiles.slab_low_z_mm.empty());
  const rendering::LevelRow* adductors = nullptr;
  for (const auto& row : profiles.rows)
    if (row.group == "adductors" && row.side == core::Side::right) adductors = &row;
  ASSERT_NE(adductors, nullptr);
  std::vector<double> values;
  for (const auto& v : adductors->values)
    if (v) values.push_back(*v);
  ASSERT_GE(values.size(), 5U);
  EXPECT_LT(values.front(), 15.0);
  EXPECT_GT(values.back(), 40.0);
  for (std::size_t i = 1; i < values.size(); ++i) EXPECT_GE(values[i], values[i - 1] - 1e-6);
  // Right hamstrings: edema only in the distal part.
  const auto edema = rendering::edema_profiles(phantom.labels, phantom.edema, 20.0);
  for (const auto& row : edema.rows)
    if (row.group == "hamstrings" && row.side == core::Side::right) {
      EXPECT_NEAR(row.values.front().value_or(-1), 100.0, 1e-9);
      EXPECT_NEAR(row.values.back().value_or(0), 0.0, 1e-9);
    }
}

TEST(Rendering, InvolvementStripIsDrawnAndNotBlank) {
  const auto phantom = myo::testing::make_thigh_phantom();
  myo::testing::TempDir dir;
  for (const auto metric : {rendering::Metric::fat_fraction, rendering::Metric::edema_fraction}) {
    const auto figure = rendering::render_involvement_strip(
        phantom.input(), metric, myo::testing::kept_picture(dir.path(), "involvement_" + std::string(to_string(metric)) + ".png"));
    ASSERT_TRUE(figure);
    const Png png(figure->path);
    const auto& row = panel(*figure, "quadriceps_right");
    int coloured = 0;
    for (int x = row.x; x < row.x + row.width; ++x) coloured += high_fat_colour(png.at(x, row.y + row.height / 2));
    if (metric == rendering::Metric::fat_fraction) {
      EXPECT_GT(coloured, row.width / 2);
    }
  }
}

// Bone (ivory: red > green > blue, close together; never a colour of viridis, grey or the background).
bool bone_colour(const Rgb& c) {
  return c.r > 110 && c.r >= c.g && c.g > c.b && c.r - c.b >= c.r / 16 && c.r - c.b <= c.r / 3 &&
         c.g - c.b >= c.r / 32;
}

// The femur is context in the 3D map: ivory where a femur is not hidden by muscle, nowhere else, never coloured by
// the metric. Only the right quadriceps and the left hamstrings are labelled, so from the front only the left femur
// shows (on the viewer's right), and from the back only the right femur (also on the viewer's right).
TEST(Rendering, ThreeDMapShowsTheFemurInIvoryWhereNoMuscleHidesIt) {
  MYO_REQUIRE_DISPLAY();
  myo::testing::PhantomOptions options;
  options.right_quadriceps_left_hamstrings_only = true;
  auto phantom = myo::testing::make_thigh_phantom(options);
  const auto& g = phantom.bone.geometry;
  for (std::size_t k = 0; k < g.size[2]; ++k)  // the femoral shafts only (no hips)
    if (g.index_to_physical({0, 0, static_cast<double>(k)})[2] >= phantom.crotch_z_mm)
      for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i) phantom.bone.at(i, j, k) = 0;
  myo::testing::TempDir dir;
  rendering::FigureParams params;
  params.skin_outline = false;
  const auto with_bone = rendering::render_map3d(phantom.input(), rendering::Metric::fat_fraction,
                                                 myo::testing::kept_picture(dir.path(), "map3d_bone.png"), params);
  auto no_bone_input = phantom.input();
  no_bone_input.bone = nullptr;
  const auto without_bone =
      rendering::render_map3d(no_bone_input, rendering::Metric::fat_fraction, dir.path() / "map3d_no_bone.png", params);
  ASSERT_TRUE(with_bone && without_bone);
  const Png png(with_bone->path), plain(without_bone->path);
  for (const char* view : {"anterior", "posterior", "right_lateral", "left_lateral"}) {
    const auto none = count_halves(plain, panel(*without_bone, view), bone_colour);
    EXPECT_EQ(none.left + none.right, 0) << view << ": ivory without any bone";
  }
  const auto front = count_halves(png, panel(*with_bone, "anterior"), bone_colour);
  EXPECT_GT(front.right, 300) << "the left femur (no quadriceps in front of it) should show";
  EXPECT_LT(front.left, front.right / 20) << "the right femur lies behind the right quadriceps";
  const auto back = count_halves(png, panel(*with_bone, "posterior"), bone_colour);
  EXPECT_GT(back.right, 300) << "the right femur (no hamstrings behind it) should show";
  EXPECT_LT(back.left, back.right / 20) << "the left femur lies behind the left hamstrings";
  // Anterior view: the femur is a narrow column inside the left thigh's span (the hamstrings seen through the
  // missing quadriceps), not a smear over the thigh.
  const auto& p = panel(*with_bone, "anterior");
  const auto teal = [](const Rgb& c) { return c.b > 60 && c.g > 60 && c.b + 10 > c.g && c.r < c.g - 30; };
  int bone_lo = p.x + p.width, bone_hi = 0, teal_lo = p.x + p.width, teal_hi = 0;
  for (int y = p.y; y < p.y + p.height; ++y)
    for (int x = p.x + p.width / 2; x < p.x + p.width - 30; ++x) {
      const Rgb c = png.at(x, y);
      if (bone_colour(c)) {
        bone_lo = std::min(bone_lo, x);
        bone_hi = std::max(bone_hi, x);
      }
      if (teal(c)) {
        teal_lo = std::min(teal_lo, x);
        teal_hi = std::max(teal_hi, x);
      }
    }
  ASSERT_GT(teal_hi, teal_lo);
  EXPECT_GT(bone_lo, teal_lo);
  EXPECT_LT(bone_hi, teal_hi);
  EXPECT_LT(bone_hi - bone_lo, (teal_hi - teal_lo) / 2);
}

// Also guards a bug: Xvfb resets when its last client disconnects, so the third or fourth render window of a process
// used to connect during the reset and VTK aborted ("bad X server connection"). The display probe now keeps one
// connection open. This test opens four render windows in one process.
TEST(Rendering, StudyFiguresAreDeterministic) {
  MYO_REQUIRE_DISPLAY();
  const auto phantom = myo::testing::make_thigh_phantom();
  myo::testing::TempDir first, second;
  const auto a = rendering::render_study_figures(phantom.input(), first.path());
  const auto b = rendering::render_study_figures(phantom.input(), second.path());
  ASSERT_EQ(a.size(), 6U);  // map3d, involvement, slices for fat fraction and edema
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path.filename(), b[i].path.filename());
    EXPECT_EQ(bytes_of(a[i].path), bytes_of(b[i].path)) << a[i].path.filename() << " differs between two renders";
    EXPECT_FALSE(a[i].caption.empty());
  }
  if (myo::testing::keeping_pictures())
    (void)rendering::render_study_figures(phantom.input(), myo::testing::kept_picture(first.path(), "study"));
}

TEST(Rendering, EmptyLabelsGiveNoFigureAndNoCrash) {
  auto phantom = myo::testing::make_thigh_phantom({{40, 30, 20}, {8, 8, 15}});
  std::fill(phantom.labels.voxels.begin(), phantom.labels.voxels.end(), 0);
  phantom.measurements.clear();
  myo::testing::TempDir dir;
  EXPECT_FALSE(
      rendering::render_slice_overlays(phantom.input(), rendering::Metric::fat_fraction, dir.path() / "s.png"));
  EXPECT_FALSE(
      rendering::render_involvement_strip(phantom.input(), rendering::Metric::fat_fraction, dir.path() / "i.png"));
  const auto exported = rendering::export_scene(phantom.input(), dir.path() / "empty.glb", {});
  EXPECT_EQ(bytes_of(exported.glb).substr(0, 4), "glTF");
  if (rendering::display_available()) {
    EXPECT_TRUE(rendering::render_study_figures(phantom.input(), dir.path()).empty());
  }
}

TEST(Rendering, SceneExportWritesAValidGlbAndReadableVtpWithTheMetric) {
  const auto phantom = myo::testing::make_thigh_phantom();
  myo::testing::TempDir dir;
  const auto exported = rendering::export_scene(phantom.input(), dir.path() / "scene.glb", dir.path() / "vtp");
  const std::string glb = bytes_of(exported.glb);
  ASSERT_GE(glb.size(), 20U);
  EXPECT_EQ(glb.substr(0, 4), "glTF");
  const auto u32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(glb[at])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(glb[at + 1])) << 8U |
           static_cast<std::uint32_t>(static_cast<unsigned char>(glb[at + 2])) << 16U |
           static_cast<std::uint32_t>(static_cast<unsigned char>(glb[at + 3])) << 24U;
  };
  EXPECT_EQ(u32(4), 2U);
  EXPECT_EQ(u32(8), glb.size());
  EXPECT_EQ(glb.substr(16, 4), "JSON");
  const std::string json = glb.substr(20, u32(12));
  EXPECT_NE(json.find("\"quadriceps_right\""), std::string::npos);
  EXPECT_NE(json.find("\"fat_fraction_pct\""), std::string::npos);
  {  // An independent reader accepts the file: VTK's own glTF 2.0 reader (binary .glb) finds every mesh.
    vtkNew<vtkGLTFReader> reader;
    reader->SetFileName(exported.glb.string().c_str());
    reader->Update();
    auto* blocks = reader->GetOutput();
    ASSERT_NE(blocks, nullptr);
    EXPECT_GT(blocks->GetNumberOfPoints(), 1000);
    EXPECT_EQ(reader->GetNumberOfScenes(), 1U);
  }

  bool found = false;
  for (const auto& path : exported.vtp_files) {
    vtkNew<vtkXMLPolyDataReader> reader;
    reader->SetFileName(path.string().c_str());
    reader->Update();
    auto* mesh = reader->GetOutput();
    ASSERT_GT(mesh->GetNumberOfPolys(), 0) << path;
    auto* ff = mesh->GetCellData()->GetArray("fat_fraction_pct");
    ASSERT_NE(ff, nullptr) << path;
    if (path.filename() == "quadriceps_right.vtp") {
      found = true;
      EXPECT_NEAR(ff->GetTuple1(0), 60.0, 1e-9);
    }
  }
  EXPECT_TRUE(found);
}

// report.html embeds scene.glb: each group's mesh is decimated to the triangle budget (the VTP keeps every triangle),
// and the file carries the colours and colour bars the HTML viewer shows, the same as the figures'.
TEST(Rendering, SceneGlbKeepsTheTriangleBudgetAndCarriesDisplayColours) {
  const auto phantom = myo::testing::make_thigh_phantom();
  myo::testing::TempDir dir;
  rendering::SceneExportParams params;
  params.glb_max_triangles_per_group = 300;
  const auto exported = rendering::export_scene(phantom.input(), dir.path() / "scene.glb", dir.path() / "vtp", params);
  const std::string glb = bytes_of(exported.glb);
  ASSERT_GE(glb.size(), 20U);
  const auto json_length = static_cast<std::size_t>(static_cast<unsigned char>(glb[12])) |
                           static_cast<std::size_t>(static_cast<unsigned char>(glb[13])) << 8U;
  const auto doc = nlohmann::json::parse(glb.substr(20, json_length));
  ASSERT_FALSE(doc["meshes"].empty());
  std::map<std::string, std::string> fat_colour;
  for (const auto& mesh : doc["meshes"]) {
    const auto triangles = doc["accessors"][mesh["primitives"][0]["indices"].get<int>()]["count"].get<int>() / 3;
    EXPECT_LE(triangles, 300) << mesh["name"];
    const auto& colours = mesh["extras"]["display_colors"];
    EXPECT_EQ(colours["fat_fraction"].get<std::string>().size(), 7U) << mesh["name"];
    EXPECT_EQ(colours["edema_fraction"].get<std::string>().front(), '#');
    fat_colour[mesh["name"].get<std::string>()] = colours["fat_fraction"].get<std::string>();
  }
  EXPECT_NE(fat_colour["quadriceps_right"], fat_colour["quadriceps_left"]) << "60 % and 5 % share a colour";
  vtkNew<vtkXMLPolyDataReader> reader;
  reader->SetFileName((dir.path() / "vtp" / "quadriceps_right.vtp").string().c_str());
  reader->Update();
  EXPECT_GT(reader->GetOutput()->GetNumberOfPolys(), 300) << "the VTP is not decimated";
  for (const char* metric : {"fat_fraction", "edema_fraction"}) {
    const auto& legend = doc["extras"]["legends"][metric];
    EXPECT_EQ(legend["stops"].size(), 11U) << metric;
    EXPECT_LT(legend["low"].get<double>(), legend["high"].get<double>()) << metric;
  }
}

namespace {

// Every file of an exported scene (scene.glb and the VTP files), by name.
std::map<std::string, std::string> scene_files(const rendering::SceneExport& scene) {
  std::map<std::string, std::string> files{{"glb", bytes_of(scene.glb)}};
  for (const auto& path : scene.vtp_files) files[path.filename().string()] = bytes_of(path);
  return files;
}

}  // namespace

// `analyze` builds the label surfaces once for the 3D maps and scene.glb (FigureInput::surfaces), the maps on its own
// thread while the pool exports the scene. The scene and the map from shared surfaces are the files made from
// surfaces built anew, whoever builds first and whether or not both run at once; other smoothing parameters are not
// served from the cache.
TEST(Rendering, SharedSurfacesGiveTheSameSceneAndMapAsSurfacesBuiltAnew) {
  const auto phantom = myo::testing::make_thigh_phantom();
  myo::testing::TempDir dir;
  const auto alone = scene_files(rendering::export_scene(phantom.input(), dir.path() / "alone.glb", dir.path() / "a"));
  ASSERT_GT(alone.size(), 10U);
  const bool display = rendering::display_available();
  const auto metric = rendering::Metric::fat_fraction;
  const std::string map_alone =
      display ? bytes_of(rendering::render_map3d(phantom.input(), metric, dir.path() / "alone.png")->path) : "";

  rendering::SurfaceCache cache;
  auto input = phantom.input();
  input.surfaces = &cache;
  std::map<std::string, std::string> shared;
  std::thread scene([&] {  // as in `analyze`: the scene is exported on another thread while the map renders
    shared = scene_files(rendering::export_scene(input, dir.path() / "shared.glb", dir.path() / "s"));
  });
  const std::string shared_map =
      display ? bytes_of(rendering::render_map3d(input, metric, dir.path() / "shared.png")->path) : "";
  scene.join();
  EXPECT_TRUE(shared == alone) << "scene.glb or a VTP file differs with shared surfaces";
  EXPECT_EQ(shared_map, map_alone) << "the 3D map differs with shared surfaces";
  const auto again = scene_files(rendering::export_scene(input, dir.path() / "again.glb", dir.path() / "g"));
  EXPECT_TRUE(again == alone) << "the cached surfaces changed after their first users";

  rendering::SceneExportParams rough;
  rough.smoothing_iterations = 0;
  const auto rough_alone =
      scene_files(rendering::export_scene(phantom.input(), dir.path() / "rough_alone.glb", dir.path() / "ra", rough));
  const auto rough_shared =
      scene_files(rendering::export_scene(input, dir.path() / "rough_shared.glb", dir.path() / "rs", rough));
  EXPECT_FALSE(rough_alone == alone) << "smoothing changes nothing: the test cannot tell the parameters apart";
  EXPECT_TRUE(rough_shared == rough_alone) << "surfaces of other parameters were served from the cache";
}
