#include "myo/core/files.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <vector>
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

thread_local OutputTransaction::Impl* active_transaction = nullptr;
}  // namespace

struct OutputTransaction::Impl {
  struct Replaced {
    fs::path target;
    std::optional<fs::path> earlier;  // the hidden hard link to the earlier file; none when the target is new
  };
  std::vector<Replaced> replaced;
  std::set<fs::path> seen;
  bool done = false;

  // Moves `temporary` to `target`, keeping the first earlier version of `target` this transaction replaces.
  void move_into_place(const fs::path& temporary, const fs::path& target) {
    std::error_code ec;
    if (seen.insert(target).second) {
      Replaced entry{target, std::nullopt};
      if (fs::exists(fs::symlink_status(target, ec))) {
        const fs::path earlier = hidden_beside(target, "earlier");
        fs::create_hard_link(target, earlier, ec);
        if (ec) {
          // File systems without hard links (FAT, some network shares): a copy keeps the earlier version too.
          std::error_code copy_error;
          fs::copy_file(target, earlier, copy_error);
          if (copy_error) {
            fs::remove(earlier, copy_error);
            throw MyoError(target.string(), "cannot keep the earlier version while replacing it: " + ec.message(),
                           ErrorKind::output);
          }
        }
        entry.earlier = earlier;
      }
      replaced.push_back(std::move(entry));
    }
    fs::rename(temporary, target, ec);
    if (ec)
      throw MyoError(target.string(), "cannot move the finished file into place: " + ec.message(), ErrorKind::output);
  }
};

OutputTransaction::OutputTransaction() : impl_(std::make_unique<Impl>()), previous_(active_transaction) {
  active_transaction = impl_.get();
}

OutputTransaction::~OutputTransaction() {
  active_transaction = previous_;
  if (impl_->done) return;
  // Roll back, newest first; errors are ignored (nothing better can be done while unwinding).
  std::error_code ignored;
  for (auto it = impl_->replaced.rbegin(); it != impl_->replaced.rend(); ++it) {
    if (it->earlier) {
      fs::rename(*it->earlier, it->target, ignored);
    } else {
      fs::remove(it->target, ignored);
    }
  }
}

void OutputTransaction::commit() {
  std::error_code ignored;
  for (const auto& r : impl_->replaced) {
    if (r.earlier) fs::remove(*r.earlier, ignored);
  }
  impl_->done = true;
}

void write_atomically_with(const fs::path& target, const std::function<void(const fs::path&)>& writer) {
  const fs::path temporary = temporary_beside(target);
  try {
    writer(temporary);
    if (active_transaction != nullptr) {
      active_transaction->move_into_place(temporary, target);
    } else {
      std::error_code ec;
      fs::rename(temporary, target, ec);
      if (ec)
        throw MyoError(target.string(), "cannot move the finished file into place: " + ec.message(), ErrorKind::output);
    }
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
