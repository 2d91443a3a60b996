#include "myo/core/output_folder.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"

namespace myo::core {
namespace fs = std::filesystem;

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

fs::path sibling(const fs::path& folder, const std::string& kind) {
  return folder.parent_path() / ("." + folder.filename().string() + "." + kind);
}

// The holder a lock file names: "PID HOST".
struct Holder {
  long pid = 0;
  std::string host;
  [[nodiscard]] bool empty() const { return pid <= 0; }
  [[nodiscard]] std::string describe() const { return fmt::format("process {} on host {}", pid, host); }
};

Holder read_holder(int fd) {
  char text[512] = {};
  const auto n = ::pread(fd, text, sizeof text - 1, 0);
  Holder holder;
  if (n <= 0) return holder;
  char host[256] = {};
  if (std::sscanf(text, "%ld %255s", &holder.pid, host) >= 1) holder.host = host;
  return holder;
}

// Without flock (some network file systems), a holder on this host is alive when it can be signalled.
bool holder_alive(const Holder& holder) {
  if (holder.empty()) return false;
  if (holder.host != host_name()) return true;  // cannot tell: assume it runs
  return ::kill(static_cast<pid_t>(holder.pid), 0) == 0 || errno == EPERM;
}

// Stale entries beside `folder` left by killed runs: ".NAME.tmp-*" (staging, or the earlier folder after the swap)
// and ".NAME.old-*" (the earlier folder during a swap without RENAME_EXCHANGE).
bool leftover_of(const fs::path& folder, const std::string& name, const char* kind) {
  return name.rfind("." + folder.filename().string() + "." + kind + "-", 0) == 0;
}

// Hidden temporaries of single-file writes (".labels.nii.gz.tmp-*", ".report.json.earlier-*"): never carried over.
bool file_temporary(const std::string& name) {
  return name.size() > 1 && name[0] == '.' &&
         (name.find(".tmp-") != std::string::npos || name.find(".earlier-") != std::string::npos);
}

}  // namespace

OutputFolderTransaction::OutputFolderTransaction(fs::path target, OwnedName owned)
    : target_(std::move(target)), owned_(std::move(owned)) {
  std::error_code ec;
  folder_ = fs::weakly_canonical(fs::absolute(target_), ec);
  if (ec || folder_.filename().empty()) folder_ = fs::absolute(target_).lexically_normal();
  if (folder_.filename().empty()) folder_ = folder_.parent_path();
  const fs::path parent = folder_.parent_path();
  try {
    fs::create_directories(parent);
  } catch (const fs::filesystem_error& e) {
    throw MyoError(target_.string(), std::string("cannot create output folder: ") + e.code().message(), ErrorKind::output);
  }
  struct stat folder_stat{}, parent_stat{};
  const bool exists = ::stat(folder_.c_str(), &folder_stat) == 0;
  if (exists && !S_ISDIR(folder_stat.st_mode)) throw MyoError(target_.string(), "exists and is not a folder", ErrorKind::output);
  if (exists && ::access(folder_.c_str(), W_OK) != 0)
    throw MyoError(target_.string(), "the output folder is not writable (" + std::string(std::strerror(errno)) + ")", ErrorKind::output);
  if (exists && ::stat(parent.c_str(), &parent_stat) == 0) {
    if (parent_stat.st_dev != folder_stat.st_dev)
      throw MyoError(target_.string(), "is a mount point: an analysis replaces its folder as a whole, so give a "
                                       "folder inside it", ErrorKind::output);
    parent_mtime_ns_ = {parent_stat.st_atim.tv_sec * 1000000000LL + parent_stat.st_atim.tv_nsec,
                        parent_stat.st_mtim.tv_sec * 1000000000LL + parent_stat.st_mtim.tv_nsec};
  }
  lock_path_ = sibling(folder_, "lock");
  staging_path_ = sibling(folder_, fmt::format("tmp-{}", ::getpid()));
  take_lock();
  remove_leftovers();
}

void OutputFolderTransaction::take_lock() {
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      throw MyoError(target_.string(), fmt::format("cannot create the lock file {}: {}", lock_path_.string(),
                                                   std::strerror(errno)), ErrorKind::output);
    const Holder earlier = read_holder(fd);
    const bool locked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    const int lock_errno = errno;
    if (!locked && (lock_errno == EWOULDBLOCK || holder_alive(earlier))) {
      ::close(fd);
      throw MyoError(target_.string(),
                     fmt::format("in use by another myoscope run ({}); wait for it to end or choose another output "
                                 "folder (a lock that outlives its process is taken over: remove {} only if no run "
                                 "is writing here)",
                                 earlier.empty() ? std::string("process unknown") : earlier.describe(),
                                 lock_path_.string()), ErrorKind::output);
    }
    // The holder that released the lock may have removed the file meanwhile: then lock the new one.
    struct stat by_fd{}, by_path{};
    if (::fstat(fd, &by_fd) != 0 || ::stat(lock_path_.c_str(), &by_path) != 0 || by_fd.st_ino != by_path.st_ino) {
      ::close(fd);
      continue;
    }
    const Holder stale = read_holder(fd);
    if (!stale.empty())
      log::warn("{}: taking over the lock of {}, which has ended (an interrupted run); its leftovers are removed",
                target_.string(), stale.describe());
    const std::string me = fmt::format("{} {}\n", ::getpid(), host_name());
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
      log::warn("{}: could not record this run in the lock file {}", target_.string(), lock_path_.string());
    lock_fd_ = fd;
    return;
  }
  throw MyoError(target_.string(), "cannot take the lock " + lock_path_.string() + ": it keeps being replaced", ErrorKind::output);
}

void OutputFolderTransaction::remove_leftovers() const {
  std::vector<fs::path> olds, temporaries;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder_.parent_path(), ec)) {
    const auto name = entry.path().filename().string();
    if (leftover_of(folder_, name, "old")) olds.push_back(entry.path());
    if (leftover_of(folder_, name, "tmp")) temporaries.push_back(entry.path());
  }
  // A run killed half-way through a two-rename swap left the earlier folder aside and none in place: put it back.
  if (!fs::exists(folder_, ec) && !olds.empty()) {
    fs::rename(olds.front(), folder_, ec);
    if (!ec) log::warn("{}: put back the earlier result that an interrupted run had moved aside", target_.string());
    if (!ec) olds.erase(olds.begin());
  }
  olds.insert(olds.end(), temporaries.begin(), temporaries.end());
  for (const auto& path : olds) fs::remove_all(path, ec);
  if (!olds.empty())
    log::info("{}: removed {} leftover(s) of an interrupted run beside it", target_.string(), olds.size());
}

const fs::path& OutputFolderTransaction::staging() {
  if (staged_) return staging_path_;
  std::error_code ec;
  fs::create_directory(staging_path_, ec);
  if (ec)
    throw MyoError(target_.string(),
                   fmt::format("cannot create the staging folder {}: {}", staging_path_.string(), ec.message()), ErrorKind::output);
  staged_ = true;
  staging_alias_ = std::make_unique<log::PathAlias>(staging_path_.string(), target_.string());
  if (fs::is_directory(folder_, ec)) fs::permissions(staging_path_, fs::status(folder_, ec).permissions(), ec);
  return staging_path_;
}

void OutputFolderTransaction::carry_over_foreign_entries() const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder_, ec)) {
    const auto name = entry.path().filename().string();
    if (owned_(name) || file_temporary(name)) continue;
    const fs::path to = staging_path_ / name;
    constexpr auto base = fs::copy_options::recursive | fs::copy_options::copy_symlinks | fs::copy_options::skip_existing;
    std::error_code copy_error;
    fs::copy(entry.path(), to, base | fs::copy_options::create_hard_links, copy_error);
    if (copy_error) {
      fs::remove_all(to, copy_error);
      fs::copy(entry.path(), to, base, copy_error);  // file systems without hard links
    }
    if (copy_error)
      throw MyoError((target_ / name).string(), "cannot keep this entry (not written by myoscope) in the new result: " +
                                                    copy_error.message(), ErrorKind::output);
    log::info("{}: kept {} (not written by myoscope)", target_.string(), name);
  }
}

void OutputFolderTransaction::swap_in() {
  std::error_code ec;
  if (!fs::exists(folder_, ec)) {
    fs::rename(staging_path_, folder_, ec);
    if (ec) throw MyoError(target_.string(), "cannot move the new result into place: " + ec.message(), ErrorKind::output);
    return;
  }
  // One atomic exchange: OUT is the new folder, the staging name the earlier one.
  if (::renameat2(AT_FDCWD, staging_path_.c_str(), AT_FDCWD, folder_.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      throw MyoError(target_.string(), std::string("cannot swap the new result in: ") + std::strerror(errno), ErrorKind::output);
    // Two renames: the earlier folder aside, the new one in (a run killed between them is repaired by the next).
    const fs::path aside = sibling(folder_, fmt::format("old-{}", ::getpid()));
    fs::rename(folder_, aside, ec);
    if (ec) throw MyoError(target_.string(), "cannot move the earlier result aside: " + ec.message(), ErrorKind::output);
    fs::rename(staging_path_, folder_, ec);
    if (ec) {
      std::error_code ignored;
      fs::rename(aside, folder_, ignored);
      throw MyoError(target_.string(), "cannot move the new result into place: " + ec.message(), ErrorKind::output);
    }
    fs::rename(aside, staging_path_, ec);
  }
}

void OutputFolderTransaction::commit() {
  carry_over_foreign_entries();
  staging_alias_.reset();  // from the swap on, the staging name holds the earlier result
  swap_in();
  committed_ = true;
  std::error_code ec;
  fs::remove_all(staging_path_, ec);  // the earlier result now
  if (ec) log::warn("{}: could not remove the earlier result {}: {}", target_.string(), staging_path_.string(), ec.message());
}

MyoError OutputFolderTransaction::in_target_terms(const MyoError& error) const {
  const auto replace = [this](const std::string& text) {
    return log::replace_all(text, staging_path_.string(), target_.string());
  };
  return MyoError(replace(error.error().subject), replace(error.error().message), error.kind());
}

void OutputFolderTransaction::restore_parent_times() const {
  if (!parent_mtime_ns_ || !fs::exists(folder_)) return;
  const auto to_timespec = [](long long ns) { return timespec{static_cast<time_t>(ns / 1000000000LL), static_cast<long>(ns % 1000000000LL)}; };
  const timespec times[2] = {to_timespec(parent_mtime_ns_->first), to_timespec(parent_mtime_ns_->second)};
  static_cast<void>(::utimensat(AT_FDCWD, folder_.parent_path().c_str(), times, 0));
}

OutputFolderTransaction::~OutputFolderTransaction() {
  std::error_code ignored;
  if (staged_ && !committed_) fs::remove_all(staging_path_, ignored);
  if (lock_fd_ >= 0) {
    ::unlink(lock_path_.c_str());  // before the unlock: a run waiting on this file then sees it replaced
    ::close(lock_fd_);
  }
  restore_parent_times();
}

}  // namespace myo::core
