#pragma once
// Helpers of the transaction and identity tests: myoscope started in the background (to run a second one beside it,
// or to kill it half-way), and a study of a second patient made by the phantom.
#include <signal.h>

#include <chrono>
#include <thread>

#include "hardening_fixture.hpp"
#include "myo/testing/processes.hpp"

using myo::testing::wait_until;

// A myoscope process running in the background; stderr goes to a file read at the end.
class BackgroundRun {
 public:
  BackgroundRun(const std::string& arguments, const fs::path& err_file) : err_file_(err_file) {
    const std::string command = "exec " + std::string(MYOSCOPE_EXE) + " " + arguments + " 2>" + err_file.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~BackgroundRun() {
    if (pid_ > 0 && !finished_) {
      ::kill(pid_, SIGKILL);
      static_cast<void>(finish());
    }
  }
  BackgroundRun(const BackgroundRun&) = delete;
  BackgroundRun& operator=(const BackgroundRun&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // Waits for the process to end: its exit code, or the signal that ended it.
  CliRun finish() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    finished_ = true;
    CliRun run;
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
    run.err = read_all(err_file_);
    return run;
  }
  // Whether it still runs (not yet reaped).
  [[nodiscard]] bool running() const {
    siginfo_t info{};
    return !finished_ && ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == 0;
  }

 private:
  pid_t pid_ = -1;
  bool finished_ = false;
  fs::path err_file_;
};

// Entries beside `folder` whose names start with ".NAME." (lock file, staging and earlier folders of a run).
inline std::vector<std::string> siblings_of(const fs::path& folder) {
  std::vector<std::string> out;
  const std::string prefix = "." + folder.filename().string() + ".";
  for (const auto& e : fs::directory_iterator(folder.parent_path()))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().filename().string());
  return out;
}

// A study of another patient (phantom seed 6: PatientID PHANTOM0006, its own StudyInstanceUID) in `folder`/dicom.
// `extra`: more phantom options (--no-dixon for a study without the Dixon series).
inline void make_second_patient(const fs::path& folder, const std::string& extra = "") {
  const auto r = run_myoscope("phantom -q -o " + folder.string() + " --seed 6 --dixon-voxel-mm 3 " + extra);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}
