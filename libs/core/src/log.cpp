#include "myo/core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <itkObjectFactory.h>
#include <itkOutputWindow.h>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace myo::log {
namespace {

std::atomic<Level> g_level{Level::info};

struct Aliases {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> actual_shown;
};
Aliases& aliases() {
  static Aliases instance;
  return instance;
}

std::string with_aliases(std::string text) {
  auto& a = aliases();
  const std::lock_guard lock(a.mutex);
  for (const auto& [actual, shown] : a.actual_shown) text = replace_all(std::move(text), actual, shown);
  return text;
}

std::shared_ptr<spdlog::logger> logger() {
  // Diagnostics go to stderr: stdout belongs to the command's own output (tables, JSON, report paths).
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = spdlog::stderr_color_mt("myoscope");
    l->set_pattern("%^[%L]%$ %v");
    l->set_level(spdlog::level::trace);
    return l;
  }();
  return instance;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// ITK writes warnings to its output window; send them through the facade instead of std::cerr.
class FacadeOutputWindow : public itk::OutputWindow {
 public:
  using Self = FacadeOutputWindow;
  using Pointer = itk::SmartPointer<Self>;
  static Pointer New() {
    Pointer p = new Self;  // ITK objects are reference counted; SmartPointer owns it
    p->UnRegister();
    return p;
  }
  void DisplayText(const char* text) override { write(Level::debug, std::string("ITK: ") + text); }
  void DisplayErrorText(const char* text) override { write(Level::error, std::string("ITK: ") + text); }
  void DisplayWarningText(const char* text) override { write(Level::warn, std::string("ITK: ") + text); }
  void DisplayGenericOutputText(const char* text) override { write(Level::debug, std::string("ITK: ") + text); }
  void DisplayDebugText(const char* text) override { write(Level::debug, std::string("ITK: ") + text); }
};

// Control characters shown as escapes; newlines kept only when `keep_newlines`.
std::string escape_controls(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F;  // U+0080..U+009F (CSI is U+009B)
    if (c == '\n' && !keep_newlines) {
      out += "\\n";
    } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c1) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[++i]));
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

std::string printable(std::string_view text) { return escape_controls(text, true); }

std::string log_line(std::string_view text) {
  // A trailing newline (toolkit messages end with one) is layout, not content.
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return escape_controls(text, false);
}

void write(Level level, std::string_view message) {
  if (level < g_level.load() || level == Level::off) return;
  // Messages carry tag values (series descriptions, file names) from untrusted files: no terminal escapes, and one
  // record per message.
  logger()->log(to_spdlog(level), "{}", log_line(with_aliases(std::string(message))));
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

PathAlias::PathAlias(std::string actual, std::string shown) : actual_(actual) {
  auto& a = aliases();
  const std::lock_guard lock(a.mutex);
  a.actual_shown.emplace_back(std::move(actual), std::move(shown));
}

PathAlias::~PathAlias() {
  auto& a = aliases();
  const std::lock_guard lock(a.mutex);
  const auto it = std::find_if(a.actual_shown.begin(), a.actual_shown.end(),
                               [this](const auto& entry) { return entry.first == actual_; });
  if (it != a.actual_shown.end()) a.actual_shown.erase(it);
}

void route_toolkit_output() { itk::OutputWindow::SetInstance(FacadeOutputWindow::New()); }

}  // namespace myo::log
