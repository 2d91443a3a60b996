#pragma once
// An output folder (an analysis, a segmentation) written as one transaction: at every instant the folder holds either
// the complete earlier result or the complete new one, never a mix, and two runs never write into it at once.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "myo/core/error.hpp"

namespace myo::log {
class PathAlias;
}

namespace myo::core {

// Usage: construct (locks OUT), write every file below staging(), then commit() (swaps the new folder in).
//
// - Lock: `.NAME.lock` beside OUT, held with flock(2) for the whole run, so the kernel releases it however the
//   process ends (kill -9 included); it records the holder's PID and host. A second run fails at once with a
//   MyoError naming OUT; a lock file left by a process that has gone is taken over with a warning.
// - Staging: the new result is written into `.NAME.tmp-PID` beside OUT (same file system) and swapped in with one
//   atomic rename (renameat2 RENAME_EXCHANGE; two renames where the file system lacks it); the earlier folder is
//   then removed. Without commit() (an error) the staging folder is removed and OUT stays as it was.
// - Leftovers of killed runs (`.NAME.tmp-*`, `.NAME.old-*`) are removed when the next run takes the lock.
// - Entries of OUT that `owned` does not claim (the user's own notes, a colleague's files) are carried into the new
//   folder (hard links, copies where there are none); the earlier run's own files that the new run does not write
//   are gone. OUT must not be a mount point (it could not be renamed): that is refused.
// - When OUT existed before, the times of its parent folder are put back at the end: only OUT changed there.
class OutputFolderTransaction {
 public:
  using OwnedName = std::function<bool(const std::string& name)>;
  OutputFolderTransaction(std::filesystem::path target, OwnedName owned);
  ~OutputFolderTransaction();
  OutputFolderTransaction(const OutputFolderTransaction&) = delete;
  OutputFolderTransaction& operator=(const OutputFolderTransaction&) = delete;

  // The folder to write the new result into (created on first call).
  [[nodiscard]] const std::filesystem::path& staging();
  // Swaps the staging folder in for OUT. Throws MyoError naming OUT when it cannot.
  void commit();
  // `error` with the staging folder's path replaced by OUT's, so that a write error names the output the user gave
  // (and is told apart from an input error by it).
  [[nodiscard]] MyoError in_target_terms(const MyoError& error) const;

 private:
  void take_lock();
  void remove_leftovers() const;
  void carry_over_foreign_entries() const;
  void swap_in();
  void restore_parent_times() const;

  std::filesystem::path target_;  // OUT as the user gave it
  std::filesystem::path folder_;  // OUT with symbolic links resolved: what is renamed
  OwnedName owned_;
  std::filesystem::path lock_path_;
  std::filesystem::path staging_path_;
  int lock_fd_ = -1;
  bool staged_ = false;
  bool committed_ = false;
  std::optional<std::pair<long long, long long>> parent_mtime_ns_;  // (atime, mtime) when OUT existed
  std::unique_ptr<log::PathAlias> staging_alias_;                   // logs name OUT, not the staging folder
};

}  // namespace myo::core
