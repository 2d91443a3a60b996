#pragma once
// A folder a command makes for its own use and removes when it ends, whatever the outcome.
#include <filesystem>
#include <system_error>

namespace myo::app {

struct TemporaryFolder {
  std::filesystem::path path;
  TemporaryFolder() = default;
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  ~TemporaryFolder() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace myo::app
