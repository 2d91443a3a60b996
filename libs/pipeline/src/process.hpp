#pragma once
// Worker processes: posix_spawn of an executable with stdout and stderr appended to a log file. Used by the batch
// runner and the DICOM node, which run each study's analysis in its own process (VTK rendering is not thread-safe,
// and a crash must stay inside one study).
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace myo::pipeline::detail {

// Starts argv[0] (a path) with argv; stdin from /dev/null, stdout and stderr appended to `log_file` (created).
// Throws core::MyoError naming argv[0] when the process cannot be started.
[[nodiscard]] pid_t spawn_logged(const std::vector<std::string>& argv, const std::filesystem::path& log_file);

// Non-blocking: the exit code once the child has ended (128 + signal number when killed), else nothing.
[[nodiscard]] std::optional<int> poll_child(pid_t pid);
// Blocking wait.
[[nodiscard]] int wait_child(pid_t pid);

// The last line of a log that reports an error (", error" / "[error]"), else its last non-empty line, for
// errors.csv. Bounded: reads at most the last 64 KiB.
[[nodiscard]] std::string last_error_line(const std::filesystem::path& log_file);

// "/proc/self/exe", for re-executing ourselves: exec of it runs the very binary this process was started from, even
// after the file was replaced or deleted (a rebuild or package upgrade during a long batch or a running node; the
// resolved path then ends in " (deleted)" and every worker failed to start). Throws when /proc is not mounted.
[[nodiscard]] std::filesystem::path self_executable();

// fsync a file or a directory (so a rename into it is durable). Errors are ignored (best effort on odd filesystems).
void fsync_path(const std::filesystem::path& path);

}  // namespace myo::pipeline::detail
