// analyze_study called in-process on a small generated study: its stages run in order under the names report.json
// times them by, the domain thresholds are echoed into report.json's method, and the key numbers equal those of the
// executable run on the same study.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "myo/core/files.hpp"
#include "myo/pipeline/analyze.hpp"
#include "myo/testing/run_myoscope.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& path) { return json::parse(core::read_text_file(path)); }

// The numbers a reader takes from report.json for each group and side.
void expect_same_muscles(const json& in_process, const json& executable) {
  ASSERT_EQ(in_process.at("muscles").size(), executable.at("muscles").size());
  ASSERT_FALSE(in_process.at("muscles").empty());
  for (std::size_t i = 0; i < in_process["muscles"].size(); ++i) {
    const auto& a = in_process["muscles"][i];
    const auto& b = executable["muscles"][i];
    const std::string name = a.at("group").get<std::string>() + " " + a.at("side").get<std::string>();
    EXPECT_EQ(a.at("group"), b.at("group"));
    EXPECT_EQ(a.at("side"), b.at("side"));
    for (const char* key : {"volume_ml", "fat_fraction_pct", "edema_fraction_pct", "water_t2_ms", "mercuri_grade"}) {
      ASSERT_EQ(a.contains(key), b.contains(key)) << name << " " << key;
      if (!a.contains(key)) continue;
      ASSERT_EQ(a[key].is_null(), b[key].is_null()) << name << " " << key;
      if (a[key].is_null()) continue;
      EXPECT_NEAR(a[key].get<double>(), b[key].get<double>(), 1e-9) << name << " " << key;
    }
  }
}

}  // namespace

TEST(AnalyzeStages, InProcessRunMatchesTheExecutable) {
  myo::testing::TempDir dir;
  const fs::path study = dir.path() / "study";
  // A multi-echo series (water_t2 stage) and the scanner's fat-fraction map (the cross-check's thresholds).
  const auto generated =
      myo::testing::run_myoscope("phantom -o " + study.string() + " --seed 7 --t2-multi-echo --scanner-ff");
  ASSERT_EQ(generated.exit_code, 0) << generated.output;

  pipeline::AnalyzeOptions options;
  options.input = study / "dicom";
  options.output = dir.path() / "in_process";
  options.write_figures = false;  // figures need an X display; the rest of the outputs do not
  std::vector<std::string> stages;
  options.on_stage = [&stages](const pipeline::StageProgress& p) { stages.push_back(p.stage); };
  const auto outcome = pipeline::analyze_study(options);

  const std::vector<std::string> expected{"load",    "segmentation",     "quantification", "water_t2",
                                          "outputs", "report_documents", "dicom_results"};
  EXPECT_EQ(stages, expected);
  const auto report = read_json(outcome.report_path);
  for (const auto& stage : expected) EXPECT_TRUE(report["provenance"]["stage_seconds"].contains(stage)) << stage;
  EXPECT_TRUE(report["provenance"]["stage_seconds"].contains("scan"));
  // The domain thresholds of the stages, echoed from their parameter structs.
  EXPECT_EQ(report["method"]["fat"].value("scanner_ff_group_warn_points", -1.0), 5.0);
  EXPECT_EQ(report["method"]["fat"].value("scanner_ff_mean_warn_points", -1.0), 2.0);
  EXPECT_EQ(report["method"]["water_t2"].value("min_group_voxels", -1), 10);

  const fs::path by_executable = dir.path() / "executable";
  const auto analyzed = myo::testing::run_myoscope("analyze " + options.input.string() + " -o " +
                                                   by_executable.string() + " --no-figures");
  EXPECT_EQ(analyzed.exit_code, outcome.exit_code) << analyzed.output;
  const auto reference = read_json(by_executable / "report.json");
  expect_same_muscles(report, reference);
  EXPECT_EQ(report["warnings"], reference["warnings"]);
  EXPECT_EQ(report["channel_coverage"], reference["channel_coverage"]);
  EXPECT_EQ(report["pattern"], reference["pattern"]);
  EXPECT_EQ(report["method"]["water_t2"]["fitted_voxels"], reference["method"]["water_t2"]["fitted_voxels"]);
}
