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

}  // namespace

BatchSummary run_batch(const BatchOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&]() { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  BatchSummary summary;
  if (!fs::exists(options.root)) throw core::MyoError(options.root.string(), "input does not exist");
  if (options.jobs == 0) throw core::MyoError("--jobs", "must be at least 1", core::ErrorKind::usage);
  const fs::path studies_dir = options.output / "studies";
  const fs::path logs_dir = options.output / "logs";
  const fs::path work_root = options.output / "work";
  try {
    for (const auto& d : {studies_dir, logs_dir, work_root}) fs::create_directories(d);
  } catch (const fs::filesystem_error& e) {
    throw core::MyoError(options.output.string(), std::string("cannot create output folder: ") + e.code().message(),
                         core::ErrorKind::output);
  }
  // One batch at a time per output folder (two would analyse the same studies and race on the manifests). The lock
  // is released by the kernel when the process ends, however it ends.
  const fs::path lock_file = options.output / "batch.lock";
  const int lock_fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (lock_fd >= 0) ::close(lock_fd);
    throw core::MyoError(lock_file.string(),
                         "another batch is writing to this output folder (or it is not writable); "
                         "give each shard its own output folder and merge them with batch-merge",
                         core::ErrorKind::output);
  }
  const FdCloser unlock(lock_fd);
  const fs::path worker = options.worker_executable.empty() ? detail::self_executable() : options.worker_executable;
  const std::string started_utc = detail::utc_now();

  // Find the studies.
  const auto scan = dicom::scan(options.root);
  summary.unreadable_files = scan.problems.size();
  for (const auto& p : scan.problems) log::warn("skipped unreadable file {}: {}", p.path.string(), p.reason);
  if (scan.studies.empty())
    throw core::MyoError(options.root.string(), fmt::format("no DICOM study found ({} files examined, {} unreadable)",
                                                            scan.files_examined, scan.problems.size()));
  summary.studies_found = scan.studies.size();
  const std::string parameters = parameters_json(options);
  const std::string version = core::software_version();
  const std::string revision = core::git_revision();

  std::deque<Job> queue;
  for (const auto& study : scan.studies) {
    if (!in_shard(study.study_instance_uid, options.shard)) continue;
    ++summary.studies_in_shard;
    Job job{study.study_instance_uid, study_key(study.study_instance_uid), {}};
    const auto manifest = detail::read_manifest(studies_dir / job.key / "batch.json");
    if (manifest && !options.force && manifest->status == "done" && manifest->study_instance_uid == job.uid &&
        manifest->software_version == version && manifest->git_revision == revision &&
        json::parse(manifest->parameters) == json::parse(parameters) &&
        AnalysisFolder(studies_dir / job.key).has_report()) {
      ++summary.skipped;
      log::debug("{}: already done with the same version and parameters, skipped", job.key);
      continue;
    }
    for (const auto& s : study.series) job.files.insert(job.files.end(), s.files.begin(), s.files.end());
    std::sort(job.files.begin(), job.files.end());
    job.files.erase(std::unique(job.files.begin(), job.files.end()), job.files.end());
    queue.push_back(std::move(job));
  }
  log::info("batch: {} studies found, {} in shard {}/{}, {} already done, {} to analyse with {} worker(s)",
            summary.studies_found, summary.studies_in_shard, options.shard.index, options.shard.count, summary.skipped,
            queue.size(), options.jobs);

  const bool bar = options.progress_bar.value_or(isatty(STDERR_FILENO) == 1);
  Progress progress(bar, queue.size());
  const auto batch_start = std::chrono::steady_clock::now();
  std::vector<Running> running;
  std::vector<double> finished_worker_seconds;  // of the studies done in this run
  std::size_t finished_count = 0;
  const std::size_t total = queue.size();

  // Time remaining: the mean worker time of the studies finished so far, for the studies not started, plus what is
  // left of it for the running ones, shared by the workers. Unknown (-1) until a study has finished.
  const auto eta_seconds = [&]() {
    if (finished_worker_seconds.empty()) return -1.0;
    double mean = 0;
    for (const double t : finished_worker_seconds) mean += t;
    mean /= static_cast<double>(finished_worker_seconds.size());
    double work = mean * static_cast<double>(queue.size());
    const auto now = std::chrono::steady_clock::now();
    for (const auto& r : running) work += std::max(0.0, mean - std::chrono::duration<double>(now - r.started).count());
    const std::size_t workers = std::min<std::size_t>(options.jobs, queue.size() + running.size());
    return work / static_cast<double>(std::max<std::size_t>(1, workers));
  };
  const auto start_job = [&](Job job) {
    const fs::path out_dir = studies_dir / job.key;
    const fs::path log_file = logs_dir / (job.key + ".log");
    std::error_code ec;
    fs::remove(out_dir / "batch.json", ec);  // the old marker goes first: a crash now must not look done
    fs::remove(log_file, ec);
    Running r;
    r.started_utc = detail::utc_now();
    r.started = std::chrono::steady_clock::now();
    try {
      const fs::path input = make_worker_input(work_root / job.key, job);
      std::vector<std::string> argv{worker.string(),  "analyze", input.string(), "-o",
                                    out_dir.string(), "--study", job.uid};
      argv.insert(argv.end(), {"--threads", std::to_string(worker_threads(options))});
      if (!options.write_figures) argv.emplace_back("--no-figures");
      if (!options.write_maps) argv.emplace_back("--no-maps");
      if (!options.write_dicom) argv.emplace_back("--no-dicom");
      if (options.deidentify) argv.emplace_back("--deidentify");
      if (options.verbose_workers) argv.emplace_back("--verbose");
      r.pid = detail::spawn_logged(argv, log_file);
    } catch (const std::exception& e) {
      // Could not even start (links, fork): recorded like any failure, the batch goes on.
      detail::Manifest m{job.uid,  job.key,    "failed",      core::kExitInternalError, e.what(), version,
                         revision, parameters, r.started_utc, detail::utc_now(),        0.0};
      fs::create_directories(out_dir, ec);
      detail::write_manifest(out_dir / "batch.json", m);
      summary.failures.push_back({job.uid, job.key, m.exit_code, m.message});
      ++finished_count;
      log::error("{}: {}", job.key, e.what());
      return;
    }
    r.job = std::move(job);
    running.push_back(std::move(r));
  };

  const auto finish_job = [&](Running& r, int exit_code) {
    const fs::path out_dir = studies_dir / r.job.key;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
    // 0 = done; 4 = done but some of the study's files were unreadable (analyze lists them in report.json).
    const bool ok =
        (exit_code == core::kExitOk || exit_code == core::kExitPartial) && AnalysisFolder(out_dir).has_report();
    detail::Manifest m{r.job.uid, r.job.key,  ok ? "done" : "failed", exit_code,         "",     version,
                       revision,  parameters, r.started_utc,          detail::utc_now(), seconds};
    if (!ok) {
      m.message = detail::last_error_line(logs_dir / (r.job.key + ".log"));
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
      ++summary.done;
      finished_worker_seconds.push_back(seconds);
      if (!options.keep_worker_inputs) fs::remove_all(work_root / r.job.key, ec);
    } else {
      summary.failures.push_back({r.job.uid, r.job.key, exit_code, m.message});
    }
    ++finished_count;
    if (!bar || !ok) {
      if (bar) std::fputc('\n', stderr);
      if (ok && finished_count < total)
        log::info("[{}/{}] {} done in {:.1f} s, ~{} remaining", finished_count, total, r.job.key, seconds,
                  format_duration(eta_seconds()));
      else if (ok)
        log::info("[{}/{}] {} done in {:.1f} s", finished_count, total, r.job.key, seconds);
      else
        log::error("[{}/{}] {} failed (exit {}): {} (log: {})", finished_count, total, r.job.key, exit_code, m.message,
                   (logs_dir / (r.job.key + ".log")).string());
    }
  };

  const auto stopping = [&]() { return options.stop && options.stop->load(); };
  bool stop_sent = false;
  while (!queue.empty() || !running.empty()) {
    if (stopping() && !stop_sent) {
      stop_sent = true;
      if (bar) std::fputc('\n', stderr);
      log::warn("batch: stopping: {} running study(ies) are being stopped, {} not started; a rerun resumes",
                running.size(), queue.size());
      summary.interrupted += queue.size();
      queue.clear();
      for (const auto& r : running) kill(r.pid, SIGTERM);
    }
    while (!stopping() && running.size() < options.jobs && !queue.empty()) {
      Job job = std::move(queue.front());
      queue.pop_front();
      start_job(std::move(job));
    }
    bool any = false;
    for (auto it = running.begin(); it != running.end();) {
      if (const auto code = detail::poll_child(it->pid)) {
        if ((stop_sent || stopping()) && *code != core::kExitOk && *code != core::kExitPartial) {
          ++summary.interrupted;  // stopped (by us, or by the same signal): no manifest, the next run redoes it
          ++finished_count;
        } else {
          finish_job(*it, *code);
        }
        it = running.erase(it);
        any = true;
      } else {
        ++it;
      }
    }
    progress.update(summary.done, summary.failures.size(), running.size(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - batch_start).count(),
                    eta_seconds(), any);
    if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  progress.update(summary.done, summary.failures.size(), 0,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - batch_start).count(), 0.0, true);
  progress.finish();
  std::error_code ec;
  if (fs::is_empty(work_root, ec)) fs::remove(work_root, ec);

  summary.seconds = elapsed();
  summary.exit_code = (summary.failures.empty() && summary.unreadable_files == 0 && summary.interrupted == 0)
                          ? core::kExitOk
                          : core::kExitPartial;

  detail::RunRecord run;
  run.run_id = fmt::format("{}-{}-{}", detail::host_name(), getpid(), started_utc);
  run.started_utc = started_utc;
  run.finished_utc = detail::utc_now();
  run.host = detail::host_name();
  run.software_version = version;
  run.git_revision = revision;
  run.parameters = parameters;
  run.shard = fmt::format("{}/{}", options.shard.index, options.shard.count);
  run.jobs = options.jobs;
  run.studies_in_shard = summary.studies_in_shard;
  run.done = summary.done;
  run.skipped = summary.skipped;
  run.failed = summary.failures.size();
  run.unreadable_files = summary.unreadable_files;
  run.seconds = summary.seconds;
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
