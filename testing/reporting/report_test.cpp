#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"
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

// The automatic segmentation's single muscles of the sample's left hamstrings: one measured in full, one flagged
// without Dixon, STIR or a second view, so that every optional field is absent once.
reporting::Report with_single_muscles(reporting::Report r) {
  r.segmentation_method = "2D U-Net (test)";
  r.confidence_flag_below = 0.75;
  r.muscles[0].segmentation_confidence = 0.8125;
  r.single_muscles.push_back({"semitendinosus", "hamstrings", "left", 216, 7.5, 20.5, 4.25, 0.9, 0.95, 0.8, false});
  r.single_muscles.push_back(
      {"biceps_femoris_short_head", "hamstrings", "left", 215, 5.0, std::nullopt, std::nullopt, 0.6875, 0.6875,
       std::nullopt, true});
  return r;
}

// One line of a CSV without quoted commas (the study UID is quoted but has none), split into its fields.
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) rows.push_back(csv_fields(line));
  return rows;
}

bool have_jsonschema() {
  return std::system((std::string(MYO_PYTHON) + " -c 'import jsonschema' 2>/dev/null").c_str()) == 0;
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
  if (!have_jsonschema())
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

// The one reader gives back what the one writer wrote of each type the other tools read (study, input, series,
// muscles, single muscles, input labels, the confidence limit); a key spelled differently on either side fails here.
TEST(Report, RecordRoundTripsWhatOtherToolsRead) {
  myo::testing::TempDir dir;
  auto r = with_single_muscles(sample_report(true));
  r.study.patient_pseudonym = "hmac-sha256:0123456789ab";
  r.study.manufacturer = "SIEMENS";
  r.study.magnetic_field_strength_t = 3;
  r.input_path = "/studies/one";
  r.input_labels.push_back({7, "own label", "", "both", 3.25, 10.5, std::nullopt, std::nullopt});
  reporting::write_report_json(r, dir.path() / "report.json");
  const auto record = reporting::read_report(dir.path() / "report.json");
  EXPECT_EQ(record.study.study_instance_uid, "1.2.3.4");
  EXPECT_EQ(record.study.study_date, "20260101");
  EXPECT_EQ(record.study.patient_pseudonym, "hmac-sha256:0123456789ab");
  EXPECT_EQ(record.study.manufacturer, "SIEMENS");
  EXPECT_DOUBLE_EQ(record.study.magnetic_field_strength_t, 3.0);
  EXPECT_EQ(record.input_path, "/studies/one");
  EXPECT_EQ(record.protocol, "dixon");
  EXPECT_EQ(record.reference_series_uid, "1.2.3.4.5");
  ASSERT_EQ(record.series.size(), 1U);
  EXPECT_EQ(record.series[0].description, "t1_vibe_dixon_tra_W");
  EXPECT_EQ(record.series[0].series_number, 5);
  EXPECT_EQ(record.series[0].slice_count, 160U);
  EXPECT_EQ(record.series[0].used_as, "reference");
  EXPECT_TRUE(record.lists_muscles);
  ASSERT_EQ(record.muscles.size(), 1U);
  EXPECT_EQ(record.muscles[0].label, 19);
  EXPECT_DOUBLE_EQ(*record.muscles[0].edema_fraction_pct, 3.5);
  ASSERT_EQ(record.single_muscles.size(), 2U);
  EXPECT_EQ(record.single_muscles[1].name, "biceps_femoris_short_head");
  EXPECT_TRUE(record.single_muscles[1].flagged);
  EXPECT_DOUBLE_EQ(record.single_muscles[1].confidence, 0.6875);
  EXPECT_FALSE(record.single_muscles[1].fat_fraction_pct);
  ASSERT_EQ(record.input_labels.size(), 1U);
  EXPECT_EQ(record.input_labels[0].value, 7);
  EXPECT_EQ(record.input_labels[0].group, "");  // written as null: not a catalogue muscle
  EXPECT_DOUBLE_EQ(*record.input_labels[0].fat_fraction_pct, 10.5);
  EXPECT_DOUBLE_EQ(record.confidence_flag_below.value_or(0), 0.75);
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
  const auto rows = csv_rows(reporting::to_measurements_csv(report));
  ASSERT_EQ(rows.size(), 2U);
  ASSERT_EQ(rows[0].size(), rows[1].size());
  const auto column = std::find(rows[0].begin(), rows[0].end(), "water_t2_ms") - rows[0].begin();
  ASSERT_LT(column, static_cast<std::ptrdiff_t>(rows[0].size()));
  EXPECT_EQ(rows[1][column], "36.5000");
}

// Scripts read measurements.csv by position: the columns of earlier versions keep their places and new ones are
// appended (segmentation_confidence and muscle came with the muscle network, fat_fraction_interior_pct with one
// definition per fat figure, mercuri_modified_grade and level_from_reference_mm with honest names and levels).
TEST(Report, CsvKeepsTheOrderOfEarlierColumns) {
  const auto csv = reporting::to_measurements_csv(sample_report(true));
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "study_instance_uid,group,side,label,level,level_mm,volume_ml,cross_sectional_area_mm2,fat_fraction_pct,"
            "fat_fraction_median_pct,fat_fraction_p90_pct,fat_replaced_volume_ml,t1_fat_estimate_pct,"
            "edema_fraction_pct,edema_volume_ml,stir_ratio,edema_grade,mercuri_grade,water_t2_ms,"
            "segmentation_confidence,muscle,fat_fraction_interior_pct,mercuri_modified_grade,level_from_reference_mm");
}

// The CSV's mercuri_grade is the original scale, as report.json's (it held the modified grade); the modified grade
// has its own column in both.
TEST(Report, MercuriGradesAreNamedByScaleInCsvAndJson) {
  auto r = sample_report(true);
  r.muscles[0].mercuri_grade = 3;
  r.muscles[0].mercuri_modified_grade = "2b";
  const auto rows = csv_rows(reporting::to_measurements_csv(r));
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin());
  };
  EXPECT_EQ(rows[1].at(column("mercuri_grade")), "3");
  EXPECT_EQ(rows[1].at(column("mercuri_modified_grade")), "2b");
  const auto doc = nlohmann::json::parse(reporting::to_json_text(r));
  EXPECT_EQ(doc.at("muscles").at(0).at("mercuri_grade"), 3);
  EXPECT_EQ(doc.at("muscles").at(0).at("mercuri_modified_grade"), "2b");
}

// Slab rows could not be matched to the figures, which count millimetres from the crotch: report.json names the
// reference and its scanner position, and each level (JSON and CSV) is also given from it; without one, empty/null.
TEST(Report, SlabLevelsAreGivenFromTheCrotchAsInTheFigures) {
  auto r = sample_report(true);
  quantification::GroupProfile profile;
  profile.group = "hamstrings";
  profile.side = core::Side::left;
  profile.levels.push_back({});
  profile.levels.back().level_mm = -310.0;
  r.profiles.push_back(profile);
  r.level_reference_z_mm = -250.0;
  auto rows = csv_rows(reporting::to_measurements_csv(r));
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[2][4], "slab");
  EXPECT_EQ(rows[2].back(), "-60.0");
  auto doc = nlohmann::json::parse(reporting::to_json_text(r));
  EXPECT_DOUBLE_EQ(doc.at("level_reference").at("z_mm").get<double>(), -250.0);
  EXPECT_DOUBLE_EQ(doc.at("profiles").at(0).at("levels").at(0).at("level_from_reference_mm").get<double>(), -60.0);
  r.level_reference_z_mm.reset();
  rows = csv_rows(reporting::to_measurements_csv(r));
  EXPECT_EQ(rows[2].back(), "");
  doc = nlohmann::json::parse(reporting::to_json_text(r));
  EXPECT_TRUE(doc.at("level_reference").at("z_mm").is_null());
  EXPECT_TRUE(doc.at("profiles").at(0).at("levels").at(0).at("level_from_reference_mm").is_null());
}

// Group rows carry their confidence; each single muscle is a row of level "muscle" with its own label and name,
// its absent values empty.
TEST(Report, CsvHasAMuscleRowPerSingleMuscle) {
  const auto rows = csv_rows(reporting::to_measurements_csv(with_single_muscles(sample_report(true))));
  ASSERT_EQ(rows.size(), 4U);
  for (const auto& row : rows) ASSERT_EQ(row.size(), 24U);
  EXPECT_EQ(rows[1][4], "whole");
  EXPECT_EQ(rows[1][19], "0.8125");
  EXPECT_EQ(rows[1][20], "");
  const std::vector<std::string> semitendinosus{"\"1.2.3.4\"", "hamstrings", "left", "216", "muscle", "", "7.5000", "",
                                                "20.5000", "", "", "", "", "4.2500", "", "", "", "", "", "0.9000",
                                                "semitendinosus", "", "", ""};
  EXPECT_EQ(rows[2], semitendinosus);
  EXPECT_EQ(rows[3][3], "215");
  EXPECT_EQ(rows[3][8], "");   // no fat fraction without Dixon: empty, never 0
  EXPECT_EQ(rows[3][13], "");  // nor edema without STIR
  EXPECT_EQ(rows[3][19], "0.6875");
  EXPECT_EQ(rows[3][20], "biceps_femoris_short_head");
}

// report.json carries every single muscle with its catalogue display name and confidence; what was not measured
// is null, and the group carries the confidence of its muscles (null when there is none, as with user labels).
TEST(Report, JsonCarriesSingleMusclesWithNullsNeverInvented) {
  const auto doc = nlohmann::json::parse(reporting::to_json_text(with_single_muscles(sample_report(true))));
  EXPECT_DOUBLE_EQ(doc.at("muscles").at(0).at("segmentation_confidence").get<double>(), 0.8125);
  const auto& muscles = doc.at("single_muscles");
  ASSERT_EQ(muscles.size(), 2U);
  const auto& full = muscles.at(0);
  EXPECT_EQ(full.at("name"), "semitendinosus");
  EXPECT_EQ(full.at("display_name"), "Semitendinosus");
  EXPECT_EQ(full.at("group"), "hamstrings");
  EXPECT_EQ(full.at("side"), "left");
  EXPECT_EQ(full.at("label"), 216);
  EXPECT_DOUBLE_EQ(full.at("volume_ml").get<double>(), 7.5);
  EXPECT_DOUBLE_EQ(full.at("fat_fraction_pct").get<double>(), 20.5);
  EXPECT_DOUBLE_EQ(full.at("edema_fraction_pct").get<double>(), 4.25);
  EXPECT_DOUBLE_EQ(full.at("segmentation_confidence").get<double>(), 0.9);
  EXPECT_DOUBLE_EQ(full.at("mean_probability").get<double>(), 0.95);
  EXPECT_DOUBLE_EQ(full.at("view_agreement").get<double>(), 0.8);
  EXPECT_EQ(full.at("flagged"), false);
  const auto& flagged = muscles.at(1);
  EXPECT_EQ(flagged.at("display_name"), "Biceps femoris, short head");
  for (const char* key : {"fat_fraction_pct", "edema_fraction_pct", "view_agreement"})
    EXPECT_TRUE(flagged.at(key).is_null()) << key;
  EXPECT_EQ(flagged.at("flagged"), true);
  EXPECT_DOUBLE_EQ(doc.at("method").at("segmentation").at("confidence_flag_below").get<double>(), 0.75);

  auto user = sample_report(true);
  user.segmentation_source = "user_labels";
  const auto user_doc = nlohmann::json::parse(reporting::to_json_text(user));
  EXPECT_TRUE(user_doc.at("muscles").at(0).at("segmentation_confidence").is_null());
  EXPECT_EQ(user_doc.at("single_muscles"), nlohmann::json::array());
}

// The schema documents the single muscles: a report with them validates, and an invented muscle name does not.
TEST(Report, JsonWithSingleMusclesValidatesAgainstTheSchema) {
  if (!have_jsonschema()) GTEST_SKIP() << "python3-jsonschema is not installed (cmake/setup-debian.sh installs it)";
  myo::testing::TempDir dir;
  reporting::write_report_json(with_single_muscles(sample_report(true)), dir.path() / "report.json");
  EXPECT_EQ(validate_with_schema(dir.path() / "report.json"), 0);
  auto text = core::read_text_file(dir.path() / "report.json");
  text.replace(text.find("\"semitendinosus\""), 16, "\"semitendinosis\"");
  core::write_file_atomically(dir.path() / "bad.json", text);
  EXPECT_NE(validate_with_schema(dir.path() / "bad.json"), 0);
}

// data/report.example.json documents the contract: it must stay valid as the schema grows.
TEST(Report, ExampleValidatesAgainstTheSchema) {
  if (!have_jsonschema()) GTEST_SKIP() << "python3-jsonschema is not installed (cmake/setup-debian.sh installs it)";
  EXPECT_EQ(validate_with_schema(myo::testing::source_dir() / "data" / "report.example.json"), 0);
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
  if (!have_jsonschema())
    GTEST_SKIP() << "python3-jsonschema is not installed (cmake/setup-debian.sh installs it)";
  EXPECT_EQ(validate_with_schema(dir.path() / "report.json"), 0);
  // An unknown model name breaks the contract.
  auto bad = text;
  bad.replace(bad.find("multi_echo_biexponential_fixed_fat"), 34, "guessed_t2_without_any_model_at_al");
  core::write_file_atomically(dir.path() / "bad.json", bad);
  EXPECT_NE(validate_with_schema(dir.path() / "bad.json"), 0);
}

// The schema lists the catalogue's group and muscle names to check reports against; a catalogue change must reach it.
TEST(Report, SchemaNamesAreTheCataloguesNames) {
  const auto schema = nlohmann::json::parse(
      core::read_text_file(myo::testing::source_dir() / "data" / "report.schema.json"));
  std::vector<std::string> groups, muscles;
  for (const auto& g : core::MuscleCatalog::instance().groups()) groups.push_back(g.name);
  for (const auto& m : core::MuscleCatalog::instance().muscles()) muscles.push_back(m.name);
  EXPECT_EQ(schema.at("$defs").at("group_name").at("enum").get<std::vector<std::string>>(), groups);
  EXPECT_EQ(schema.at("$defs").at("muscle_name").at("enum").get<std::vector<std::string>>(), muscles);
}
