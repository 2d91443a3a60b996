#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/reporting/report.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;

namespace {

reporting::Report sample_report(bool dixon) {
  reporting::Report r;
  r.software_name = "MyoScope";
  r.software_version = "0.1.0";
  r.git_revision = "abc";
  r.created_utc = "2026-11-25T12:00:00Z";
  r.study.study_instance_uid = "1.2.3.4";
  r.study.study_date = "20260101";
  r.protocol = dixon ? "dixon" : "t1_stir";
  r.reference_series_uid = "1.2.3.4.5";
  r.series.push_back({"1.2.3.4.5", "", 5, "t1_vibe_dixon_tra_W", "dixon_water", "ImageType WATER", "axial", 160, "reference"});
  quantification::GroupMeasurement m;
  m.group = "hamstrings";
  m.side = core::Side::left;
  m.label = 19;
  m.voxel_count = 1000;
  m.volume_ml = 12.5;
  if (dixon) m.fat_fraction_pct = 22.25;
  m.edema_fraction_pct = 3.5;
  r.muscles.push_back(m);
  r.quantification_method.fat_method = dixon ? "dixon_pdff" : "t1_estimate";
  r.quantification_method.edema_method = "stir_reference_ratio";
  r.stage_seconds["segmentation"] = 1.5;
  r.stage_peak_rss_mib["segmentation"] = 612.5;
  return r;
}

int validate_with_schema(const std::filesystem::path& report) {
  const auto schema = myo::testing::source_dir() / "data" / "report.schema.json";
  const std::string command = std::string(MYO_PYTHON) +
                              " -c \"import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), "
                              "json.load(open(sys.argv[2])))\" '" + report.string() + "' '" + schema.string() + "'";
  return std::system(command.c_str());
}

}  // namespace

TEST(Report, JsonValidatesAgainstTheSchema) {
  if (std::system((std::string(MYO_PYTHON) + " -c 'import jsonschema' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "python3-jsonschema is not installed (cmake/setup-debian.sh installs it)";
  myo::testing::TempDir dir;
  for (const bool dixon : {true, false}) {
    reporting::write_report_json(sample_report(dixon), dir.path() / "report.json");
    EXPECT_EQ(validate_with_schema(dir.path() / "report.json"), 0);
  }
  // The schema must reject what breaks the contract: an invented side.
  auto text = core::read_text_file(dir.path() / "report.json");
  text.replace(text.find("\"left\""), 6, "\"west\"");
  core::write_file_atomically(dir.path() / "bad.json", text);
  EXPECT_NE(validate_with_schema(dir.path() / "bad.json"), 0);
}

TEST(Report, FatFractionIsNullWithoutDixon) {
  const auto text = reporting::to_json_text(sample_report(false));
  EXPECT_NE(text.find("\"fat_fraction_pct\": null"), std::string::npos);
}

TEST(Report, RoundTripsTheMuscles) {
  myo::testing::TempDir dir;
  reporting::write_report_json(sample_report(true), dir.path() / "report.json");
  const auto muscles = reporting::read_report_muscles(dir.path() / "report.json");
  ASSERT_EQ(muscles.size(), 1U);
  EXPECT_EQ(muscles[0].group, "hamstrings");
  EXPECT_EQ(muscles[0].side, "left");
  EXPECT_DOUBLE_EQ(*muscles[0].fat_fraction_pct, 22.25);
}

TEST(Report, CsvHasOneRowPerGroupAndSide) {
  const auto csv = reporting::to_measurements_csv(sample_report(true));
  EXPECT_EQ(csv.rfind("study_instance_uid,group,side,label,level,level_mm,volume_ml,cross_sectional_area_mm2,fat_fraction_pct", 0), 0U);
  EXPECT_NE(csv.find("\"1.2.3.4\",hamstrings,left,19,whole,,12.5000,,22.2500"), std::string::npos) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 2);
}

TEST(Report, CsvCarriesWaterT2WhenFitted) {
  auto report = sample_report(true);
  report.muscles[0].water_t2_ms = 36.5;
  const auto csv = reporting::to_measurements_csv(report);
  const auto header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header.substr(header.rfind(',') + 1), "water_t2_ms");
  const auto row = csv.substr(csv.find('\n') + 1);
  EXPECT_EQ(row.substr(row.rfind(',') + 1), "36.5000\n") << csv;
}

TEST(Report, MalformedReportNamesTheFile) {
  myo::testing::TempDir dir;
  core::write_file_atomically(dir.path() / "report.json", "{\"muscles\": [{\"group\": 3}]}");
  try {
    (void)reporting::read_report_muscles(dir.path() / "report.json");
    FAIL();
  } catch (const core::MyoError& e) {
    EXPECT_NE(std::string(e.what()).find("report.json"), std::string::npos);
  }
}

// Found by testing/fuzz/fuzz_report_reader: a label of 1e99 reached get<int>() (float-to-int overflow, undefined
// behaviour under UBSan); it is now a malformed entry naming the file.
TEST(Report, NonIntegerLabelIsMalformedNotUndefined) {
  myo::testing::TempDir dir;
  core::write_file_atomically(dir.path() / "report.json",
                              R"({"muscles": [{"group": "quadriceps", "side": "left", "label": 1e99, "volume_ml": 1}]})");
  EXPECT_THROW(static_cast<void>(reporting::read_report_muscles(dir.path() / "report.json")), core::MyoError);
}

// A water T2 fitted from a multi-echo series: the group value and the method (model, fat handling, echoes, first
// echo dropped) reach report.json within the schema, and read back.
TEST(Report, WaterT2FromAMultiEchoSeriesIsReportedWithItsMethod) {
  auto r = sample_report(true);
  r.muscles[0].water_t2_ms = 36.5;
  r.series.push_back({"1.2.3.4.8", "ORIGINAL\\PRIMARY\\M\\ND|TE=20", 8, "t2_se_mc_tra", "t2_multi_echo",
                      "multi-echo spin echo", "axial", 76, "water_t2"});
  quantification::WaterT2Method method;
  method.name = "multi_echo_biexponential_fixed_fat";
  method.series = "t2_se_mc_tra";
  method.echo_times_ms = {10, 20, 30, 40};
  method.echo_times_used_ms = {20, 30, 40};
  method.fat_handling = "bi-exponential";
  method.noise_sigma = 10.2;
  method.fitted_voxels = 900;
  method.candidate_voxels = 1000;
  r.water_t2_fit = method;
  r.quantification_method.water_t2_method = method.name;
  const auto text = reporting::to_json_text(r);
  EXPECT_NE(text.find("\"first_echo_dropped\": true"), std::string::npos) << text;
  EXPECT_NE(text.find("\"water_t2_ms\": 36.5"), std::string::npos);
  EXPECT_NE(text.find("\"name\": \"multi_echo_biexponential_fixed_fat\""), std::string::npos);
  myo::testing::TempDir dir;
  reporting::write_report_json(r, dir.path() / "report.json");
  const auto muscles = reporting::read_report_muscles(dir.path() / "report.json");
  ASSERT_EQ(muscles.size(), 1U);
  EXPECT_DOUBLE_EQ(*muscles[0].water_t2_ms, 36.5);
  if (std::system((std::string(MYO_PYTHON) + " -c 'import jsonschema' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "python3-jsonschema is not installed (cmake/setup-debian.sh installs it)";
  EXPECT_EQ(validate_with_schema(dir.path() / "report.json"), 0);
  // An unknown model name breaks the contract.
  auto bad = text;
  bad.replace(bad.find("multi_echo_biexponential_fixed_fat"), 34, "guessed_t2_without_any_model_at_al");
  core::write_file_atomically(dir.path() / "bad.json", bad);
  EXPECT_NE(validate_with_schema(dir.path() / "bad.json"), 0);
}
