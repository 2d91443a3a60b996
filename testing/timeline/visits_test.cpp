// Visits from analysis folders: grouped by the patient pseudonym, ordered by study date, and found below a batch
// output; a folder without a pseudonym is a patient of its own; malformed reports name their file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/testing/test_support.hpp"
#include "myo/timeline/timeline.hpp"

namespace myo::timeline {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

// An analysis folder holding a report.json with what the timeline reads.
fs::path write_analysis(const fs::path& folder, const std::string& date, const std::string& pseudonym, double ff,
                        double edema) {
  fs::create_directories(folder);
  nlohmann::json study{{"study_date", date}, {"study_instance_uid", "2.25." + date}};
  if (!pseudonym.empty()) study["patient_pseudonym"] = pseudonym;
  const nlohmann::json doc{
      {"study", study},
      {"muscles",
       {{{"group", "adductors"}, {"side", "right"}, {"label", 1}, {"volume_ml", 400.0}, {"fat_fraction_pct", ff},
         {"edema_fraction_pct", edema}},
        {{"group", "adductors"}, {"side", "left"}, {"label", 2}, {"volume_ml", 410.0}, {"fat_fraction_pct", ff},
         {"edema_fraction_pct", nullptr}}}}};
  std::ofstream(folder / "report.json") << doc.dump();
  return folder;
}

std::string input_error(const std::function<void()>& run) {
  try {
    run();
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::input);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(Visits, GroupedByPseudonymAndOrderedByDate) {
  testing::TempDir dir;
  std::vector<Visit> visits;
  visits.push_back(read_visit(write_analysis(dir.path() / "a3", "20261001", "hmac-sha256:aaaa1111bbbb", 27, 12)));
  visits.push_back(read_visit(write_analysis(dir.path() / "b1", "20250101", "hmac-sha256:cccc2222dddd", 10, 5)));
  visits.push_back(read_visit(write_analysis(dir.path() / "a1", "20260101", "hmac-sha256:aaaa1111bbbb", 22, 40)));
  visits.push_back(read_visit(write_analysis(dir.path() / "a2", "20260401", "hmac-sha256:aaaa1111bbbb", 24, 25)));
  const auto patients = group_by_patient(visits);
  ASSERT_EQ(patients.size(), 2U);
  EXPECT_EQ(patients[0].key, "hmac-sha256:cccc2222dddd");  // first seen earliest
  ASSERT_EQ(patients[1].visits.size(), 3U);
  EXPECT_EQ(patients[1].visits[0].folder.filename(), "a1");
  EXPECT_EQ(patients[1].visits[1].folder.filename(), "a2");
  EXPECT_EQ(patients[1].visits[2].folder.filename(), "a3");
  EXPECT_EQ(patients[1].visits[2].study_date, (core::Date{2026, 10, 1}));
  EXPECT_FALSE(patients[1].visits[0].measures[1].edema_fraction_pct);
}

TEST(Visits, WithoutPseudonymEachFolderIsItsOwnPatient) {
  testing::TempDir dir;
  const auto patients = group_by_patient({read_visit(write_analysis(dir.path() / "x", "20260101", "", 20, 10)),
                                          read_visit(write_analysis(dir.path() / "y", "20260301", "", 21, 11))});
  ASSERT_EQ(patients.size(), 2U);
  EXPECT_THAT(patients[0].key, HasSubstr("folder:"));
  EXPECT_TRUE(patient_matches(patients[1], "y"));
  EXPECT_FALSE(patient_matches(patients[1], "x"));
}

TEST(Visits, KeysMatchPseudonymItsHexPrefixOrAFolderName) {
  testing::TempDir dir;
  const auto patients = group_by_patient({read_visit(write_analysis(dir.path() / "v1", "20260101", "hmac-sha256:0123456789ab", 1, 1))});
  EXPECT_TRUE(patient_matches(patients[0], "hmac-sha256:0123456789ab"));
  EXPECT_TRUE(patient_matches(patients[0], "01234567"));
  EXPECT_TRUE(patient_matches(patients[0], "hmac-sha256:01234567"));
  EXPECT_FALSE(patient_matches(patients[0], "hmac-sha256:0123"));
  EXPECT_FALSE(patient_matches(patients[0], "0123"));  // too short to be a key
  EXPECT_TRUE(patient_matches(patients[0], "v1"));
}

TEST(Visits, BatchOutputsAreSearchedForAnalyses) {
  testing::TempDir dir;
  write_analysis(dir.path() / "batch" / "studies" / "s2", "20260301", "hmac-sha256:aaaa", 1, 1);
  write_analysis(dir.path() / "batch" / "studies" / "s1", "20260101", "hmac-sha256:aaaa", 1, 1);
  fs::create_directories(dir.path() / "batch" / "logs");
  const auto folders = find_analysis_folders({dir.path() / "batch"});
  ASSERT_EQ(folders.size(), 2U);
  EXPECT_EQ(folders[0].filename(), "s1");
  fs::create_directories(dir.path() / "empty");
  EXPECT_THAT(input_error([&] { (void)find_analysis_folders({dir.path() / "empty"}); }), HasSubstr("holds no analysis"));
  EXPECT_THAT(input_error([&] { (void)find_analysis_folders({dir.path() / "missing"}); }), HasSubstr("not a folder"));
}

TEST(Visits, MalformedReportsNameTheirFile) {
  testing::TempDir dir;
  const auto bad_date = write_analysis(dir.path() / "d", "2026-01-01", "", 1, 1);
  EXPECT_THAT(input_error([&] { (void)read_visit(bad_date); }), HasSubstr("d/report.json: study.study_date"));
  fs::create_directories(dir.path() / "j");
  std::ofstream(dir.path() / "j" / "report.json") << "{not json";
  EXPECT_THAT(input_error([&] { (void)read_visit(dir.path() / "j"); }), HasSubstr("j/report.json: not valid JSON"));
}

TEST(Timeline, ClinicalRowsJoinTheirPatientAndTheFilesAreWritten) {
  testing::TempDir dir;
  write_analysis(dir.path() / "v1", "20260101", "hmac-sha256:0123456789ab", 22, 40);
  write_analysis(dir.path() / "v2", "20261001", "hmac-sha256:0123456789ab", 27, 12);
  std::ofstream(dir.path() / "clinical.csv") << "patient,date,kind,value,drug,dose,note\n"
                                                "v1,2026-01-02,ck_u_per_l,8400,,,\n"
                                                "hmac-sha256:0123456789ab,2026-01-05,treatment_start,,prednisone,60 mg,\n"
                                                "someone-else,2026-01-05,ck_u_per_l,100,,,\n";
  TimelineRequest request;
  request.inputs = {dir.path() / "v2", dir.path() / "v1"};
  request.clinical_csv = dir.path() / "clinical.csv";
  const auto timeline = build_timeline(request);
  ASSERT_EQ(timeline.patients.size(), 1U);
  const auto& p = timeline.patients[0];
  EXPECT_EQ(p.events.size(), 2U);
  ASSERT_EQ(p.treatments.size(), 1U);
  EXPECT_THAT(p.sentences[0], HasSubstr("fell from 40 % to 12 % over 9 months"));
  write_timeline(timeline, dir.path() / "out");
  const auto html = core::read_text_file(dir.path() / "out" / "timeline-1.html");
  EXPECT_THAT(html, HasSubstr("CK 8400 U/L"));
  EXPECT_THAT(html, HasSubstr("prednisone"));
  EXPECT_THAT(html, HasSubstr("class=\"beyond\""));
  const auto csv = core::read_text_file(dir.path() / "out" / "timeline.csv");
  EXPECT_THAT(csv, HasSubstr("1,2,2026-10-01,9.0,adductors,right,edema_fraction_pct,12.00,-28.00,yes"));
  const auto json = nlohmann::json::parse(core::read_text_file(dir.path() / "out" / "timeline.json"));
  EXPECT_EQ(json["patients"][0]["visits"][0]["study_date"], "2026-01-01");
}

// The page: one chart per muscle group (both sides in it), the sentences, and without clinical data no CK chart.
TEST(Timeline, PageHasOneChartPerGroupAndNoClinicalChartWithoutData) {
  testing::TempDir dir;
  write_analysis(dir.path() / "v1", "20260101", "hmac-sha256:0123456789ab", 22, 40);
  write_analysis(dir.path() / "v2", "20260301", "hmac-sha256:0123456789ab", 22.5, 38);
  TimelineRequest request;
  request.inputs = {dir.path()};
  const auto timeline = build_timeline(request);
  ASSERT_EQ(timeline.patients.size(), 1U);
  const auto html = timeline_html(timeline.patients[0], timeline.limits);
  std::size_t figures = 0;
  for (auto at = html.find("<figure>"); at != std::string::npos; at = html.find("<figure>", at + 1)) ++figures;
  EXPECT_EQ(figures, 1U);  // adductors, right and left in one chart
  EXPECT_THAT(html, HasSubstr("No clinical data given"));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("Creatine kinase")));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("class=\"beyond\"")));  // 0.5 and 2 points: within the limits
  EXPECT_THAT(html, HasSubstr("No change in fat fraction or edema beyond the repeatability limits"));
}

TEST(Timeline, UnknownPatientKeyIsAUsageError) {
  testing::TempDir dir;
  write_analysis(dir.path() / "v1", "20260101", "hmac-sha256:0123456789ab", 22, 40);
  TimelineRequest request;
  request.inputs = {dir.path() / "v1"};
  request.patient = "nobody";
  try {
    (void)build_timeline(request);
    FAIL() << "no error";
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::usage);
  }
}

}  // namespace
}  // namespace myo::timeline
