#pragma once
// Shared by the libFuzzer targets: the readers take paths, so each input is written to one per-process file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "myo/core/log.hpp"

namespace myo::fuzz {

// Writes the input to a file in a private folder (removed by the OS's tmp cleaning; the fuzzer is a developer tool)
// and returns its path. `name` keeps the extension a reader may look at.
inline std::filesystem::path input_file(const std::uint8_t* data, std::size_t size, const std::string& name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("myo-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    myo::log::set_level(myo::log::Level::off);  // millions of inputs: no log lines
    return d;
  }();
  const auto path = dir / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace myo::fuzz
