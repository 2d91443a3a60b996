#pragma once
// The one logging facade. Libraries log through it and never print to stdout.
// Never pass patient identifiers (names, IDs, birth dates) to it: logs leave the hospital in bug reports.
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace myo::log {

enum class Level { debug, info, warn, error, off };

void set_level(Level level);
[[nodiscard]] Level level();
void write(Level level, std::string_view message);
// `text` safe for a terminal: control characters (ESC, BEL, CR, ..., C1 controls in UTF-8) shown as \xNN, newline and
// tab kept. Use it for tag values printed to stdout (descriptions in tables).
[[nodiscard]] std::string printable(std::string_view text);
// `text` as one log record: printable(), and newlines shown as \n too, so that a file name or tag value holding a
// newline cannot forge a record of its own ("\n[E] ..."). write() applies it to every message.
[[nodiscard]] std::string log_line(std::string_view text);
// While alive, log messages name `shown` wherever they would name `actual`: a run writing into a staging folder is
// logged in terms of the output folder the user gave.
class PathAlias {
 public:
  PathAlias(std::string actual, std::string shown);
  ~PathAlias();
  PathAlias(const PathAlias&) = delete;
  PathAlias& operator=(const PathAlias&) = delete;

 private:
  std::string actual_;
};
// `text` with every occurrence of `from` replaced by `to`.
[[nodiscard]] std::string replace_all(std::string text, std::string_view from, std::string_view to);
// Route ITK and DCMTK diagnostics into this facade (VTK is routed by the rendering library).
void route_toolkit_output();

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) { write(Level::debug, fmt::format(f, std::forward<Args>(args)...)); }
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) { write(Level::info, fmt::format(f, std::forward<Args>(args)...)); }
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) { write(Level::warn, fmt::format(f, std::forward<Args>(args)...)); }
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) { write(Level::error, fmt::format(f, std::forward<Args>(args)...)); }

}  // namespace myo::log
