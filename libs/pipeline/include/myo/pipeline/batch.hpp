#pragma once
// Many studies in, one cohort out. `run_batch` finds every study under a root folder, analyses each one in its own
// worker *process* (the myoscope executable itself, `analyze --study UID`: VTK rendering is not thread-safe and a
// crash in one study must not take the others down), and gathers the per-study results into OUT/cohort.csv and the
// SQLite database OUT/cohort.sqlite (schema: libs/pipeline/cohort_schema.md).
//
// Layout of OUT:
//   studies/<key>/        one analysis folder per study (report.json, measurements.csv, ... as `analyze` writes)
//   studies/<key>/batch.json   the done-marker, written last: UID, software version, parameters, exit code, time
//   logs/<key>.log        the worker's stderr (no patient identifiers: the log facade never prints them)
//   errors.csv            the studies that failed in the latest run (study UID, key, exit code, message)
//   cohort.csv, cohort.sqlite
// <key> = study_key(Study Instance UID): never a raw tag value.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace myo::pipeline {

struct Shard {
  unsigned index = 0;  // 0 <= index < count
  unsigned count = 1;
};

// "I/N" with 0 <= I < N (Slurm: --array=0-(N-1), then $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT).
// Throws core::MyoError naming "--shard" when malformed.
[[nodiscard]] Shard parse_shard(std::string_view text);

// FNV-1a 64 of the UID: stable across platforms, compilers and library versions (std::hash is not).
[[nodiscard]] std::uint64_t stable_hash(std::string_view text);
// Deterministic partition: a study belongs to exactly one shard of N, decided by its UID alone.
[[nodiscard]] bool in_shard(std::string_view study_instance_uid, const Shard& shard);
// Folder name of a study: the UID itself when it is already a safe path component (UIDs are digits and dots),
// else core::sanitize_path_component of it plus 16 hex digits of its hash, so distinct UIDs never share a folder.
[[nodiscard]] std::string study_key(std::string_view study_instance_uid);

struct BatchOptions {
  std::filesystem::path root;    // searched recursively (dicom::scan)
  std::filesystem::path output;  // OUT
  unsigned jobs = 1;             // worker processes at a time
  // Threads of each `analyze` worker (its --threads); 0: the cores shared out over the jobs, at least one each.
  // Not a parameter of the manifest: the results do not depend on it.
  unsigned threads = 0;
  Shard shard;
  bool force = false;                       // redo studies that are already done with the same version and parameters
  std::filesystem::path worker_executable;  // the myoscope executable (its `analyze` subcommand)
  // Passed through to `analyze`; part of the parameters recorded in the manifest (a change redoes the study).
  bool write_figures = true;
  bool write_maps = true;
  bool write_dicom = true;
  bool deidentify = false;
  bool keep_worker_inputs = false;   // keep OUT/work/<key>/ (links to the study's files) after a success
  std::optional<bool> progress_bar;  // unset: a bar when stderr is a terminal, else plain log lines
  bool verbose_workers = false;
  // Set (e.g. by a SIGTERM/SIGINT handler: Slurm's time limit, Ctrl-C) to stop: no new study starts, the running
  // workers get SIGTERM and are waited for, the cohort of what is done is written. Interrupted studies get no
  // manifest, so the next run redoes them.
  const std::atomic<bool>* stop = nullptr;
};

struct StudyFailure {
  std::string study_instance_uid;
  std::string key;
  int exit_code = 0;
  std::string message;
};

struct BatchSummary {
  std::size_t studies_found = 0;  // under the root, all shards
  std::size_t studies_in_shard = 0;
  std::size_t done = 0;     // analysed in this run
  std::size_t skipped = 0;  // already done (same version and parameters)
  std::vector<StudyFailure> failures;
  std::size_t unreadable_files = 0;  // files that looked like DICOM but could not be read (scan problems)
  std::size_t interrupted = 0;       // studies stopped or never started because `stop` was set
  double seconds = 0;
  int exit_code = 0;  // core::kExitOk, or core::kExitPartial when a study failed or files were skipped
};

// Never throws because of one study; throws core::MyoError for a root that does not exist or an OUT that cannot be
// written.
[[nodiscard]] BatchSummary run_batch(const BatchOptions& options);

// Rebuilds OUT/cohort.csv and upserts OUT/cohort.sqlite from the done studies in OUT/studies/ (run_batch calls it).
void update_cohort(const std::filesystem::path& output);

// The analysis folders of the done studies a cohort database (OUT/cohort.sqlite of batch or serve) lists, by patient
// and visit number, resolved against the database's folder. Throws core::MyoError (input) naming DATABASE when it
// cannot be read as a cohort database or lists no analysed study.
[[nodiscard]] std::vector<std::filesystem::path> cohort_analysis_folders(const std::filesystem::path& database);
// INPUTS with every file among them read as a cohort database and replaced by its analysis folders (`timeline`).
[[nodiscard]] std::vector<std::filesystem::path> expand_cohort_databases(
    const std::vector<std::filesystem::path>& inputs);

struct MergeSummary {
  std::size_t studies = 0;    // done studies in the merged folder
  std::size_t conflicts = 0;  // the same study done in two inputs: the most recently finished one is kept
  std::size_t failures = 0;   // studies failed in every input that holds them
};

// Merges batch outputs (e.g. the shards of a Slurm array) into `output`: study folders are copied (each one to a
// temporary name, then renamed), errors.csv rows are kept for studies that are not done anywhere, the runs table of
// every input database is carried over, and the cohort is rebuilt. Idempotent: merging again changes nothing.
[[nodiscard]] MergeSummary merge_batches(const std::vector<std::filesystem::path>& inputs,
                                         const std::filesystem::path& output);

}  // namespace myo::pipeline
