// The cohort's patients and visits (cohort.sqlite tables `patients`, `visits`; cohort.csv columns `patient_key`,
// `visit_number`): done studies grouped by the pseudonym their analysis recorded and numbered by study date.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <fstream>

#include "myo/core/files.hpp"
#include "myo/pipeline/batch.hpp"
#include "myo/testing/test_support.hpp"

namespace {
namespace fs = std::filesystem;

// A finished study in a batch output: its manifest, report.json and one measurements.csv row.
void done_study(const fs::path& batch, const std::string& uid, const std::string& date, const std::string& pseudonym) {
  const auto folder = batch / "studies" / ("s" + uid);
  fs::create_directories(folder);
  std::ofstream(folder / "batch.json") << nlohmann::json{{"study_instance_uid", uid}, {"key", "s" + uid},
                                                         {"status", "done"}, {"finished_utc", "2026-12-01T00:00:00Z"}}
                                              .dump();
  nlohmann::json study{{"study_instance_uid", uid}, {"study_date", date}};
  if (!pseudonym.empty()) study["patient_pseudonym"] = pseudonym;
  std::ofstream(folder / "report.json") << nlohmann::json{{"study", study}, {"muscles", nlohmann::json::array()}}.dump();
  std::ofstream(folder / "measurements.csv") << "study_instance_uid,group,side,level,volume_ml\n"
                                             << uid << ",adductors,right,whole,400\n";
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
  EXPECT_EQ(query_text(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "2");
  const auto csv = myo::core::read_text_file(merged / "cohort.csv");
  EXPECT_NE(csv.find(",patient_key,visit_number\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("hmac-sha256:aaaa,3\n"), std::string::npos) << csv;
}

}  // namespace
