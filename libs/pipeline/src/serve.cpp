// The DICOM node: a Storage SCP on a listener thread fills the spool; this thread watches for studies that have
// gone quiet, analyses them one at a time in a worker process and sends the DICOM results on.
#include "myo/pipeline/serve.hpp"
#include "myo/pipeline/analysis_folder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <thread>

#include "batch_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/dicom/net.hpp"
#include "myo/pipeline/batch.hpp"
#include "process.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

DicomPeer parse_peer(const std::string& text, const std::string& option) {
  const auto at = text.find('@');
  const auto colon = text.rfind(':');
  const auto bad = [&]() { return core::MyoError(option, "expected AE@HOST:PORT, got '" + text + "'"); };
  if (at == std::string::npos || colon == std::string::npos || colon < at || at == 0 || at > 16) throw bad();
  DicomPeer p;
  p.ae_title = text.substr(0, at);
  p.host = text.substr(at + 1, colon - at - 1);
  const std::string port = text.substr(colon + 1);
  if (p.host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    throw bad();
  const unsigned long n = std::stoul(port);
  if (n == 0 || n > 65535) throw bad();
  p.port = static_cast<std::uint16_t>(n);
  return p;
}

namespace {

struct StudyState {
  std::string uid;  // empty for studies found in the spool at start-up (the spool folder holds one study)
  Clock::time_point last_received = Clock::now();
  bool pending = false;  // received something since the last analysis started
  std::size_t instances = 0;
  int open_associations = 0;  // peers still connected that sent instances of this study
  std::size_t analyses = 0;   // analyses started by this process
  // The last association that sent some of it was aborted, lost or idle (released ones clear it).
  std::optional<std::string> incomplete_reason;
};

// Temporary files of a node stopped while writing an instance (a received instance gets its name only once
// complete): removed at start-up.
void remove_partial_files(const fs::path& spool) {
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(spool, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.front() == '.' && it->path().extension() == ".part" && fs::remove(it->path(), ec)) ++removed;
  }
  if (removed > 0) log::info("serve: {} partial file(s) of an interrupted transfer removed from the spool", removed);
}

// serve.json of a study whose transfer did not end normally: nothing is analysed until it is sent again.
void record_incomplete(const fs::path& out, const std::string& key, const StudyState& s, std::size_t instances) {
  nlohmann::json j;
  j["study_instance_uid"] = s.uid;
  j["key"] = key;
  j["status"] = "incomplete";
  j["message"] = *s.incomplete_reason;
  j["instances"] = instances;
  j["analysis"] = 0;
  j["recorded_utc"] = detail::utc_now();
  std::error_code ec;
  fs::create_directories(out, ec);
  core::write_file_atomically(out / "serve.json", j.dump(2) + "\n");
  log::warn("serve: {}: transfer incomplete ({}); {} instance(s) kept, not analysed until the study is sent again", key,
            *s.incomplete_reason, instances);
}

std::size_t count_instances(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".dcm" && it->path().filename().string().front() != '.') ++n;
  return n;
}

std::vector<fs::path> result_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  // Recursive: the overlay series lies in dicom/overlay/.
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".dcm") files.push_back(e.path());
  // The segmentation first: the measurement report references it.
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    const bool sa = a.filename() == "segmentation.dcm", sb = b.filename() == "segmentation.dcm";
    return sa != sb ? sa : a < b;
  });
  return files;
}

// The node's cohort (cohort.csv, cohort.sqlite with patients, visits and the review table, review.csv), rebuilt by
// the code batch uses after each study; a failure is logged and never stops the node.
void record_in_cohort(const fs::path& output, const std::string& key) {
  try {
    const auto to_review = detail::update_cohort(output, nullptr, {}, detail::CohortLayout::serve);
    if (std::binary_search(to_review.begin(), to_review.end(), key))
      log::warn("serve: {}: the segmentation flagged muscles of low confidence; listed for review in {}", key,
                (output / "review.csv").string());
  } catch (const std::exception& e) {
    log::error("serve: {}: cohort not updated: {}", key, e.what());
  }
}

void make_serve_folders(const ServeOptions& options) {
  try {
    fs::create_directories(options.spool);
    fs::create_directories(options.output / "logs");
  } catch (const fs::filesystem_error& e) {
    throw core::MyoError(e.path1().string(), std::string("cannot create folder: ") + e.code().message(),
                         core::ErrorKind::output);
  }
}

// Studies received before a restart and never analysed are picked up again.
std::map<std::string, StudyState> unanalysed_in_spool(const ServeOptions& options) {
  std::map<std::string, StudyState> studies;  // by key
  for (const auto& e : fs::directory_iterator(options.spool)) {
    if (!e.is_directory()) continue;
    const std::string key = e.path().filename().string();
    if (fs::exists(options.output / key / "serve.json")) continue;
    auto& s = studies[key];
    s.pending = true;
    // A key that is a UID as it stands (digits and dots) is the study's UID; otherwise the folder holds one study
    // and analyze finds it without --study.
    if (study_key(key) == key && key.find_first_not_of("0123456789.") == std::string::npos) s.uid = key;
    log::info("serve: {} was received before a restart and not analysed: analysing it when quiet", key);
  }
  return studies;
}

// The listener's settings from the node's, without its callbacks.
dicom::StoreScpOptions listener_options(const ServeOptions& options) {
  dicom::StoreScpOptions scp;
  scp.bind_address = options.bind_address;
  scp.port = options.port;
  scp.idle_timeout_s = options.idle_timeout_s;
  scp.request_timeout_s = options.request_timeout_s;
  scp.ae_title = options.ae_title;
  scp.allowed_calling_ae_titles = options.allowed_calling_ae_titles;
  scp.allowed_hosts = options.allowed_hosts;
  scp.max_associations = options.max_associations;
  scp.destination = [spool = options.spool](const std::string& study_uid, const std::string& sop_uid) {
    return spool / study_key(study_uid) / (study_key(sop_uid) + ".dcm");
  };
  return scp;
}

// The analysis under way (one at a time).
struct Analysis {
  std::string key;
  std::string uid;
  pid_t pid = 0;
  std::string started_utc;
  std::size_t instances = 0;  // in the spool when the analysis started
  std::size_t analysis = 0;   // 1 for the first analysis of the study by this process, 2 when it came again, ...
};

// The node's state: the studies received (shared with the listener thread under `mutex_`) and the analysis under
// way (this thread only).
class Node {
 public:
  Node(const ServeOptions& options, ServeSummary& summary)
      : options_(options),
        summary_(summary),
        worker_(options.worker_executable.empty() ? detail::self_executable() : options.worker_executable) {
    remove_partial_files(options.spool);
    studies_ = unanalysed_in_spool(options);
  }

  // The listener's options with callbacks that record what arrives.
  [[nodiscard]] dicom::StoreScpOptions listener() {
    auto scp = listener_options(options_);
    scp.on_stored = [this](const std::string& study_uid, const fs::path&) { on_stored(study_uid); };
    scp.on_study_association = [this](const dicom::StudyTransfer& t) { on_association(t); };
    return scp;
  }

  // One turn of the main loop: collect a finished analysis, or start the next quiet study.
  void step() {
    if (running_) {
      if (const auto code = detail::poll_child(running_->pid)) {
        finish(*running_, *code);
        running_.reset();
      }
    } else if (auto next = next_quiet_study()) {
      start(std::move(*next));
    }
  }

  // After the listener has stopped: waits for the analysis under way.
  void drain() {
    if (running_) finish(*running_, detail::wait_child(running_->pid));
    running_.reset();
    for (const auto& [key, s] : studies_)
      if (s.incomplete_reason) ++summary_.studies_incomplete;
  }

 private:
  void on_stored(const std::string& study_uid) {
    const std::lock_guard<std::mutex> lock(mutex_);
    auto& s = studies_[study_key(study_uid)];
    s.uid = study_uid;
    s.last_received = Clock::now();
    s.pending = true;
    ++s.instances;
    ++summary_.instances_received;
  }

  void on_association(const dicom::StudyTransfer& t) {
    const std::lock_guard<std::mutex> lock(mutex_);
    auto& s = studies_[study_key(t.study_uid)];
    s.uid = t.study_uid;
    s.open_associations = std::max(0, s.open_associations + (t.open ? 1 : -1));
    s.last_received = Clock::now();  // the quiet period starts when the sender is gone
    if (t.open) return;
    if (t.released)
      s.incomplete_reason.reset();
    else
      s.incomplete_reason = fmt::format("association from {}: {}", t.peer, t.end_reason);
    log::debug("serve: {}: association ended, {} still open", study_key(t.study_uid), s.open_associations);
  }

  // The first study with something new, no sender connected and quiet for long enough; an incomplete one found on
  // the way is recorded as such and skipped.
  std::optional<Analysis> next_quiet_study() {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [key, s] : studies_) {
      if (!s.pending || s.open_associations > 0 ||
          std::chrono::duration<double>(Clock::now() - s.last_received).count() < options_.quiet_seconds)
        continue;
      s.pending = false;
      if (s.incomplete_reason) {
        record_incomplete(options_.output / key, key, s, count_instances(options_.spool / key));
        continue;
      }
      return Analysis{key, s.uid, 0, detail::utc_now(), count_instances(options_.spool / key), ++s.analyses};
    }
    return std::nullopt;
  }

  void start(Analysis next) {
    const fs::path log_file = options_.output / "logs" / (next.key + ".log");
    std::vector<std::string> argv{worker_.string(), "analyze", (options_.spool / next.key).string(), "-o",
                                  (options_.output / next.key).string()};
    if (!next.uid.empty()) argv.insert(argv.end(), {"--study", next.uid});
    if (!options_.write_figures) argv.emplace_back("--no-figures");
    if (options_.deidentify) argv.emplace_back("--deidentify");
    std::error_code ec;
    fs::remove(options_.output / next.key / "serve.json", ec);
    try {
      next.pid = detail::spawn_logged(argv, log_file);
      log::info("serve: {} quiet for {:.0f} s, analysing {} instance(s) (analysis {})", next.key,
                options_.quiet_seconds, next.instances, next.analysis);
      running_ = std::move(next);
    } catch (const core::MyoError& e) {
      log::error("serve: {}", e.what());
      ++summary_.studies_failed;
    }
  }

  // Records the outcome in OUT/<key>/serve.json, sends the results on when it succeeded and updates the cohort.
  void finish(const Analysis& r, int exit_code) {
    const fs::path out = options_.output / r.key;
    const bool ok = (exit_code == core::kExitOk || exit_code == core::kExitPartial) && AnalysisFolder(out).has_report();
    nlohmann::json j;
    j["study_instance_uid"] = r.uid;
    j["key"] = r.key;
    j["started_utc"] = r.started_utc;
    j["instances"] = r.instances;
    j["analysis"] = r.analysis;
    j["exit_code"] = exit_code;
    j["status"] = ok ? "analysed" : "failed";
    if (!ok) {
      ++summary_.studies_failed;
      const fs::path log_file = options_.output / "logs" / (r.key + ".log");
      j["message"] = detail::last_error_line(log_file);
      log::error("serve: {} failed (exit {}); log: {}", r.key, exit_code, log_file.string());
    } else {
      ++summary_.studies_analysed;
      log::info("serve: {} analysed", r.key);
      if (options_.destination) send_results(r.key, out, j);
    }
    j["finished_utc"] = detail::utc_now();
    std::error_code ec;
    fs::create_directories(out, ec);
    core::write_file_atomically(out / "serve.json", j.dump(2) + "\n");
    record_in_cohort(options_.output, r.key);
  }

  // The study's DICOM results to the destination; what happened goes into `record` (serve.json).
  void send_results(const std::string& key, const fs::path& out, nlohmann::json& record) {
    dicom::StoreScuOptions scu;
    scu.host = options_.destination->host;
    scu.port = options_.destination->port;
    scu.called_ae_title = options_.destination->ae_title;
    scu.calling_ae_title = options_.ae_title;
    const auto sent = dicom::send_files(result_files(out / "dicom"), scu);
    if (sent) {
      summary_.objects_sent += sent.value();
      record["sent"] = sent.value();
      log::info("serve: {}: {} result object(s) sent to {}", key, sent.value(), scu.called_ae_title);
    } else {
      ++summary_.send_failures;
      record["send_error"] = sent.error().what();
      log::error("serve: {}: results not sent: {}", key, sent.error().what());
    }
  }

  const ServeOptions& options_;
  ServeSummary& summary_;
  const fs::path worker_;
  std::mutex mutex_;
  std::map<std::string, StudyState> studies_;  // by key
  std::optional<Analysis> running_;
};

}  // namespace

ServeSummary serve(const ServeOptions& options, const std::atomic<bool>& stop) {
  ServeSummary summary;
  make_serve_folders(options);
  const auto start = Clock::now();
  Node node(options, summary);
  const auto scp = node.listener();
  std::atomic<bool> stop_listener{false};
  std::exception_ptr listener_error;
  std::thread listener([&]() {
    try {
      dicom::run_store_scp(scp, stop_listener);
    } catch (...) {
      listener_error = std::current_exception();
    }
  });
  while (!stop.load() && !listener_error) {
    if (options.run_seconds > 0 && std::chrono::duration<double>(Clock::now() - start).count() > options.run_seconds)
      break;
    node.step();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  stop_listener = true;
  listener.join();
  node.drain();
  if (listener_error) std::rethrow_exception(listener_error);
  log::info("serve: stopped; {} instance(s) received, {} study(ies) analysed, {} failed, {} incomplete, "
            "{} object(s) sent",
            summary.instances_received, summary.studies_analysed, summary.studies_failed, summary.studies_incomplete,
            summary.objects_sent);
  return summary;
}

void update_serve_cohort(const fs::path& output) {
  detail::update_cohort(output, nullptr, {}, detail::CohortLayout::serve);
}

}  // namespace myo::pipeline
