// The X display check and the routing of VTK's diagnostics into myo::log.
#include <vtkLogger.h>
#include <vtkNew.h>
#include <vtkObjectFactory.h>
#include <vtkOutputWindow.h>

#include <cstdlib>
#include <mutex>
#include <string>

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

void require_display() {
  if (display_available()) return;
  const char* display = std::getenv("DISPLAY");
  throw core::MyoError("DISPLAY",
                       (display && *display)
                           ? std::string("cannot open the X display '") + display +
                                 "'; rendering needs an X server: run the command under `xvfb-run -a`"
                           : "no X display (DISPLAY is not set); rendering needs an X server: run the "
                             "command under `xvfb-run -a`",
                       core::ErrorKind::no_display);
}

}  // namespace myo::rendering
