// Quantification on generated studies with known answers and perfect labels (the truth's own label map), so that
// only quantification is judged: a Dixon water/fat swap, the scanner's fat-fraction map, coil bias on STIR.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "myo/testing/run_myoscope.hpp"
#include "myo/core/files.hpp"
#include "myo/testing/test_support.hpp"

using myo::testing::run_myoscope;
namespace fs = std::filesystem;
using nlohmann::json;

TEST(QuantificationEndToEnd, SwappedDixonRegionIsCorrectedAndTheScannerMapDisagreesThere) {
  myo::testing::TempDir dir;
  const fs::path study = dir.path() / "study";
  const fs::path out = dir.path() / "analysis";
  const auto generated = run_myoscope("phantom -o " + study.string() +
                                      " --vendor philips --scenario imnm --seed 41 --swap-region --scanner-ff "
                                      "--dixon-voxel-mm 2.5 --clinical-pixel-mm 2.5");
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  const auto analysed = run_myoscope("analyze " + (study / "dicom").string() + " -o " + out.string() + " --labels " +
                                     (study / "truth" / "labels.nii.gz").string() +
                                     " --no-figures --no-dicom --no-report-documents -q");
  ASSERT_EQ(analysed.exit_code, 0) << analysed.output;
  const auto evaluated =
      run_myoscope("evaluate " + out.string() + " " + study.string() + " --json " + (dir.path() / "e.json").string());
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.output;

  const auto report = json::parse(myo::core::read_text_file(out / "report.json"));
  const auto& fat = report.at("method").at("fat");
  ASSERT_EQ(fat.at("swap_regions").size(), 1U) << fat.dump();
  EXPECT_EQ(fat.at("swap_regions")[0].at("side"), "right");
  EXPECT_EQ(fat.at("scanner_ff_map"), "cross_check");
  EXPECT_EQ(report.at("method").at("edema").at("bias_correction"), "n4");
  bool disagreement_reported = false;
  for (const auto& w : report.at("warnings"))
    if (w.get<std::string>().find("quadriceps right") != std::string::npos) disagreement_reported = true;
  EXPECT_TRUE(disagreement_reported) << report.at("warnings").dump();

  // The accuracy targets, per group and side: FF within 1.5 points on average, edema within 5.
  const auto evaluation = json::parse(myo::core::read_text_file(dir.path() / "e.json"));
  EXPECT_LE(evaluation.at("fat_fraction_mae_pct").get<double>(), 1.5);
  EXPECT_LE(evaluation.at("edema_fraction_mae_pct").get<double>(), 5.0);
  for (const auto& g : evaluation.at("groups")) {
    if (g.at("group") == "quadriceps" && g.at("side") == "right") {
      EXPECT_LT(std::abs(g.at("fat_fraction_error_pct").get<double>()), 3.0) << "the swapped muscle";
    }
  }
}
