// Pure tests of the batch runner's partitioning and naming (no studies analysed).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/pipeline/batch.hpp"
#include "myo/testing/test_support.hpp"

namespace {

using myo::pipeline::in_shard;
using myo::pipeline::Shard;

std::vector<std::string> synthetic_uids(int n) {
  std::vector<std::string> uids;
  for (int i = 0; i < n; ++i) uids.push_back("1.2.826.0.1.3680043.8.498." + std::to_string(1000 + i * 7));
  return uids;
}

// Slurm array tasks must split the cohort without gaps or overlaps, whatever N is.
TEST(BatchShard, PartitionsAreDisjointAndCoverAll) {
  const auto uids = synthetic_uids(500);
  for (unsigned n = 1; n <= 7; ++n) {
    std::vector<int> owners(uids.size(), 0);
    std::vector<std::size_t> sizes(n, 0);
    for (unsigned i = 0; i < n; ++i) {
      for (std::size_t u = 0; u < uids.size(); ++u) {
        if (in_shard(uids[u], Shard{i, n})) {
          ++owners[u];
          ++sizes[i];
        }
      }
    }
    for (std::size_t u = 0; u < uids.size(); ++u) EXPECT_EQ(owners[u], 1) << uids[u] << " with N=" << n;
    for (unsigned i = 0; i < n; ++i) EXPECT_GT(sizes[i], uids.size() / n / 2) << "shard " << i << "/" << n;
  }
}

// The partition must not depend on the machine, run or library version: pinned values of FNV-1a 64.
TEST(BatchShard, HashIsStable) {
  EXPECT_EQ(myo::pipeline::stable_hash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(myo::pipeline::stable_hash("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(BatchShard, ParsesAndRejects) {
  const auto s = myo::pipeline::parse_shard("2/5");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 5u);
  for (const char* bad : {"5/5", "1/0", "x/2", "1", "/2", "1/", "-1/2", "1/2/3", "99999999/100000000"})
    EXPECT_THROW((void)myo::pipeline::parse_shard(bad), myo::core::MyoError) << bad;
}

// Study folders are named from the UID; hostile values (DICOM text is untrusted) never escape OUT/studies.
TEST(BatchKey, SafeAndDistinct) {
  EXPECT_EQ(myo::pipeline::study_key("1.2.3.4"), "1.2.3.4");
  std::set<std::string> keys;
  // Named: std::string(200, '9').c_str() in the list dangled once the temporary died (ASan heap-use-after-free).
  const std::string long_uid(200, '9');
  for (const char* uid : {"../../etc", "..", ".", "a/b", "a_b", "a\\b", "", "1.2.3\n", long_uid.c_str()}) {
    const auto key = myo::pipeline::study_key(uid);
    EXPECT_EQ(key.find('/'), std::string::npos) << uid;
    EXPECT_NE(key, "..");
    EXPECT_NE(key, ".");
    EXPECT_FALSE(key.empty());
    EXPECT_NE(key.front(), '.') << key;
    EXPECT_LE(key.size(), 64u);
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), 9u) << "two UIDs share a folder";
}

}  // namespace

namespace {

// A finished study of a batch output: its manifest and a report.json with two single muscles, one flagged or not.
void finished_study(const std::filesystem::path& batch, const std::string& key, bool flagged) {
  const auto dir = batch / "studies" / key;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "batch.json") << R"({"study_instance_uid": "1.2.3.)" << key << R"(", "key": ")" << key
                                    << R"(", "status": "done", "finished_utc": "2026-12-06T08:00:00Z"})";
  std::ofstream(dir / "report.json")
      << R"({"study": {"study_instance_uid": "1.2.3.)" << key << R"(", "study_date": "20261206"},
      "method": {"segmentation": {"confidence_flag_below": 0.6}},
      "single_muscles": [
        {"name": "vastus_lateralis", "group": "quadriceps", "side": "left", "segmentation_confidence": 0.9,
         "flagged": false},
        {"name": "sartorius", "group": "sartorius", "side": "right", "segmentation_confidence": 0.41,
         "flagged": )" << (flagged ? "true" : "false") << "}]}";
}

}  // namespace

// review.csv beside cohort.csv lists the muscles the segmentation flagged, study by study, for a reader to check;
// a study without a flagged muscle is not listed.
TEST(BatchReview, FlaggedMusclesOfFinishedStudiesAreListed) {
  const myo::testing::TempDir dir("myo-review");
  finished_study(dir.path() / "in", "7", true);
  finished_study(dir.path() / "in", "8", false);
  static_cast<void>(myo::pipeline::merge_batches({dir.path() / "in"}, dir.path() / "merged"));
  std::ifstream in(dir.path() / "merged" / "review.csv");
  ASSERT_TRUE(in) << "no review.csv beside cohort.csv";
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0],
            "study_instance_uid,study_key,study_date,muscle,group,side,segmentation_confidence,confidence_flag_below,"
            "analysis");
  EXPECT_EQ(lines[1], "1.2.3.7,7,20261206,sartorius,sartorius,right,0.41,0.6,studies/7");
}
