#pragma once
// What the viewer tests share: a panel of a rendered frame by name, and where a test's pictures go
// (MYO_RENDER_PICTURES keeps them for a look).
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "myo/rendering/viewer.hpp"
#include "myo/testing/test_support.hpp"

namespace myo::testing {

inline const rendering::ViewerPanel& panel(const rendering::ViewerFrame& f, const std::string& name) {
  for (const auto& p : f.panels)
    if (p.name == name) return p;
  throw std::runtime_error("no panel " + name);
}

inline std::filesystem::path picture_path(const TempDir& tmp, const std::string& name) {
  if (const char* keep = std::getenv("MYO_RENDER_PICTURES")) {
    std::filesystem::create_directories(keep);
    return std::filesystem::path(keep) / name;
  }
  return tmp.path() / name;
}

}  // namespace myo::testing
