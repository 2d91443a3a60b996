#pragma once
// Shared between the batch runner, the cohort store and the DICOM node (private to libs/pipeline).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/dicom/scan.hpp"

namespace myo::pipeline::detail {

// OUT/studies/<key>/batch.json: written last (atomically, fsynced). status "done" or "failed".
struct Manifest {
  std::string study_instance_uid;
  std::string key;
  std::string status;
  int exit_code = 0;
  std::string message;
  std::string software_version;
  std::string git_revision;
  std::string parameters;  // JSON object text
  std::string started_utc;
  std::string finished_utc;
  double seconds = 0;
};

[[nodiscard]] std::optional<Manifest> read_manifest(const std::filesystem::path& file);
void write_manifest(const std::filesystem::path& file, const Manifest& manifest);

// One row of the runs table.
struct RunRecord {
  std::string run_id;
  std::string started_utc;
  std::string finished_utc;
  std::string host;
  std::string software_version;
  std::string git_revision;
  std::string parameters;
  std::string shard;
  unsigned jobs = 1;
  std::size_t studies_in_shard = 0;
  std::size_t done = 0;
  std::size_t skipped = 0;
  std::size_t failed = 0;
  std::size_t unreadable_files = 0;
  double seconds = 0;
};

[[nodiscard]] std::string utc_now();
[[nodiscard]] std::string host_name();

// Where a cohort's analyses are and what says each one is finished: batch, OUT/studies/<key>/batch.json; serve (the
// DICOM node), OUT/<key>/serve.json (status "analysed" counts as done, "incomplete" is left out).
enum class CohortLayout { batch, serve };

// Rebuilds OUT/cohort.csv, OUT/errors.csv and OUT/review.csv from the manifests of LAYOUT, and upserts
// OUT/cohort.sqlite. Returns the keys of the studies on the review list (flagged muscles), sorted.
std::vector<std::string> update_cohort(const std::filesystem::path& output, const RunRecord* run,
                   const std::vector<dicom::FileProblem>& unreadable_files, CohortLayout layout = CohortLayout::batch);

}  // namespace myo::pipeline::detail
