// The X display check, the private Xvfb of headless runs, and the routing of VTK's diagnostics into myo::log.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vtkLogger.h>
#include <vtkNew.h>
#include <vtkObjectFactory.h>
#include <vtkOutputWindow.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "display_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/rendering/figures.hpp"

#ifdef MYO_HAVE_X11
#include <X11/Xlib.h>
#endif

namespace myo::rendering {
namespace {

#ifdef MYO_HAVE_X11
std::mutex probe_mutex;
std::string probed;
Display* connection = nullptr;
#endif

// VTK writes warnings and errors to its output window (stderr or a console popup); send them to the facade.
class LogOutputWindow : public vtkOutputWindow {
 public:
  static LogOutputWindow* New();
  vtkTypeMacro(LogOutputWindow, vtkOutputWindow) void DisplayText(const char* text) override {
    forward(log::Level::debug, text);
  }
  void DisplayErrorText(const char* text) override { forward(log::Level::error, text); }
  void DisplayWarningText(const char* text) override { forward(log::Level::warn, text); }
  void DisplayGenericWarningText(const char* text) override { forward(log::Level::warn, text); }
  void DisplayDebugText(const char* text) override { forward(log::Level::debug, text); }

 private:
  static void forward(log::Level level, const char* text) {
    std::string message = text ? text : "";
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
    log::write(level, "VTK: " + message);
  }
};
vtkStandardNewMacro(LogOutputWindow);

namespace fs = std::filesystem;

// The Xvfb to start when no display is reachable: $MYO_XVFB when set (an empty or missing file means none; tests use
// it), else the first Xvfb on PATH.
std::optional<fs::path> find_xvfb() {
  if (const char* forced = std::getenv("MYO_XVFB")) {
    if (*forced && ::access(forced, X_OK) == 0) return fs::path(forced);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "Xvfb";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// One Xauthority entry (family Wild: any host) for display `number`: counted big-endian strings, as libXau reads.
std::string xauth_entry(int number, const std::array<unsigned char, 16>& cookie) {
  const auto counted = [](const std::string& text) {
    return std::string{static_cast<char>(text.size() >> 8), static_cast<char>(text.size() & 0xff)} + text;
  };
  return std::string("\xff\xff") + counted("") + counted(std::to_string(number)) + counted("MIT-MAGIC-COOKIE-1") +
         counted(std::string(cookie.begin(), cookie.end()));
}

// A private X server for off-screen rendering when no display is reachable, started as `xvfb-run -a` does: a free
// display number, no TCP, a fresh MIT cookie in a private Xauthority file, ready when Xvfb writes its display number
// (-displayfd). It is stopped when the process ends: at exit, and through the parent-death signal when killed.
class PrivateXServer {
 public:
  PrivateXServer() = default;
  PrivateXServer(const PrivateXServer&) = delete;
  PrivateXServer& operator=(const PrivateXServer&) = delete;
  ~PrivateXServer() { stop(); }

  // Starts Xvfb and points DISPLAY and XAUTHORITY at it; false (with a log line) when it cannot.
  bool start(const fs::path& xvfb) {
    std::array<char, 32> dir_template{"/tmp/myoscope-xvfb-XXXXXX"};
    if (::mkdtemp(dir_template.data()) == nullptr) return false;
    dir_ = dir_template.data();
    std::random_device random;
    for (auto& byte : cookie_) byte = static_cast<unsigned char>(random());
    for (int number = 99, tries = 0; number < 1000 && tries < 20; ++number) {
      if (fs::exists("/tmp/.X" + std::to_string(number) + "-lock")) continue;  // taken, as xvfb-run -a skips it
      ++tries;
      if (const auto outcome = try_display(xvfb, number); outcome != Outcome::taken) return outcome == Outcome::ready;
    }
    log::warn("could not start a private Xvfb: no free display number");
    return false;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      wait_for_exit(std::chrono::seconds(5));
      pid_ = -1;
    }
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
    dir_.clear();
  }

 private:
  enum class Outcome { ready, taken, failed };

  Outcome try_display(const fs::path& xvfb, int number) {
    const fs::path auth = dir_ / "Xauthority";
    std::ofstream(auth, std::ios::binary | std::ios::trunc) << xauth_entry(number, cookie_);
    std::array<int, 2> ready_pipe{};
    if (::pipe2(ready_pipe.data(), O_CLOEXEC) != 0) return Outcome::failed;
    pid_ = spawn(xvfb, number, auth, ready_pipe[1]);
    ::close(ready_pipe[1]);
    const bool ready = pid_ > 0 && wait_until_ready(ready_pipe[0]);
    ::close(ready_pipe[0]);
    if (ready) {
      ::setenv("DISPLAY", (":" + std::to_string(number)).c_str(), 1);
      ::setenv("XAUTHORITY", auth.c_str(), 1);
      log::info("no X display: rendering on a private Xvfb (display :{})", number);
      return Outcome::ready;
    }
    // Xvfb exits at once when another server holds the number; anything else (no exit, exec failure) is final.
    ::kill(pid_, SIGTERM);
    const int status = wait_for_exit(std::chrono::seconds(5));
    pid_ = -1;
    const bool exec_failed = WIFEXITED(status) && WEXITSTATUS(status) == 127;
    if (exec_failed) log::warn("could not run {}", xvfb.string());
    return exec_failed ? Outcome::failed : Outcome::taken;
  }

  // Forks and execs Xvfb writing its display number to `ready_fd` when it accepts connections; its output is dropped.
  static pid_t spawn(const fs::path& xvfb, int number, const fs::path& auth, int ready_fd) {
    const bool main_thread = ::syscall(SYS_gettid) == ::getpid();
    const pid_t parent = ::getpid();
    const std::string display = ":" + std::to_string(number), fd = std::to_string(ready_fd);
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    // In the child only async-signal-safe calls. The parent-death signal follows the forking thread: only the
    // main thread's lifetime is the process's.
    if (main_thread) ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    ::fcntl(ready_fd, F_SETFD, 0);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) ::dup2(null, STDIN_FILENO), ::dup2(null, STDOUT_FILENO), ::dup2(null, STDERR_FILENO);
    ::execl(xvfb.c_str(), "Xvfb", display.c_str(), "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-auth",
            auth.c_str(), "-displayfd", fd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }

  // True once Xvfb wrote its display number and the newline after it (it writes them separately and exits when the
  // pipe is closed in between); false when it closed the pipe (exited) or after 20 s.
  static bool wait_until_ready(int fd) {
    std::string text;
    while (text.find('\n') == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20000) <= 0) return false;
      std::array<char, 16> buffer{};
      const auto got = ::read(fd, buffer.data(), buffer.size());
      if (got <= 0) return false;
      text.append(buffer.data(), static_cast<std::size_t>(got));
    }
    return true;
  }

  // Waits for the server to end, killing it after `grace`; its wait status.
  int wait_for_exit(std::chrono::seconds grace) const {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status;
  }

  pid_t pid_ = -1;
  fs::path dir_;
  std::array<unsigned char, 16> cookie_{};
};

[[noreturn]] void throw_no_display(bool tried_private_server) {
  const char* display = std::getenv("DISPLAY");
  std::string message = (display && *display) ? std::string("cannot open the X display '") + display + "'"
                                              : std::string("no X display (DISPLAY is not set)");
  message += tried_private_server ? " and no Xvfb could be started (install Xvfb, or run under `xvfb-run -a`)"
                                  : "; rendering needs an X server: run the command under `xvfb-run -a`";
  throw core::MyoError("DISPLAY", message, core::ErrorKind::no_display);
}

}  // namespace

void route_vtk_output() {
  static std::once_flag once;
  std::call_once(once, [] {
    vtkNew<LogOutputWindow> window;
    vtkOutputWindow::SetInstance(window);
    // vtkLogger (loguru) would also print every error to stderr itself: the output window above carries them.
    vtkLogger::SetStderrVerbosity(vtkLogger::VERBOSITY_OFF);
  });
}

bool display_available() {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) return false;
#ifdef MYO_HAVE_X11
  // VTK aborts the process when it cannot open the display, so probe it first. The probe's connection stays open
  // for the life of the process: an X server (Xvfb under xvfb-run) resets when its last client disconnects, and a
  // render window that connects during that reset fails ("bad X server connection") and aborts.
  const std::lock_guard<std::mutex> lock(probe_mutex);
  if (connection && probed == display) return true;
  Display* opened = XOpenDisplay(display);
  if (!opened) return false;
  connection = opened;  // a previous connection (another DISPLAY) is left open: harmless, and rare (tests)
  probed = display;
#endif
  return true;
}

namespace detail {

std::optional<std::array<int, 2>> screen_size_px() {
#ifdef MYO_HAVE_X11
  if (!display_available()) return std::nullopt;
  const std::lock_guard<std::mutex> lock(probe_mutex);
  if (!connection) return std::nullopt;
  const int screen = DefaultScreen(connection);
  return std::array<int, 2>{DisplayWidth(connection, screen), DisplayHeight(connection, screen)};
#else
  return std::nullopt;
#endif
}

}  // namespace detail

bool offscreen_display_available() {
  if (display_available()) return true;
  // One attempt per process; the server lives until the process ends.
  static std::mutex start_mutex;
  static PrivateXServer server;
  static bool tried = false;
  const std::lock_guard<std::mutex> lock(start_mutex);
  if (tried) return display_available();
  tried = true;
  const auto xvfb = find_xvfb();
  if (!xvfb) return false;
  if (!server.start(*xvfb)) {
    server.stop();
    return false;
  }
  return display_available();
}

void require_display() {
  if (!offscreen_display_available()) throw_no_display(true);
}

void require_interactive_display() {
  if (!display_available()) throw_no_display(false);
}

}  // namespace myo::rendering
