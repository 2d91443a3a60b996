#include "myo/testing/test_support.hpp"

#include <cstdlib>
#include <random>
#include <system_error>

namespace myo::testing {
namespace fs = std::filesystem;

fs::path source_dir() {
  const char* env = std::getenv("MYO_SOURCE_DIR");
  return env ? fs::path(env) : fs::current_path();
}

fs::path binary_dir() {
  const char* env = std::getenv("MYO_BINARY_DIR");
  return env ? fs::path(env) : fs::current_path();
}

std::optional<fs::path> shared_data_dir() {
  if (const char* env = std::getenv("MYO_SHARED_DATA")) {
    if (fs::is_directory(env)) return fs::path(env);
    return std::nullopt;
  }
  const fs::path candidate = source_dir().parent_path() / "shared" / "data";
  if (fs::is_directory(candidate)) return candidate;
  return std::nullopt;
}

TempDir::TempDir(const std::string& prefix) {
  std::random_device rd;
  path_ = fs::temp_directory_path() / (prefix + "-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

}  // namespace myo::testing
