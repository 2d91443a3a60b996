// The path a user takes, on generated studies of every vendor and protocol:
// phantom -> scan -> analyze -> report checked against its schema -> evaluate.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <cmath>
#include <map>
#include <set>

#include "myo/testing/run_myoscope.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/files.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/testing/test_support.hpp"

using myo::testing::run_myoscope;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Protocol {
  std::string vendor;
  bool dixon;
};

// Readable test names and failure messages instead of raw bytes.
[[maybe_unused]] void PrintTo(const Protocol& p, std::ostream* os) { *os << p.vendor << (p.dixon ? " dixon" : " t1+stir"); }

std::string name_of(const ::testing::TestParamInfo<Protocol>& info) {
  return info.param.vendor + (info.param.dixon ? "_dixon" : "_t1_stir");
}

class EndToEnd : public ::testing::TestWithParam<Protocol> {};

}  // namespace

TEST_P(EndToEnd, GenerateScanAnalyzeEvaluate) {
  const auto& p = GetParam();
  myo::testing::TempDir dir;
  const fs::path study = dir.path() / "study";
  const fs::path out = dir.path() / "analysis";
  const auto generated = run_myoscope("phantom -o " + study.string() + " --vendor " + p.vendor +
                                      " --scenario imnm --seed 111" + (p.dixon ? "" : " --no-dixon"));
  ASSERT_EQ(generated.exit_code, 0) << generated.output;

  // scan: the roles a user expects for this vendor's conventions.
  const auto scanned = run_myoscope("scan --json " + (study / "dicom").string() + " -q");
  ASSERT_EQ(scanned.exit_code, 0) << scanned.output;
  const auto listing = json::parse(scanned.output.substr(scanned.output.find('{')));
  std::multiset<std::string> roles;
  for (const auto& st : listing.at("studies"))
    for (const auto& s : st.at("series")) roles.insert(s.at("role").get<std::string>());
  EXPECT_EQ(roles.count("stir"), 1U) << scanned.output;
  EXPECT_EQ(roles.count("t1"), 1U) << scanned.output;
  EXPECT_GE(roles.count("localizer"), 1U) << scanned.output;
  for (const char* dixon_role : {"dixon_water", "dixon_fat", "dixon_in_phase", "dixon_opposed_phase"})
    EXPECT_EQ(roles.count(dixon_role), p.dixon ? 1U : 0U) << dixon_role;

  const auto analyzed = run_myoscope("analyze " + (study / "dicom").string() + " -o " + out.string());
  ASSERT_EQ(analyzed.exit_code, 0) << analyzed.output;
  for (const char* file : {"report.json", "measurements.csv", "labels.nii.gz"}) EXPECT_TRUE(fs::exists(out / file)) << file;
  EXPECT_EQ(fs::exists(out / "fat_fraction.nii.gz"), p.dixon);
  // What `myoscope view` and `myoscope render` show: the reference anatomy, STIR and the edema mask, on the labels' grid.
  EXPECT_EQ(fs::exists(out / "water.nii.gz"), p.dixon);
  EXPECT_EQ(fs::exists(out / "t1.nii.gz"), !p.dixon);
  // bone.nii.gz: the femur and pelvis the segmentation found, drawn as context in the 3D map and the viewer.
  for (const char* file : {"stir.nii.gz", "edema_mask.nii.gz", "bone.nii.gz", p.dixon ? "water.nii.gz" : "t1.nii.gz"}) {
    ASSERT_TRUE(fs::exists(out / file)) << file;
    EXPECT_TRUE(myo::core::read_image(out / file).geometry.same_grid(myo::core::read_labels(out / "labels.nii.gz").geometry))
        << file;
  }

  // The report honours its contract.
  const std::string validate = std::string(MYO_PYTHON) +
                               " -c \"import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), "
                               "json.load(open(sys.argv[2])))\" '" + (out / "report.json").string() + "' '" +
                               (myo::testing::source_dir() / "data" / "report.schema.json").string() + "'";
  EXPECT_EQ(std::system(validate.c_str()), 0);
  const auto report = json::parse(myo::core::read_text_file(out / "report.json"));
  EXPECT_EQ(report.at("protocol"), p.dixon ? "dixon" : "t1_stir");
  std::set<std::string> sides;
  for (const auto& m : report.at("muscles")) {
    sides.insert(m.at("side").get<std::string>());
    // Without Dixon the fat fraction is null, never invented.
    EXPECT_EQ(m.at("fat_fraction_pct").is_null(), !p.dixon) << m.dump();
    EXPECT_FALSE(m.at("edema_fraction_pct").is_null());
  }
  EXPECT_EQ(sides, (std::set<std::string>{"right", "left"}));

  // The DICOM SEG that goes to the PACS reads back as the same segmentation (--labels accepts SEG files).
  if (p.vendor == "siemens" && p.dixon) {
    ASSERT_TRUE(fs::exists(out / "dicom" / "segmentation.dcm"));
    const fs::path again = dir.path() / "from_seg";
    const auto reread = run_myoscope("analyze " + (study / "dicom").string() + " -o " + again.string() + " --labels " +
                                     (out / "dicom" / "segmentation.dcm").string() +
                                     " --no-figures --no-dicom --no-report-documents");
    ASSERT_EQ(reread.exit_code, 0) << reread.output;
    const auto original = myo::core::read_labels(out / "labels.nii.gz");
    const auto round_trip = myo::core::read_labels(again / "labels.nii.gz");
    EXPECT_TRUE(round_trip.geometry.same_grid(original.geometry, 0.01));
    EXPECT_EQ(round_trip.voxels, original.voxels);
    EXPECT_FALSE(fs::exists(again / "bone.nii.gz")) << "no segmentation ran, so there is no bone mask";
  }

  // Accuracy floor: catches regressions; the targets of record are measured with `myoscope evaluate` on many seeds.
  const fs::path evaluation = dir.path() / "evaluation.json";
  const auto evaluated = run_myoscope("evaluate " + out.string() + " " + study.string() + " --json " + evaluation.string());
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.output;
  const auto e = json::parse(myo::core::read_text_file(evaluation));
  // Floors sit below what the muscle model measures on generator studies it never saw (model card) to catch
  // regressions; the model's accuracy on real anatomy is measured in training/segmentation/evaluate.py.
  EXPECT_GT(e.at("mean_dice").get<double>(), 0.84) << evaluated.output;
  EXPECT_GT(e.at("min_dice").get<double>(), 0.65) << evaluated.output;
  if (p.dixon) {
    EXPECT_LT(e.at("fat_fraction_mae_pct").get<double>(), 3.5) << evaluated.output;
  }
  EXPECT_LT(e.at("edema_fraction_mae_pct").get<double>(), 20.0) << evaluated.output;
}

INSTANTIATE_TEST_SUITE_P(Vendors, EndToEnd,
                         ::testing::Values(Protocol{"siemens", true}, Protocol{"philips", true}, Protocol{"ge", true},
                                           Protocol{"siemens", false}),
                         name_of);

// Bring your own segmentation: the generator's own truth labels as the user's labels. The groups must come out
// exactly, and every label's fat fraction must agree with an independent computation from the raw Dixon images
// (documented definition: mean over the label of F/(W+F) after removing the Rician noise power 2*sigma^2, sigma as
// recorded in report.json).
TEST(EndToEndLabels, OwnLabelsGiveExactGroupsAndIndependentFatFraction) {
  myo::testing::TempDir dir;
  const fs::path study = dir.path() / "study";
  ASSERT_EQ(run_myoscope("phantom -o " + study.string() + " --seed 12 --dixon-voxel-mm 2.5").exit_code, 0);
  const fs::path out = dir.path() / "analysis";
  const auto analyzed = run_myoscope("analyze " + (study / "dicom").string() + " -o " + out.string() + " --labels " +
                                     (study / "truth" / "labels.nii.gz").string() + " --no-figures --no-dicom");
  ASSERT_EQ(analyzed.exit_code, 0) << analyzed.output;
  const fs::path evaluation = dir.path() / "evaluation.json";
  ASSERT_EQ(run_myoscope("evaluate " + out.string() + " " + study.string() + " --json " + evaluation.string()).exit_code, 0);
  const auto e = json::parse(myo::core::read_text_file(evaluation));
  EXPECT_DOUBLE_EQ(e.at("mean_dice").get<double>(), 1.0);

  const auto report = json::parse(myo::core::read_text_file(out / "report.json"));
  EXPECT_EQ(report.at("segmentation_source"), "user_labels");
  const double sigma = report.at("method").at("fat").at("noise_sigma").get<double>();
  ASSERT_EQ(run_myoscope("convert " + (study / "dicom").string() + " -o " + (dir.path() / "nifti").string()).exit_code, 0);
  fs::path water_file, fat_file;
  for (const auto& entry : fs::directory_iterator(dir.path() / "nifti")) {
    const auto name = entry.path().filename().string();
    if (name.find("_W.nii.gz") != std::string::npos) water_file = entry.path();
    if (name.find("_F.nii.gz") != std::string::npos) fat_file = entry.path();
  }
  ASSERT_FALSE(water_file.empty());
  ASSERT_FALSE(fat_file.empty());
  const auto water = myo::core::read_image(water_file);
  const auto fat = myo::core::read_image(fat_file);
  const auto labels = myo::core::read_labels(study / "truth" / "labels.nii.gz");
  ASSERT_TRUE(water.geometry.same_grid(labels.geometry, 0.01));
  std::map<int, std::pair<double, std::size_t>> independent;
  for (std::size_t i = 0; i < labels.voxels.size(); ++i) {
    if (!labels.voxels[i]) continue;
    const double w = std::sqrt(std::max(0.0, double(water.voxels[i]) * water.voxels[i] - 2 * sigma * sigma));
    const double f = std::sqrt(std::max(0.0, double(fat.voxels[i]) * fat.voxels[i] - 2 * sigma * sigma));
    auto& acc = independent[labels.voxels[i]];
    acc.first += (w + f) > 0 ? 100.0 * f / (w + f) : 0.0;
    ++acc.second;
  }
  std::size_t compared = 0;
  for (const auto& l : report.at("input_labels")) {
    const auto& acc = independent.at(l.at("value").get<int>());
    EXPECT_NEAR(l.at("fat_fraction_pct").get<double>(), acc.first / acc.second, 0.5) << l.dump();
    ++compared;
  }
  EXPECT_EQ(compared, 18U);

  // Follow-up against itself: no change may be flagged, and the documents carry the change section.
  const fs::path again = dir.path() / "again";
  const auto followed = run_myoscope("analyze " + (study / "dicom").string() + " -o " + again.string() + " --labels " +
                                     (study / "truth" / "labels.nii.gz").string() + " --no-figures --no-dicom --baseline " +
                                     out.string());
  ASSERT_EQ(followed.exit_code, 0) << followed.output;
  const auto comparison = json::parse(myo::core::read_text_file(again / "comparison.json"));
  ASSERT_EQ(comparison.at("groups").size(), 18U);
  for (const auto& g : comparison.at("groups")) EXPECT_TRUE(g.at("flags").empty()) << g.dump();
  EXPECT_NE(myo::core::read_text_file(again / "report.html").find("Change since the previous visit"), std::string::npos);
}
