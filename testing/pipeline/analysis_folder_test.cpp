// pipeline::AnalysisFolder: what analyze writes through write_analysis_volumes reads back on the labels' grid, with
// the report's muscles; the corrected-version names; core::to_mask.
#include "myo/pipeline/analysis_folder.hpp"

#include <gtest/gtest.h>

#include "myo/core/error.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/reporting/report.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;
namespace fs = std::filesystem;
namespace files = core::analysis_files;

namespace {

core::Geometry grid(double spacing_mm) {
  core::Geometry g;
  g.size = {8, 6, 4};
  g.spacing_mm = {spacing_mm, spacing_mm, 2 * spacing_mm};
  g.origin_mm = {-10, 20, -30};
  return g;
}

void write_report(const fs::path& folder) {
  reporting::Report r;
  r.study.study_instance_uid = "1.2.3";
  r.study.study_date = "20260102";
  r.input_path = "/studies/one";
  quantification::GroupMeasurement m;
  m.group = "adductors";
  m.label = 8;
  m.volume_ml = 400;
  m.fat_fraction_pct = 12.5;
  r.muscles = {m};
  reporting::write_report_json(r, folder / files::kReport);
}

// Labels and a fat-fraction map written by the writer (with or without the maps), and a report.
void write_labels_and_fat(const fs::path& folder, bool maps) {
  const core::LabelVolume labels(grid(2.0), 8);
  const core::ImageVolume fat(grid(2.0), 12.5F);
  pipeline::AnalysisVolumes volumes;
  volumes.labels = &labels;
  volumes.fat_fraction_pct = &fat;
  pipeline::write_analysis_volumes(volumes, maps, folder);
  write_report(folder);
}

}  // namespace

TEST(AnalysisFolder, ReadsBackWhatTheWriterWroteOnTheLabelsGrid) {
  myo::testing::TempDir dir;
  const core::LabelVolume labels(grid(2.0), 8);
  const core::ImageVolume fat(grid(2.0), 12.5F);
  const core::ImageVolume water(grid(2.0), 300.0F);
  core::MaskVolume edema(grid(2.0), 0);
  edema.voxels[5] = 1;
  pipeline::AnalysisVolumes volumes;
  volumes.labels = &labels;
  volumes.fat_fraction_pct = &fat;
  volumes.water = &water;
  volumes.edema_mask = &edema;
  pipeline::write_analysis_volumes(volumes, true, dir.path());
  write_report(dir.path());
  // A display series on another grid (written by hand): read back resampled onto the labels' grid.
  core::write_image(core::ImageVolume(grid(1.0), 50.0F), dir.path() / files::kStir);

  const pipeline::AnalysisFolder folder(dir.path());
  ASSERT_TRUE(folder.has_report());
  const auto a = folder.read(pipeline::kAllMaps);
  EXPECT_TRUE(a.labels.geometry.same_grid(grid(2.0)));
  ASSERT_TRUE(a.fat_fraction_pct);
  EXPECT_FLOAT_EQ(a.fat_fraction_pct->voxels[0], 12.5F);
  ASSERT_TRUE(a.edema_mask);
  EXPECT_EQ(a.edema_mask->voxels[5], 1);
  EXPECT_EQ(a.edema_mask->voxels[4], 0);
  EXPECT_FALSE(a.bone);  // not written: no bone map
  ASSERT_EQ(a.display_series.size(), 2U);
  EXPECT_EQ(a.display_series[0].first, "water");
  EXPECT_EQ(a.display_series[1].first, "stir");
  EXPECT_TRUE(a.display_series[1].second.geometry.same_grid(grid(2.0)));
  ASSERT_EQ(a.measurements.size(), 1U);
  EXPECT_EQ(a.measurements[0].group, "adductors");
  EXPECT_DOUBLE_EQ(*a.measurements[0].fat_fraction_pct, 12.5);
}

TEST(AnalysisFolder, ReadsOnlyTheMapsAskedFor) {
  myo::testing::TempDir dir;
  write_labels_and_fat(dir.path(), true);
  EXPECT_TRUE(fs::exists(dir.path() / files::kFatFraction));
  const auto a = pipeline::AnalysisFolder(dir.path()).read({});
  EXPECT_FALSE(a.fat_fraction_pct);
  EXPECT_TRUE(a.display_series.empty());
}

TEST(AnalysisFolder, WithoutMapsWritesTheLabelsOnly) {
  myo::testing::TempDir dir;
  write_labels_and_fat(dir.path(), false);
  EXPECT_TRUE(fs::exists(dir.path() / files::kLabels));
  EXPECT_FALSE(fs::exists(dir.path() / files::kFatFraction));
}

TEST(AnalysisFolder, RecordedStudyAndMissingReport) {
  myo::testing::TempDir dir;
  const pipeline::AnalysisFolder folder(dir.path());
  EXPECT_FALSE(folder.has_report());
  try {
    (void)folder.study();
    FAIL() << "a folder without report.json has no recorded study";
  } catch (const core::MyoError& e) {
    EXPECT_NE(e.error().subject.find("report.json"), std::string::npos) << e.error().subject;
  }
  write_report(dir.path());
  const auto study = folder.study();
  EXPECT_EQ(study.study_instance_uid, "1.2.3");
  EXPECT_EQ(study.study_date, "20260102");
  EXPECT_EQ(study.input_path, "/studies/one");
}

TEST(AnalysisFolder, CorrectedVersionsInNumericOrder) {
  myo::testing::TempDir dir;
  for (const char* name : {"corrected-10", "corrected-2", "corrected-0", "corrected-x", "figures"})
    fs::create_directories(dir.path() / name);
  const std::vector<std::string> expected{"corrected-2", "corrected-10"};
  EXPECT_EQ(pipeline::AnalysisFolder(dir.path()).corrected_versions(), expected);
  EXPECT_EQ(pipeline::AnalysisFolder::corrected_version_name(3), "corrected-3");
  EXPECT_EQ(pipeline::AnalysisFolder::corrected_version_number("corrected-07"), 0);
}

TEST(AnalysisFolder, WrittenByMyoscopeClaimsEveryFileName) {
  for (const auto name : {files::kReport, files::kLabels, files::kEditLog, files::kDicom, files::kScene})
    EXPECT_TRUE(pipeline::written_by_myoscope(std::string(name))) << name;
  EXPECT_FALSE(pipeline::written_by_myoscope("notes.txt"));
}

TEST(ToMask, ThresholdsFloatsAndLabels) {
  core::ImageVolume image(grid(1.0), 0.0F);
  image.voxels[1] = 1.0F;
  image.voxels[2] = 0.4F;
  const auto mask = core::to_mask(image);
  EXPECT_EQ(mask.voxels[1], 1);
  EXPECT_EQ(mask.voxels[2], 0);
  EXPECT_TRUE(mask.geometry.same_grid(image.geometry));
  core::LabelVolume labels(grid(1.0), 0);
  labels.voxels[3] = 17;
  EXPECT_EQ(core::to_mask(labels).voxels[3], 1);
  EXPECT_EQ(core::to_mask(labels).voxels[0], 0);
}
