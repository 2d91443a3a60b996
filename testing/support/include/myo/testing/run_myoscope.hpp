#pragma once
// Runs the real myoscope executable as a user would and captures its exit code and output. The test target defines
// MYOSCOPE_EXE (the built executable's path).
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace myo::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// `prefix` goes before the executable, e.g. "env -u DISPLAY".
inline CommandResult run_myoscope(const std::string& arguments, const std::string& prefix = "") {
  const std::string command = prefix + (prefix.empty() ? "" : " ") + MYOSCOPE_EXE + " " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) result.output += buffer.data();
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace myo::testing
