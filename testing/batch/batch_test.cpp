// The batch runner end to end, through the real executable: two generated studies plus a broken one.
#include "myo/pipeline/batch.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "myo/core/files.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/testing/run_myoscope.hpp"
#include "myo/testing/processes.hpp"

namespace fs = std::filesystem;

namespace {

using myo::testing::run_myoscope;

std::vector<std::string> lines(const fs::path& file) {
  std::istringstream in(myo::core::read_text_file(file));
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

long long query_int(const fs::path& db_file, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  long long value = -1;
  if (st && sqlite3_step(st) == SQLITE_ROW) value = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

class BatchRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = "/tmp/batch-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    root_ = dir_ / "root";
    // Two small studies (3 mm Dixon voxels keep them fast).
    for (int seed : {11, 12}) {
      const auto r = run_myoscope(std::string("phantom -q --seed ") + std::to_string(seed) + " --dixon-voxel-mm 3 -o " +
                         (root_ / ("study" + std::to_string(seed))).string());
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    // A study with no usable series: only the STIR of a third phantom (no Dixon, no T1: nothing to segment).
    const fs::path third = dir_ / "third";
    const auto r = run_myoscope("phantom -q --seed 13 --dixon-voxel-mm 3 -o " + third.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto scan = myo::dicom::scan(third / "dicom");
    ASSERT_EQ(scan.studies.size(), 1u);
    broken_uid_ = scan.studies.front().study_instance_uid;
    int copied = 0;
    for (const auto& s : scan.studies.front().series) {
      if (s.role != myo::dicom::SeriesRole::stir) continue;
      for (const auto& f : s.files) {
        fs::create_directories(root_ / "broken");
        fs::copy_file(f, root_ / "broken" / ("stir" + std::to_string(copied++) + ".dcm"));
      }
    }
    ASSERT_GT(copied, 0);
    // And a truncated file: looks like DICOM (preamble + "DICM") but ends inside the header.
    const auto any = scan.studies.front().series.front().files.front();
    const auto bytes = myo::core::read_text_file(any);
    std::ofstream(root_ / "broken" / "truncated.dcm", std::ios::binary).write(bytes.data(), 300);
    for (const auto& s : myo::dicom::scan(root_).studies)
      if (s.study_instance_uid != broken_uid_) good_uids_.insert(s.study_instance_uid);
    ASSERT_EQ(good_uids_.size(), 2u);
  }
  static void TearDownTestSuite() {
    if (!getenv("MYO_KEEP_TEST_OUTPUT")) fs::remove_all(dir_);
  }
  static inline fs::path dir_;
  static inline fs::path root_;
  static inline std::string broken_uid_;
  static inline std::set<std::string> good_uids_;
};

// Issue "Batch processing": one failing study never stops the batch; exit 4; error recorded with its UID;
// a rerun skips what is done; the cohort has both studies and the database no duplicates.
TEST_F(BatchRun, FailingStudyIsRecordedRerunSkipsCohortHasNoDuplicates) {
  const fs::path out = dir_ / "out";
  const auto first = run_myoscope("batch " + root_.string() + " -o " + out.string() + " --jobs 2 --no-figures --no-progress");
  EXPECT_EQ(first.exit_code, 4) << first.output;
  for (const auto& uid : good_uids_) {
    const fs::path folder = out / "studies" / myo::pipeline::study_key(uid);
    EXPECT_TRUE(fs::exists(folder / "report.json")) << first.output;
    EXPECT_NE(myo::core::read_text_file(folder / "batch.json").find("\"done\""), std::string::npos);
  }
  const auto errors = myo::core::read_text_file(out / "errors.csv");
  EXPECT_NE(errors.find(broken_uid_), std::string::npos) << errors;
  EXPECT_NE(errors.find("truncated.dcm"), std::string::npos) << errors;

  // cohort.csv: study x group x side rows for both studies.
  std::map<std::string, int> rows_per_study;
  const auto cohort = lines(out / "cohort.csv");
  ASSERT_GT(cohort.size(), 1u);
  for (std::size_t i = 1; i < cohort.size(); ++i) ++rows_per_study[cohort[i].substr(0, cohort[i].find(','))];
  EXPECT_EQ(rows_per_study.size(), 2u);
  for (const auto& uid : good_uids_) EXPECT_GE(rows_per_study[uid], 10) << uid;

  const fs::path db = out / "cohort.sqlite";
  const auto measurements = query_int(db, "SELECT COUNT(*) FROM measurements");
  EXPECT_GT(measurements, 20);
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM studies WHERE status = 'done'"), 2);
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM studies WHERE status = 'failed' AND study_uid = '" + broken_uid_ + "'"),
            1);
  EXPECT_GT(query_int(db, "SELECT COUNT(*) FROM series"), 4);
  const auto manifest_before =
      myo::core::read_text_file(out / "studies" / myo::pipeline::study_key(*good_uids_.begin()) / "batch.json");

  const auto second = run_myoscope("batch " + root_.string() + " -o " + out.string() + " --jobs 2 --no-figures --no-progress");
  EXPECT_EQ(second.exit_code, 4) << second.output;
  EXPECT_NE(second.output.find("2 already done"), std::string::npos) << second.output;
  EXPECT_EQ(myo::core::read_text_file(out / "studies" / myo::pipeline::study_key(*good_uids_.begin()) / "batch.json"),
            manifest_before);
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM measurements"), measurements);
  EXPECT_EQ(query_int(db,
                      "SELECT COUNT(*) FROM (SELECT 1 FROM measurements GROUP BY study_uid, group_name, side, "
                      "level HAVING COUNT(*) > 1)"),
            0);
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM studies"), 3);
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM runs"), 2);
  EXPECT_EQ(query_int(db, "SELECT SUM(skipped) FROM runs"), 2);

  // Other parameters are another analysis: the studies are redone.
  const auto third =
      run_myoscope("batch " + root_.string() + " -o " + out.string() + " --jobs 2 --no-figures --no-dicom --no-progress");
  EXPECT_EQ(third.exit_code, 4) << third.output;
  EXPECT_NE(third.output.find("0 already done"), std::string::npos) << third.output;
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM measurements"), measurements);
}

// Two shards cover the cohort without overlap; batch-merge gives the same cohort as one run.
TEST_F(BatchRun, ShardsAreDisjointAndMergeCoversAll) {
  std::set<std::string> seen;
  std::vector<std::string> outs;
  for (int i = 0; i < 2; ++i) {
    const fs::path out = dir_ / ("shard" + std::to_string(i));
    outs.push_back(out.string());
    const auto r = run_myoscope("batch " + root_.string() + " -o " + out.string() + " --shard " + std::to_string(i) +
                       "/2 --jobs 2 --no-figures --no-dicom --no-progress");
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 4) << r.output;
    for (const auto& e : fs::directory_iterator(out / "studies")) {
      const auto m = myo::core::read_text_file(e.path() / "batch.json");
      if (m.find("\"done\"") == std::string::npos) continue;
      EXPECT_TRUE(seen.insert(e.path().filename().string()).second) << "in two shards: " << e.path();
    }
  }
  EXPECT_EQ(seen.size(), 2u);
  const fs::path merged = dir_ / "merged";
  const auto m = run_myoscope("batch-merge " + outs[0] + " " + outs[1] + " -o " + merged.string());
  EXPECT_EQ(m.exit_code, 4) << m.output;  // the broken study stays failed
  const auto db = merged / "cohort.sqlite";
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM studies WHERE status = 'done'"), 2);
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM runs"), 2);
  const auto count = query_int(db, "SELECT COUNT(*) FROM measurements");
  const auto again = run_myoscope("batch-merge " + outs[0] + " " + outs[1] + " -o " + merged.string());
  EXPECT_EQ(again.exit_code, 4) << again.output;
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM measurements"), count);
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM runs"), 2);
  EXPECT_NE(myo::core::read_text_file(merged / "errors.csv").find(broken_uid_), std::string::npos);
}

// SIGTERM (Slurm's time limit, kill) stops a batch cleanly: the running worker is stopped, nothing it did is marked
// done, the cohort of what finished is written, and the next run completes the rest.
TEST_F(BatchRun, StopsOnSigtermAndResumes) {
  const fs::path out = dir_ / "stopped";
  myo::testing::Background batch(
      {MYOSCOPE_EXE, "batch", root_.string(), "-o", out.string(), "--jobs", "1", "--no-figures", "--no-progress"},
      dir_ / "stopped.log");
  // Wait (bounded) until a worker is running (its input links exist), then stop the batch.
  const auto worker_started = [&]() {
    std::error_code ec;
    return fs::is_directory(out / "work", ec) && !fs::is_empty(out / "work", ec);
  };
  for (int i = 0; i < 600 && !worker_started(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(worker_started()) << myo::core::read_text_file(dir_ / "stopped.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int code = batch.stop();
  const auto log = myo::core::read_text_file(dir_ / "stopped.log");
  EXPECT_EQ(code, 4) << log;
  EXPECT_NE(log.find("stopping: 1 running"), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(out / "cohort.sqlite")) << log;
  std::size_t done = 0;
  for (const auto& e : fs::directory_iterator(out / "studies"))
    if (fs::exists(e.path() / "batch.json") &&
        myo::core::read_text_file(e.path() / "batch.json").find("\"done\"") != std::string::npos)
      ++done;
  EXPECT_LT(done, 2u) << "a stopped batch cannot have finished everything";

  const auto rerun = run_myoscope("batch " + root_.string() + " -o " + out.string() + " --jobs 2 --no-figures --no-progress");
  EXPECT_EQ(rerun.exit_code, 4) << rerun.output;  // the broken study
  for (const auto& uid : good_uids_)
    EXPECT_TRUE(fs::exists(out / "studies" / myo::pipeline::study_key(uid) / "report.json")) << rerun.output;
  EXPECT_EQ(query_int(out / "cohort.sqlite", "SELECT COUNT(*) FROM studies WHERE status = 'done'"), 2);
}

// Regression: workers were started by the path /proc/self/exe resolves to; once the executable file had been
// replaced (a rebuild or a package upgrade during a long batch) that path ended in " (deleted)" and every study still
// to start failed with "cannot start worker process". Workers now exec /proc/self/exe itself.
TEST_F(BatchRun, WorkersStartAfterTheExecutableFileWasReplaced) {
  const fs::path copy = dir_ / "myoscope-copy";
  fs::copy_file(MYOSCOPE_EXE, copy, fs::copy_options::overwrite_existing);
  const fs::path out = dir_ / "replaced";
  myo::testing::Background batch(
      {copy.string(), "batch", root_.string(), "-o", out.string(), "--jobs", "1", "--no-figures", "--no-progress"},
      dir_ / "replaced.log");
  const auto worker_started = [&]() {
    std::error_code ec;
    return fs::is_directory(out / "work", ec) && !fs::is_empty(out / "work", ec);
  };
  for (int i = 0; i < 600 && !worker_started(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(worker_started()) << myo::core::read_text_file(dir_ / "replaced.log");
  fs::remove(copy);  // the next workers start after this
  int code = -1;
  for (int i = 0; i < 1200 && !batch.finished(code); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto log = myo::core::read_text_file(dir_ / "replaced.log");
  EXPECT_EQ(code, 4) << log;  // the broken study only
  EXPECT_EQ(log.find("cannot start worker"), std::string::npos) << log;
  for (const auto& uid : good_uids_)
    EXPECT_TRUE(fs::exists(out / "studies" / myo::pipeline::study_key(uid) / "report.json")) << log;
}

}  // namespace
