#include "myo/core/files.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <unistd.h>

#include "myo/core/error.hpp"

namespace myo::core {
namespace fs = std::filesystem;

namespace {
fs::path hidden_beside(const fs::path& target, const char* kind) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() /
         fmt::format(".{}.{}-{}-{}", target.filename().string(), kind, ::getpid(), counter.fetch_add(1));
}
fs::path temporary_beside(const fs::path& target) { return hidden_beside(target, "tmp"); }

}  // namespace

void write_atomically_with(const fs::path& target, const std::function<void(const fs::path&)>& writer) {
  const fs::path temporary = temporary_beside(target);
  try {
    writer(temporary);
    std::error_code ec;
    fs::rename(temporary, target, ec);
    if (ec)
      throw MyoError(target.string(), "cannot move the finished file into place: " + ec.message(), ErrorKind::output);
  } catch (...) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw;
  }
}

void write_file_atomically(const fs::path& target, std::string_view content) {
  write_atomically_with(target, [&](const fs::path& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out)
      throw MyoError(target.string(), std::string("cannot create output file: ") + std::strerror(errno),
                     ErrorKind::output);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) throw MyoError(target.string(), "write failed (disk full or read-only?)", ErrorKind::output);
  });
}

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MyoError(path.string(), "cannot open file for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string sanitize_path_component(std::string_view text, std::string_view fallback) {
  std::string out;
  for (const char c : text) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.';
    out.push_back(safe ? c : '_');
    if (out.size() >= 64) break;
  }
  // A component made only of dots ("." or "..") would escape or alias the folder.
  if (out.find_first_not_of('.') == std::string::npos) out.clear();
  if (!out.empty() && out.front() == '.') out.front() = '_';
  return out.empty() ? std::string(fallback) : out;
}

}  // namespace myo::core
