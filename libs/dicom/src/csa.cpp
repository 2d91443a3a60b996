#include "csa.hpp"

#include <cstring>

namespace myo::dicom::detail {
namespace {

bool read_u32(const std::uint8_t* data, std::size_t size, std::size_t at, std::uint32_t& out) {
  if (at + 4 > size) return false;
  out = static_cast<std::uint32_t>(data[at]) | (static_cast<std::uint32_t>(data[at + 1]) << 8) |
        (static_cast<std::uint32_t>(data[at + 2]) << 16) | (static_cast<std::uint32_t>(data[at + 3]) << 24);
  return true;
}

}  // namespace

std::map<std::string, std::vector<std::string>> parse_csa(const std::uint8_t* data, std::size_t size) {
  std::map<std::string, std::vector<std::string>> out;
  if (data == nullptr || size < 16 || std::memcmp(data, "SV10", 4) != 0) return out;
  std::uint32_t tags = 0;
  if (!read_u32(data, size, 8, tags) || tags > 1000) return {};
  std::size_t at = 16;
  for (std::uint32_t t = 0; t < tags; ++t) {
    // Tag: name[64], vm, vr[4], syngodt, nitems, xx (all int32 little endian).
    if (at + 84 > size) return {};
    std::string name(reinterpret_cast<const char*>(data + at), strnlen(reinterpret_cast<const char*>(data + at), 64));
    std::uint32_t items = 0;
    if (!read_u32(data, size, at + 76, items) || items > 10000) return {};
    at += 84;
    std::vector<std::string> values;
    for (std::uint32_t i = 0; i < items; ++i) {
      std::uint32_t length = 0;
      if (!read_u32(data, size, at + 4, length)) return {};
      at += 16;
      if (at + length > size) return {};
      if (length > 0) {
        std::string value(reinterpret_cast<const char*>(data + at), strnlen(reinterpret_cast<const char*>(data + at), length));
        while (!value.empty() && (value.back() == ' ' || value.back() == '\0')) value.pop_back();
        if (!value.empty()) values.push_back(value);
      }
      at += (length + 3U) & ~std::size_t{3};
    }
    out.emplace(std::move(name), std::move(values));
  }
  return out;
}

}  // namespace myo::dicom::detail
