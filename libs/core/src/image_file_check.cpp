#include "image_file_check.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include "myo/core/error.hpp"

namespace myo::core::detail {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kMaxDeflateRatio = 1032;   // deflate never inflates a byte into more than this (zlib)
constexpr std::uint64_t kNiftiHeaderBytes = 348;   // the smallest NIfTI header; the voxels follow it
constexpr std::size_t kNrrdHeaderLimit = 1 << 16;  // NRRD headers are text of a few hundred bytes

std::string megabytes(std::uint64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

std::string lowercase_name(const fs::path& path) {
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool starts_with_gzip_magic(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 2> magic{};
  in.read(reinterpret_cast<char*>(magic.data()), 2);
  return in && magic[0] == 0x1f && magic[1] == 0x8b;
}

// The length of the whole inflated stream (nothing kept); a truncated or corrupt stream is an error.
std::uint64_t inflated_size(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw MyoError(path.string(), "cannot open the gzip file");
  std::array<char, 1 << 16> chunk{};
  std::uint64_t total = 0;
  int n = 0;
  while ((n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) total += static_cast<unsigned>(n);
  int code = Z_OK;
  const std::string message = gzerror(file, &code);  // a cut stream ends reads quietly with Z_BUF_ERROR
  gzclose(file);
  if (n < 0 || code != Z_OK)
    throw MyoError(path.string(), "truncated or corrupt gzip stream (" + message +
                                      "): the file is damaged or was cut short; copy it again");
  return total;
}

[[noreturn]] void refuse_size(const fs::path& path, std::uint64_t declared_bytes, std::uint64_t available_bytes,
                              const char* what) {
  throw MyoError(path.string(), fmt::format("its header declares {} of voxels, but the file holds {} {}: the file is "
                                            "damaged or its header is wrong",
                                            megabytes(declared_bytes), what, megabytes(available_bytes)));
}

// What an NRRD header says about where its data is and how it is encoded.
struct NrrdData {
  bool detached = false;  // "data file:" names another file
  bool raw = false;       // "encoding: raw": the bytes follow the header as they are
};

NrrdData nrrd_data(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  NrrdData data;
  std::string line;
  std::size_t read = 0;
  while (read < kNrrdHeaderLimit && std::getline(in, line) && !line.empty() && line != "\r") {
    read += line.size() + 1;
    std::transform(line.begin(), line.end(), line.begin(), [](unsigned char c) { return std::tolower(c); });
    if (line.rfind("data file:", 0) == 0 || line.rfind("datafile:", 0) == 0) data.detached = true;
    if (line.rfind("encoding:", 0) == 0) data.raw = line.find("raw") != std::string::npos;
  }
  return data;
}

template <class T>
T from_bytes(const char* bytes, bool swapped) {
  std::array<char, sizeof(T)> copy{};
  std::memcpy(copy.data(), bytes, sizeof(T));
  if (swapped) std::reverse(copy.begin(), copy.end());
  T value{};
  std::memcpy(&value, copy.data(), sizeof(T));
  return value;
}

// Counts the values of type T among `count` values read from `file` that are not finite.
template <class T>
std::size_t count_non_finite(gzFile file, std::uint64_t count, bool swapped) {
  std::array<char, sizeof(T) * 8192> chunk{};
  std::size_t bad = 0;
  while (count > 0) {
    const auto n = static_cast<unsigned>(std::min<std::uint64_t>(count, chunk.size() / sizeof(T)));
    if (gzread(file, chunk.data(), n * static_cast<unsigned>(sizeof(T))) != static_cast<int>(n * sizeof(T))) break;
    for (unsigned i = 0; i < n; ++i)
      if (!std::isfinite(from_bytes<T>(chunk.data() + i * sizeof(T), swapped))) ++bad;
    count -= n;
  }
  return bad;
}

// What a NIfTI-1 header says of its voxels, read from the file (plain or gzip) itself: ITK reports a rescaled
// file's voxels as float, which is not what the file holds.
struct NiftiVoxels {
  std::uint64_t count = 0;  // 0: not a NIfTI-1 header this code understands
  std::int16_t datatype = 0;
  std::uint64_t bytes_per_voxel = 0;
  z_off_t offset = 0;
  bool swapped = false;
};

NiftiVoxels nifti_voxels(gzFile file) {
  std::array<char, kNiftiHeaderBytes> header{};
  NiftiVoxels v;
  if (gzread(file, header.data(), static_cast<unsigned>(header.size())) != static_cast<int>(header.size())) return v;
  const auto size = from_bytes<std::int32_t>(header.data(), false);
  v.swapped = size != 348 && from_bytes<std::int32_t>(header.data(), true) == 348;
  const auto dims = from_bytes<std::int16_t>(header.data() + 40, v.swapped);
  if ((size != 348 && !v.swapped) || dims < 1 || dims > 7) return v;
  v.datatype = from_bytes<std::int16_t>(header.data() + 70, v.swapped);
  const auto bits = from_bytes<std::int16_t>(header.data() + 72, v.swapped);
  v.bytes_per_voxel = bits > 0 ? static_cast<std::uint64_t>(bits) / 8 : 0;
  v.offset = static_cast<z_off_t>(from_bytes<float>(header.data() + 108, v.swapped));
  v.count = 1;
  constexpr std::uint64_t kSaturated = std::uint64_t{1} << 56;  // more than any file holds, and no overflow
  for (int d = 1; d <= dims; ++d) {
    const auto n = static_cast<std::uint64_t>(
        std::max<std::int16_t>(1, from_bytes<std::int16_t>(header.data() + 40 + 2 * d, v.swapped)));
    v.count = v.count > kSaturated / n ? kSaturated : v.count * n;
  }
  return v;
}

NiftiVoxels nifti_voxels(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");  // reads plain files too
  if (file == nullptr) return {};
  const auto v = nifti_voxels(file);
  gzclose(file);
  return v;
}

}  // namespace

void check_image_data(const fs::path& path, std::uint64_t declared_bytes) {
  std::error_code ec;
  const std::uint64_t file_bytes = fs::file_size(path, ec);
  if (ec) return;  // not a regular file: ITK has said what is wrong with it
  const std::string name = lowercase_name(path);
  const bool nifti = ends_with(name, ".nii") || ends_with(name, ".nii.gz");
  if (nifti) {
    const auto v = nifti_voxels(path);
    if (v.count > 0 && v.bytes_per_voxel > 0) declared_bytes = v.count * v.bytes_per_voxel;
  }
  const std::uint64_t needed = declared_bytes + (nifti ? kNiftiHeaderBytes : 0);
  if (starts_with_gzip_magic(path)) {
    if (declared_bytes / kMaxDeflateRatio > file_bytes)
      refuse_size(path, declared_bytes, file_bytes * kMaxDeflateRatio, "at most");
    const std::uint64_t inflated = inflated_size(path);
    if (inflated < needed) refuse_size(path, declared_bytes, inflated, "only");
    return;
  }
  if (nifti) {
    if (file_bytes < needed) refuse_size(path, declared_bytes, file_bytes, "only");
    return;
  }
  if (ends_with(name, ".nrrd") || ends_with(name, ".nhdr")) {
    const auto data = nrrd_data(path);
    if (data.detached) return;
    if (data.raw && file_bytes < declared_bytes) refuse_size(path, declared_bytes, file_bytes, "only");
    if (!data.raw && declared_bytes / kMaxDeflateRatio > file_bytes)
      refuse_size(path, declared_bytes, file_bytes * kMaxDeflateRatio, "at most");
  }
}

std::size_t nifti_non_finite_voxels(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");  // reads plain files too
  if (file == nullptr) return 0;
  const auto v = nifti_voxels(file);
  std::size_t bad = 0;
  if (v.count > 0 && (v.datatype == 16 || v.datatype == 64) && gzseek(file, v.offset, SEEK_SET) == v.offset)
    bad = v.datatype == 16 ? count_non_finite<float>(file, v.count, v.swapped)
                           : count_non_finite<double>(file, v.count, v.swapped);
  gzclose(file);
  return bad;
}

}  // namespace myo::core::detail
