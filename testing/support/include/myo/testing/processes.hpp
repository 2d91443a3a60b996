#pragma once
// Processes for the tests that drive myoscope or DCMTK's tools: a background process stopped by its pid (bounded),
// shell commands with their exit code or output, a free loopback port, and a bounded wait for a condition.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "myo/testing/test_support.hpp"

namespace myo::testing {

// A free TCP port on 127.0.0.1 (bound, read, released).
inline unsigned short free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// A background process, stopped (SIGTERM, then SIGKILL after a bounded wait) when it goes out of scope.
class Background {
 public:
  Background(std::vector<std::string> argv, const std::filesystem::path& log) {
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  ~Background() { (void)stop(); }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // Exit code once ended by itself, else nothing (non-blocking).
  bool finished(int& exit_code) {
    int status = 0;
    if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) != pid_) return false;
    pid_ = 0;
    exit_code = exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return true;
  }
  // Exit code after SIGTERM (or -1 when it had to be killed).
  int stop() {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 300; ++i) {  // 30 s at most
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return exit_code_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// DCMTK's tools (storescu, storescp, echoscu) leave Nagle's algorithm on unless TCP_NODELAY=1 is in their
// environment; each small instance then waits ~40 ms for a delayed ACK (a 517-instance study: 20-40 s instead of ~1 s
// on loopback). Child processes inherit it.
inline void dcmtk_tools_without_nagle() { ::setenv("TCP_NODELAY", "1", 0); }

inline int run(const std::string& command) {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// stdout of a shell command, its stderr dropped ("" when it fails).
inline std::string capture(const std::string& command) { return command_output(command + " 2>/dev/null"); }

// Polls (every 2 ms, up to `seconds`) until `ready` holds; false when it never did.
inline bool wait_until(const std::function<bool()>& ready, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return ready();
}

}  // namespace myo::testing
