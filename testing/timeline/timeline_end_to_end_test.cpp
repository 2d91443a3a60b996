// A patient followed over a year and a half, end to end: four visits of one generated patient (phantom --visit N
// --months M: edema falling under treatment, fat fraction rising, repositioned on the table), each analysed, plus a
// clinical CSV -> myoscope timeline. Checks grouping (one patient), visit order by study date whatever the order given,
// the signs of the trends, the CK on the page, the PDF beside it and the tidy CSV.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "myo/core/files.hpp"
#include "myo/testing/run_myoscope.hpp"
#include "myo/testing/test_support.hpp"

namespace {
namespace fs = std::filesystem;
using myo::testing::run_myoscope;
using ::testing::HasSubstr;
using nlohmann::json;

struct VisitPlan {
  int visit;
  double months;
};
constexpr VisitPlan kVisits[] = {{1, 0}, {2, 4}, {3, 9}, {4, 15}};

// Generates and analyses one visit (coarse voxels and no figures or DICOM results, for speed); its analysis folder.
fs::path generate_and_analyse(const fs::path& root, const VisitPlan& plan) {
  const auto study = root / fmt::format("study{}", plan.visit);
  const auto analysis = root / fmt::format("visit{}", plan.visit);
  const auto made = run_myoscope(fmt::format("phantom -o {} --seed 23 --dixon-voxel-mm 3 --clinical-pixel-mm 2.6 "
                                             "--visit {} --months {} -q",
                                             study.string(), plan.visit, plan.months));
  EXPECT_EQ(made.exit_code, 0) << made.output;
  const auto analysed = run_myoscope("analyze " + (study / "dicom").string() + " -o " + analysis.string() +
                                     " --no-figures --no-dicom --no-report-documents --no-maps -q");
  EXPECT_EQ(analysed.exit_code, 0) << analysed.output;
  return analysis;
}

TEST(TimelineEndToEnd, FourVisitsAndClinicalData) {
  myo::testing::TempDir dir;
  std::vector<fs::path> folders;
  for (const auto& plan : kVisits) folders.push_back(generate_and_analyse(dir.path(), plan));
  std::ofstream(dir.path() / "clinical.csv") << "patient,date,kind,value,drug,dose,note\n"
                                                "visit1,2025-12-28,ck_u_per_l,8400,,,\n"
                                                "visit1,2025-12-28,antibody,anti-HMGCR positive,,,\n"
                                                "visit1,2026-01-05,treatment_start,,prednisone,1 mg/kg,\n"
                                                "visit1,2026-01-20,treatment_start,,ivig,2 g/kg monthly,\n"
                                                "visit2,2026-05-01,ck_u_per_l,2100,,,\n"
                                                "visit3,2026-10-01,ck_u_per_l,640,,,\n"
                                                "visit3,2026-10-01,treatment_stop,,prednisone,,tapered off\n";
  const auto out = dir.path() / "timeline";
  // Given out of order: the timeline orders by study date.
  const auto run = run_myoscope("timeline " + folders[2].string() + " " + folders[0].string() + " " +
                                folders[3].string() + " " + folders[1].string() + " -o " + out.string() +
                                " --clinical " + (dir.path() / "clinical.csv").string());
  ASSERT_EQ(run.exit_code, 0) << run.output;

  const auto doc = json::parse(myo::core::read_text_file(out / "timeline.json"));
  ASSERT_EQ(doc["patients"].size(), 1U) << "four visits of one PatientID are one patient";
  const auto& patient = doc["patients"][0];
  ASSERT_EQ(patient["visits"].size(), 4U);
  const std::vector<std::string> dates{"2026-01-01", "2026-05-03", "2026-10-02", "2027-04-03"};
  for (std::size_t v = 0; v < 4; ++v) {
    EXPECT_EQ(patient["visits"][v]["study_date"], dates[v]) << v;
    EXPECT_EQ(fs::path(patient["visits"][v]["analysis_folder"].get<std::string>()).filename(), folders[v].filename());
  }
  EXPECT_EQ(patient["clinical_events"].size(), 7U);

  // The involved groups: edema fell, fat fraction rose, both beyond the repeatability limits.
  int edema_fell = 0, fat_rose = 0, involved = 0;
  for (const auto& trend : patient["trends"]) {
    const auto& edema = trend["edema"]["overall"];
    const auto& fat = trend["fat_fraction"]["overall"];
    if (edema.is_null() || fat.is_null() || edema["before_pct"].get<double>() < 15) continue;
    ++involved;
    edema_fell += edema["change_points"].get<double>() < 0 && edema["beyond_limit"].get<bool>();
    fat_rose += fat["change_points"].get<double>() > 0;
    EXPECT_LT(edema["change_points"].get<double>(), 0) << trend["group"] << " " << trend["side"];
  }
  EXPECT_GE(involved, 6);
  EXPECT_EQ(edema_fell, involved);
  EXPECT_GE(fat_rose, involved - 1) << "fat fraction rises about 6 points over 15 months";

  const auto html = myo::core::read_text_file(out / "timeline-1.html");
  for (const char* text : {"CK 8400 U/L", "CK 2100 U/L", "CK 640 U/L", "prednisone", "ivig", "MRI 4", "fell from"})
    EXPECT_THAT(html, HasSubstr(text));
  EXPECT_EQ(myo::core::read_text_file(out / "timeline-1.pdf").substr(0, 5), "%PDF-");
  const auto csv = myo::core::read_text_file(out / "timeline.csv");
  EXPECT_THAT(csv, HasSubstr("1,4,2027-04-03,15.0,"));
}

}  // namespace
