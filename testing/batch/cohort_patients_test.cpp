// The cohort's patients and visits (cohort.sqlite tables `patients`, `visits`; cohort.csv columns `patient_key`,
// `visit_number`): done studies grouped by the pseudonym their analysis recorded and numbered by study date. The review
// list (review.csv and the `review` table) of low-confidence muscles, for batch and for the DICOM node (`serve`).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <optional>

#include "myo/core/files.hpp"
#include "myo/pipeline/batch.hpp"
#include "myo/pipeline/serve.hpp"
#include "myo/testing/test_support.hpp"

namespace {
namespace fs = std::filesystem;

// An analysis folder's report.json and one measurements.csv row; FLAGGED_CONFIDENCE: one single muscle the
// segmentation flagged with that confidence (below the limit 0.6), beside one it did not flag.
void analysis(const fs::path& folder, const std::string& uid, const std::string& date, const std::string& pseudonym,
              std::optional<double> flagged_confidence = std::nullopt) {
  fs::create_directories(folder);
  nlohmann::json study{{"study_instance_uid", uid}, {"study_date", date}};
  if (!pseudonym.empty()) study["patient_pseudonym"] = pseudonym;
  nlohmann::json report{{"study", study}, {"muscles", nlohmann::json::array()}};
  if (flagged_confidence) {
    report["method"]["segmentation"]["confidence_flag_below"] = 0.6;
    report["single_muscles"] = {
        {{"name", "adductor_longus"}, {"group", "adductors"}, {"side", "left"},
         {"segmentation_confidence", *flagged_confidence}, {"flagged", true}},
        {{"name", "gracilis"}, {"group", "gracilis"}, {"side", "left"}, {"segmentation_confidence", 0.9},
         {"flagged", false}}};
  }
  std::ofstream(folder / "report.json") << report.dump();
  std::ofstream(folder / "measurements.csv") << "study_instance_uid,group,side,level,volume_ml\n"
                                             << uid << ",adductors,right,whole,400\n";
}

// A finished study in a batch output: its manifest and analysis.
void done_study(const fs::path& batch, const std::string& uid, const std::string& date, const std::string& pseudonym,
                std::optional<double> flagged_confidence = std::nullopt) {
  const auto folder = batch / "studies" / ("s" + uid);
  analysis(folder, uid, date, pseudonym, flagged_confidence);
  std::ofstream(folder / "batch.json") << nlohmann::json{{"study_instance_uid", uid}, {"key", "s" + uid},
                                                         {"status", "done"}, {"finished_utc", "2026-12-01T00:00:00Z"}}
                                              .dump();
}

// A study the DICOM node handled: OUT/<key>/serve.json with STATUS (analysed, failed, incomplete), and its analysis.
void served_study(const fs::path& out, const std::string& uid, const std::string& status, const std::string& date,
                  std::optional<double> flagged_confidence = std::nullopt) {
  const auto folder = out / uid;
  if (status == "analysed") analysis(folder, uid, date, "hmac-sha256:bbbb", flagged_confidence);
  fs::create_directories(folder);
  std::ofstream(folder / "serve.json") << nlohmann::json{{"study_instance_uid", uid}, {"key", uid}, {"status", status},
                                                         {"exit_code", status == "failed" ? 3 : 0}}
                                              .dump();
}

std::string query_text(const fs::path& db_file, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string value;
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(st, 0);
    value += (value.empty() ? "" : "|") + std::string(text ? reinterpret_cast<const char*>(text) : "NULL");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

TEST(CohortPatients, VisitsAreGroupedByPseudonymAndNumberedByDate) {
  myo::testing::TempDir dir;
  const auto batch = dir.path() / "batch";
  done_study(batch, "1.3", "20261001", "hmac-sha256:aaaa");
  done_study(batch, "1.1", "20260101", "hmac-sha256:aaaa");
  done_study(batch, "1.2", "20260501", "hmac-sha256:aaaa");
  done_study(batch, "1.9", "20250101", "");  // no pseudonym: a patient of its own
  const auto merged = dir.path() / "merged";
  (void)myo::pipeline::merge_batches({batch}, merged);
  const auto db = merged / "cohort.sqlite";
  EXPECT_EQ(query_text(db, "SELECT visit_number FROM visits WHERE patient_key = 'hmac-sha256:aaaa' ORDER BY study_uid"),
            "1|2|3");
  EXPECT_EQ(query_text(db, "SELECT visit_count || ',' || first_study_date || ',' || last_study_date FROM patients "
                           "WHERE patient_key = 'hmac-sha256:aaaa'"),
            "3,20260101,20261001");
  EXPECT_EQ(query_text(db, "SELECT round(months_from_first) FROM visits WHERE study_uid = '1.3'"), "9.0");
  EXPECT_EQ(query_text(db, "SELECT patient_key FROM visits WHERE study_uid = '1.9'"), "study:1.9");
  EXPECT_EQ(query_text(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "3");
  const auto csv = myo::core::read_text_file(merged / "cohort.csv");
  EXPECT_NE(csv.find(",patient_key,visit_number\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("hmac-sha256:aaaa,3\n"), std::string::npos) << csv;
}

// Batch: the flagged muscle is listed in review.csv and the review table, with the study's folder; a study without a
// flag is not.
TEST(CohortReview, BatchListsFlaggedMusclesInTheCsvAndTheDatabase) {
  myo::testing::TempDir dir;
  const auto batch = dir.path() / "batch";
  done_study(batch, "1.1", "20260101", "hmac-sha256:aaaa", 0.42);
  done_study(batch, "1.2", "20260501", "hmac-sha256:aaaa");
  myo::pipeline::update_cohort(batch);
  const auto csv = myo::core::read_text_file(batch / "review.csv");
  EXPECT_EQ(csv,
            "study_instance_uid,study_key,study_date,muscle,group,side,segmentation_confidence,confidence_flag_below,"
            "analysis\n1.1,s1.1,20260101,adductor_longus,adductors,left,0.42,0.6,studies/s1.1\n");
  EXPECT_EQ(query_text(batch / "cohort.sqlite", "SELECT study_uid || ',' || muscle || ',' || side || ',' || "
                                                "group_name || ',' || segmentation_confidence || ',' || analysis "
                                                "FROM review"),
            "1.1,adductor_longus,left,adductors,0.42,studies/s1.1");
}

// The DICOM node: analysed studies are the cohort's visits, a failed one is a failed study without a visit, an
// incomplete one is absent; the flagged muscle of an analysed study is on the review list.
TEST(CohortReview, ServeFillsPatientsVisitsAndTheReviewList) {
  myo::testing::TempDir dir;
  const auto out = dir.path() / "out";
  served_study(out, "2.1", "analysed", "20260101", 0.35);
  served_study(out, "2.2", "analysed", "20260701");
  served_study(out, "2.3", "failed", "");
  served_study(out, "2.4", "incomplete", "");
  fs::create_directories(out / "logs");
  myo::pipeline::update_serve_cohort(out);
  const auto db = out / "cohort.sqlite";
  EXPECT_EQ(query_text(db, "SELECT study_uid || ':' || status FROM studies ORDER BY study_uid"),
            "2.1:done|2.2:done|2.3:failed");
  EXPECT_EQ(query_text(db, "SELECT study_uid || ':' || visit_number FROM visits ORDER BY study_uid"), "2.1:1|2.2:2");
  EXPECT_EQ(query_text(db, "SELECT visit_count FROM patients WHERE patient_key = 'hmac-sha256:bbbb'"), "2");
  EXPECT_EQ(query_text(db, "SELECT study_uid || ',' || muscle || ',' || analysis FROM review"),
            "2.1,adductor_longus,2.1");
  const auto review = myo::core::read_text_file(out / "review.csv");
  EXPECT_NE(review.find("\n2.1,2.1,20260101,adductor_longus,adductors,left,0.35,0.6,2.1\n"), std::string::npos)
      << review;
  EXPECT_EQ(std::count(review.begin(), review.end(), '\n'), 2) << review;
  // The database lists the node's analyses for `timeline`.
  const auto folders = myo::pipeline::cohort_analysis_folders(db);
  ASSERT_EQ(folders.size(), 2U);
  EXPECT_EQ(folders[0].filename(), "2.1");
  EXPECT_TRUE(fs::exists(folders[1] / "report.json"));
}

}  // namespace
