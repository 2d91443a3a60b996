// Batch runner: scan a root, partition by shard, analyse each study in a worker process, record a manifest per
// study, then gather the cohort. See myo/pipeline/batch.hpp for the layout of the output folder.
#include "myo/pipeline/batch.hpp"
#include "myo/pipeline/analysis_folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "batch_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/parallel.hpp"
#include "myo/core/version.hpp"
#include "myo/dicom/scan.hpp"
#include "process.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

Shard parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  const auto bad = [&]() {
    return core::MyoError("--shard", fmt::format("expected I/N with 0 <= I < N (e.g. 0/4), got '{}'", text),
                          core::ErrorKind::usage);
  };
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= text.size()) throw bad();
  const auto number = [&](std::string_view digits) {
    if (digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string_view::npos) throw bad();
    return static_cast<unsigned>(std::stoul(std::string(digits)));
  };
  Shard s{number(text.substr(0, slash)), number(text.substr(slash + 1))};
  if (s.count == 0 || s.index >= s.count) throw bad();
  return s;
}

bool in_shard(std::string_view study_instance_uid, const Shard& shard) {
  return shard.count <= 1 || stable_hash(study_instance_uid) % shard.count == shard.index;
}

std::string study_key(std::string_view study_instance_uid) {
  const std::string safe = core::sanitize_path_component(study_instance_uid, "study");
  if (safe == study_instance_uid) return safe;
  return fmt::format("{}-{:016x}", safe.substr(0, 40), stable_hash(study_instance_uid));
}

namespace detail {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::optional<Manifest> read_manifest(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  try {
    const auto j = json::parse(core::read_text_file(file));
    Manifest m;
    m.study_instance_uid = j.at("study_instance_uid").get<std::string>();
    m.key = j.at("key").get<std::string>();
    m.status = j.at("status").get<std::string>();
    m.exit_code = j.value("exit_code", 0);
    m.message = j.value("message", std::string());
    m.software_version = j.value("software_version", std::string());
    m.git_revision = j.value("git_revision", std::string());
    m.parameters = j.value("parameters", json::object()).dump();
    m.started_utc = j.value("started_utc", std::string());
    m.finished_utc = j.value("finished_utc", std::string());
    m.seconds = j.value("seconds", 0.0);
    return m;
  } catch (const std::exception& e) {
    log::warn("{}: unreadable batch manifest ({}); the study will be redone", file.string(), e.what());
    return std::nullopt;
  }
}

void write_manifest(const fs::path& file, const Manifest& m) {
  json j;
  j["manifest_version"] = 1;
  j["study_instance_uid"] = m.study_instance_uid;
  j["key"] = m.key;
  j["status"] = m.status;
  j["exit_code"] = m.exit_code;
  if (!m.message.empty()) j["message"] = m.message;
  j["software_version"] = m.software_version;
  j["git_revision"] = m.git_revision;
  j["parameters"] = json::parse(m.parameters.empty() ? "{}" : m.parameters);
  j["started_utc"] = m.started_utc;
  j["finished_utc"] = m.finished_utc;
  j["seconds"] = m.seconds;
  core::write_file_atomically(file, j.dump(2) + "\n");
  fsync_path(file);
  fsync_path(file.parent_path());
}

}  // namespace detail

namespace {

std::string parameters_json(const BatchOptions& o) {
  // Everything that changes what `analyze` writes. Keys sorted (nlohmann::json objects are ordered maps).
  json p;
  p["figures"] = o.write_figures;
  p["maps"] = o.write_maps;
  p["dicom"] = o.write_dicom;
  p["deidentify"] = o.deidentify;
  return p.dump();
}

// Threads per `analyze` worker: as asked, else the cores shared out over the jobs (jobs x threads stays within the
// machine, so the workers do not fight over the cores).
unsigned worker_threads(const BatchOptions& o) {
  if (o.threads != 0) return o.threads;
  return std::max(1U, core::thread_count() / std::max(1U, o.jobs));
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02d}m", s / 3600, static_cast<int>((s % 3600) / 60));
  if (s >= 60) return fmt::format("{}m{:02d}s", s / 60, static_cast<int>(s % 60));
  return fmt::format("{}s", s);
}

struct Job {
  std::string uid;
  std::string key;
  std::vector<fs::path> files;
};

struct Running {
  Job job;
  pid_t pid = 0;
  std::string started_utc;
  std::chrono::steady_clock::time_point started;
};

// The worker reads only this study's files: a folder of links to them (re-scanning the whole root per study would
// make a batch quadratic in its size).
fs::path make_worker_input(const fs::path& work_dir, const Job& job) {
  const fs::path input = work_dir / "input";
  std::error_code ec;
  fs::remove_all(work_dir, ec);
  fs::create_directories(input);
  std::size_t n = 0;
  for (const auto& f : job.files) {
    fs::create_symlink(fs::absolute(f), input / fmt::format("f{:07d}", n++));
  }
  return input;
}

struct FdCloser {
  explicit FdCloser(int descriptor) : fd(descriptor) {}
  int fd;
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() { ::close(fd); }
};

class Progress {
 public:
  Progress(bool bar, std::size_t total) : bar_(bar), total_(total) {}
  // eta_seconds < 0: not known yet (no study finished).
  void update(std::size_t done, std::size_t failed, std::size_t running, double elapsed, double eta_seconds,
              bool force = false) {
    if (!bar_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    const std::size_t finished = done + failed;
    const int width = 30;
    const int filled = total_ ? static_cast<int>(width * finished / total_) : width;
    const std::string eta = finished == total_ ? "0s" : eta_seconds < 0 ? "--" : format_duration(eta_seconds);
    std::fprintf(stderr, "\r[%s%s] %zu/%zu done, %zu failed, %zu running, elapsed %s, remaining ~%s   ",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), '.').c_str(), finished, total_, failed, running,
                 format_duration(elapsed).c_str(), eta.c_str());
    std::fflush(stderr);
  }
  void finish() {
    if (bar_) std::fputc('\n', stderr);
  }

 private:
  bool bar_;
  std::size_t total_;
  std::chrono::steady_clock::time_point last_{};
};

// The folders of OUT that a batch writes into, created up front.
struct BatchFolders {
  fs::path studies;
  fs::path logs;
  fs::path work;
};

BatchFolders make_batch_folders(const fs::path& output) {
  const BatchFolders folders{output / "studies", output / "logs", output / "work"};
  try {
    for (const auto& d : {folders.studies, folders.logs, folders.work}) fs::create_directories(d);
  } catch (const fs::filesystem_error& e) {
    throw core::MyoError(output.string(), std::string("cannot create output folder: ") + e.code().message(),
                         core::ErrorKind::output);
  }
  return folders;
}

// One batch at a time per output folder (two would analyse the same studies and race on the manifests). The lock
// is released by the kernel when the process ends, however it ends. Returns the descriptor holding it.
int lock_output_folder(const fs::path& output) {
  const fs::path lock_file = output / "batch.lock";
  const int lock_fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (lock_fd >= 0) ::close(lock_fd);
    throw core::MyoError(lock_file.string(),
                         "another batch is writing to this output folder (or it is not writable); "
                         "give each shard its own output folder and merge them with batch-merge",
                         core::ErrorKind::output);
  }
  return lock_fd;
}

// What every manifest of this run records; a study done with other values is redone.
struct RunIdentity {
  std::string parameters;
  std::string version;
  std::string revision;
};

dicom::ScanResult scan_root(const BatchOptions& options, BatchSummary& summary) {
  auto scan = dicom::scan(options.root);
  summary.unreadable_files = scan.problems.size();
  for (const auto& p : scan.problems) log::warn("skipped unreadable file {}: {}", p.path.string(), p.reason);
  if (scan.studies.empty())
    throw core::MyoError(options.root.string(), fmt::format("no DICOM study found ({} files examined, {} unreadable)",
                                                            scan.files_examined, scan.problems.size()));
  summary.studies_found = scan.studies.size();
  return scan;
}

// Done by an earlier run with the same version and parameters, and its report still there.
bool already_done(const Job& job, const fs::path& out_dir, const RunIdentity& id) {
  const auto manifest = detail::read_manifest(out_dir / "batch.json");
  return manifest && manifest->status == "done" && manifest->study_instance_uid == job.uid &&
         manifest->software_version == id.version && manifest->git_revision == id.revision &&
         json::parse(manifest->parameters) == json::parse(id.parameters) && AnalysisFolder(out_dir).has_report();
}

// Every file of the study once, sorted.
std::vector<fs::path> study_files(const dicom::StudyInfo& study) {
  std::vector<fs::path> files;
  for (const auto& s : study.series) files.insert(files.end(), s.files.begin(), s.files.end());
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

// The studies of this shard still to analyse, in scan order.
std::deque<Job> plan_jobs(const dicom::ScanResult& scan, const BatchOptions& options, const fs::path& studies_dir,
                          const RunIdentity& id, BatchSummary& summary) {
  std::deque<Job> queue;
  for (const auto& study : scan.studies) {
    if (!in_shard(study.study_instance_uid, options.shard)) continue;
    ++summary.studies_in_shard;
    Job job{study.study_instance_uid, study_key(study.study_instance_uid), {}};
    if (already_done(job, studies_dir / job.key, id) && !options.force) {
      ++summary.skipped;
      log::debug("{}: already done with the same version and parameters, skipped", job.key);
      continue;
    }
    job.files = study_files(study);
    queue.push_back(std::move(job));
  }
  log::info("batch: {} studies found, {} in shard {}/{}, {} already done, {} to analyse with {} worker(s)",
            summary.studies_found, summary.studies_in_shard, options.shard.index, options.shard.count, summary.skipped,
            queue.size(), options.jobs);
  return queue;
}

// The `analyze` command line of one worker.
std::vector<std::string> worker_argv(const BatchOptions& options, const fs::path& worker, const fs::path& input,
                                     const fs::path& out_dir, const std::string& study_uid) {
  std::vector<std::string> argv{worker.string(), "analyze", input.string(), "-o", out_dir.string(), "--study",
                                study_uid};
  argv.insert(argv.end(), {"--threads", std::to_string(worker_threads(options))});
  if (!options.write_figures) argv.emplace_back("--no-figures");
  if (!options.write_maps) argv.emplace_back("--no-maps");
  if (!options.write_dicom) argv.emplace_back("--no-dicom");
  if (options.deidentify) argv.emplace_back("--deidentify");
  if (options.verbose_workers) argv.emplace_back("--verbose");
  return argv;
}

// Runs the queue through at most `jobs` worker processes at a time, writing a manifest per finished study, until the
// queue is empty or `stop` is set.
class Scheduler {
 public:
  Scheduler(const BatchOptions& options, BatchFolders folders, fs::path worker, RunIdentity id, std::deque<Job> queue,
            BatchSummary& summary)
      : options_(options),
        folders_(std::move(folders)),
        id_(std::move(id)),
        worker_(std::move(worker)),
        queue_(std::move(queue)),
        summary_(summary),
        total_(queue_.size()),
        bar_(options.progress_bar.value_or(isatty(STDERR_FILENO) == 1)),
        progress_(bar_, total_) {}

  void run() {
    while (!queue_.empty() || !running_.empty()) {
      if (stopping() && !stop_sent_) stop_all();
      start_ready();
      const bool any = reap();
      progress_.update(summary_.done, summary_.failures.size(), running_.size(), since_start(), eta_seconds(), any);
      if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    progress_.update(summary_.done, summary_.failures.size(), 0, since_start(), 0.0, true);
    progress_.finish();
  }

 private:
  [[nodiscard]] bool stopping() const { return options_.stop && options_.stop->load(); }
  [[nodiscard]] double since_start() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - batch_start_).count();
  }
  [[nodiscard]] fs::path log_file(const std::string& key) const { return folders_.logs / (key + ".log"); }

  // Time remaining: the mean worker time of the studies finished so far, for the studies not started, plus what is
  // left of it for the running ones, shared by the workers. Unknown (-1) until a study has finished.
  [[nodiscard]] double eta_seconds() const {
    if (finished_worker_seconds_.empty()) return -1.0;
    double mean = 0;
    for (const double t : finished_worker_seconds_) mean += t;
    mean /= static_cast<double>(finished_worker_seconds_.size());
    double work = mean * static_cast<double>(queue_.size());
    const auto now = std::chrono::steady_clock::now();
    for (const auto& r : running_) work += std::max(0.0, mean - std::chrono::duration<double>(now - r.started).count());
    const std::size_t workers = std::min<std::size_t>(options_.jobs, queue_.size() + running_.size());
    return work / static_cast<double>(std::max<std::size_t>(1, workers));
  }

  // The studies not started are given up (a rerun does them) and the running workers are asked to stop.
  void stop_all() {
    stop_sent_ = true;
    if (bar_) std::fputc('\n', stderr);
    log::warn("batch: stopping: {} running study(ies) are being stopped, {} not started; a rerun resumes",
              running_.size(), queue_.size());
    summary_.interrupted += queue_.size();
    queue_.clear();
    for (const auto& r : running_) kill(r.pid, SIGTERM);
  }

  void start_ready() {
    while (!stopping() && running_.size() < options_.jobs && !queue_.empty()) {
      Job job = std::move(queue_.front());
      queue_.pop_front();
      start_job(std::move(job));
    }
  }

  void start_job(Job job) {
    const fs::path out_dir = folders_.studies / job.key;
    std::error_code ec;
    fs::remove(out_dir / "batch.json", ec);  // the old marker goes first: a crash now must not look done
    fs::remove(log_file(job.key), ec);
    Running r;
    r.started_utc = detail::utc_now();
    r.started = std::chrono::steady_clock::now();
    try {
      const fs::path input = make_worker_input(folders_.work / job.key, job);
      r.pid = detail::spawn_logged(worker_argv(options_, worker_, input, out_dir, job.uid), log_file(job.key));
    } catch (const std::exception& e) {
      record_start_failure(job, r.started_utc, e.what());
      return;
    }
    r.job = std::move(job);
    running_.push_back(std::move(r));
  }

  // Could not even start (links, fork): recorded like any failure, the batch goes on.
  void record_start_failure(const Job& job, const std::string& started_utc, const std::string& what) {
    const fs::path out_dir = folders_.studies / job.key;
    detail::Manifest m{job.uid,      job.key,       "failed",    core::kExitInternalError, what, id_.version,
                       id_.revision, id_.parameters, started_utc, detail::utc_now(),        0.0};
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    detail::write_manifest(out_dir / "batch.json", m);
    summary_.failures.push_back({job.uid, job.key, m.exit_code, m.message});
    ++finished_count_;
    log::error("{}: {}", job.key, what);
  }

  // Collects the workers that have ended; true when any has.
  bool reap() {
    bool any = false;
    for (auto it = running_.begin(); it != running_.end();) {
      if (const auto code = detail::poll_child(it->pid)) {
        if ((stop_sent_ || stopping()) && *code != core::kExitOk && *code != core::kExitPartial) {
          ++summary_.interrupted;  // stopped (by us, or by the same signal): no manifest, the next run redoes it
          ++finished_count_;
        } else {
          finish_job(*it, *code);
        }
        it = running_.erase(it);
        any = true;
      } else {
        ++it;
      }
    }
    return any;
  }

  void finish_job(const Running& r, int exit_code) {
    const fs::path out_dir = folders_.studies / r.job.key;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
    // 0 = done; 4 = done but some of the study's files were unreadable (analyze lists them in report.json).
    const bool ok =
        (exit_code == core::kExitOk || exit_code == core::kExitPartial) && AnalysisFolder(out_dir).has_report();
    detail::Manifest m{r.job.uid,    r.job.key,      ok ? "done" : "failed", exit_code,         "",     id_.version,
                       id_.revision, id_.parameters, r.started_utc,          detail::utc_now(), seconds};
    if (!ok) {
      m.message = detail::last_error_line(log_file(r.job.key));
      if (m.message.empty()) m.message = fmt::format("worker exited with code {}", exit_code);
    }
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    try {
      detail::write_manifest(out_dir / "batch.json", m);
    } catch (const core::MyoError& e) {
      log::error("{}", e.what());
    }
    if (ok) {
      ++summary_.done;
      finished_worker_seconds_.push_back(seconds);
      if (!options_.keep_worker_inputs) fs::remove_all(folders_.work / r.job.key, ec);
    } else {
      summary_.failures.push_back({r.job.uid, r.job.key, exit_code, m.message});
    }
    ++finished_count_;
    log_finished(r.job.key, m, seconds);
  }

  // One line per finished study; with a progress bar, only the failures.
  void log_finished(const std::string& key, const detail::Manifest& m, double seconds) const {
    const bool ok = m.status == "done";
    if (bar_ && ok) return;
    if (bar_) std::fputc('\n', stderr);
    if (ok && finished_count_ < total_)
      log::info("[{}/{}] {} done in {:.1f} s, ~{} remaining", finished_count_, total_, key, seconds,
                format_duration(eta_seconds()));
    else if (ok)
      log::info("[{}/{}] {} done in {:.1f} s", finished_count_, total_, key, seconds);
    else
      log::error("[{}/{}] {} failed (exit {}): {} (log: {})", finished_count_, total_, key, m.exit_code, m.message,
                 log_file(key).string());
  }

  const BatchOptions& options_;
  const BatchFolders folders_;
  const RunIdentity id_;
  const fs::path worker_;
  std::deque<Job> queue_;
  BatchSummary& summary_;
  const std::size_t total_;
  const bool bar_;
  Progress progress_;
  const std::chrono::steady_clock::time_point batch_start_ = std::chrono::steady_clock::now();
  std::vector<Running> running_;
  std::vector<double> finished_worker_seconds_;  // of the studies done in this run
  std::size_t finished_count_ = 0;
  bool stop_sent_ = false;
};

// The row of OUT/cohort.sqlite's runs table for this run.
detail::RunRecord run_record(const BatchOptions& options, const RunIdentity& id, const std::string& started_utc,
                             const BatchSummary& summary) {
  detail::RunRecord run;
  run.run_id = fmt::format("{}-{}-{}", detail::host_name(), getpid(), started_utc);
  run.started_utc = started_utc;
  run.finished_utc = detail::utc_now();
  run.host = detail::host_name();
  run.software_version = id.version;
  run.git_revision = id.revision;
  run.parameters = id.parameters;
  run.shard = fmt::format("{}/{}", options.shard.index, options.shard.count);
  run.jobs = options.jobs;
  run.studies_in_shard = summary.studies_in_shard;
  run.done = summary.done;
  run.skipped = summary.skipped;
  run.failed = summary.failures.size();
  run.unreadable_files = summary.unreadable_files;
  run.seconds = summary.seconds;
  return run;
}

}  // namespace

BatchSummary run_batch(const BatchOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  BatchSummary summary;
  if (!fs::exists(options.root)) throw core::MyoError(options.root.string(), "input does not exist");
  if (options.jobs == 0) throw core::MyoError("--jobs", "must be at least 1", core::ErrorKind::usage);
  const BatchFolders folders = make_batch_folders(options.output);
  const FdCloser unlock(lock_output_folder(options.output));
  const fs::path worker = options.worker_executable.empty() ? detail::self_executable() : options.worker_executable;
  const std::string started_utc = detail::utc_now();
  const auto scan = scan_root(options, summary);
  const RunIdentity id{parameters_json(options), core::software_version(), core::git_revision()};
  Scheduler scheduler(options, folders, worker, id, plan_jobs(scan, options, folders.studies, id, summary), summary);
  scheduler.run();
  std::error_code ec;
  if (fs::is_empty(folders.work, ec)) fs::remove(folders.work, ec);

  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  summary.exit_code = (summary.failures.empty() && summary.unreadable_files == 0 && summary.interrupted == 0)
                          ? core::kExitOk
                          : core::kExitPartial;
  const auto run = run_record(options, id, started_utc, summary);
  const auto to_review = detail::update_cohort(options.output, &run, scan.problems);
  if (!to_review.empty())
    log::info("batch: {} study(ies) with low-confidence muscles listed for review in {}", to_review.size(),
              (options.output / "review.csv").string());
  log::info("batch: {} analysed, {} skipped (already done), {} failed, {} interrupted, {} unreadable files, {:.1f} s",
            summary.done, summary.skipped, summary.failures.size(), summary.interrupted, summary.unreadable_files,
            summary.seconds);
  return summary;
}

void update_cohort(const fs::path& output) { (void)detail::update_cohort(output, nullptr, {}); }

}  // namespace myo::pipeline
