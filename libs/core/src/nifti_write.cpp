#include "nifti_write.hpp"

#include <nifti1.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "gzip_parallel.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/version.hpp"

namespace myo::core::detail {
namespace {

static_assert(sizeof(nifti_1_header) == 348, "NIfTI-1 header layout");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "voxels are written in native order, declared little-endian");
constexpr std::size_t kVoxelOffset = 352;  // header plus the 4-byte extension flag (no extensions)

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_gzip_name(const std::filesystem::path& path) { return ends_with(path.filename().string(), ".nii.gz"); }

// Quaternion of the rotation part of the RAS direction (columns = axis cosines), as nifti_mat44_to_quatern: a
// left-handed grid gets qfac = -1 and its third column negated first.
void set_quaternion(nifti_1_header& h, std::array<std::array<double, 3>, 3> r) {
  const double det = r[0][0] * (r[1][1] * r[2][2] - r[2][1] * r[1][2]) - r[0][1] * (r[1][0] * r[2][2] - r[2][0] * r[1][2]) +
                     r[0][2] * (r[1][0] * r[2][1] - r[2][0] * r[1][1]);
  h.pixdim[0] = det < 0 ? -1.0F : 1.0F;
  if (det < 0) {
    for (auto& row : r) row[2] = -row[2];
  }
  double a = r[0][0] + r[1][1] + r[2][2] + 1.0;
  double b = 0;
  double c = 0;
  double d = 0;
  if (a > 0.5) {
    a = 0.5 * std::sqrt(a);
    b = 0.25 * (r[2][1] - r[1][2]) / a;
    c = 0.25 * (r[0][2] - r[2][0]) / a;
    d = 0.25 * (r[1][0] - r[0][1]) / a;
  } else if (const double xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]); xd > 1.0) {
    b = 0.5 * std::sqrt(xd);
    c = 0.25 * (r[0][1] + r[1][0]) / b;
    d = 0.25 * (r[0][2] + r[2][0]) / b;
    a = 0.25 * (r[2][1] - r[1][2]) / b;
  } else if (const double yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]); yd > 1.0) {
    c = 0.5 * std::sqrt(yd);
    b = 0.25 * (r[0][1] + r[1][0]) / c;
    d = 0.25 * (r[1][2] + r[2][1]) / c;
    a = 0.25 * (r[0][2] - r[2][0]) / c;
  } else {
    d = 0.5 * std::sqrt(1.0 + r[2][2] - (r[0][0] + r[1][1]));
    b = 0.25 * (r[0][2] + r[2][0]) / d;
    c = 0.25 * (r[1][2] + r[2][1]) / d;
    a = 0.25 * (r[1][0] - r[0][1]) / d;
  }
  const double sign = a < 0 ? -1.0 : 1.0;  // the stored quaternion has a >= 0
  h.quatern_b = static_cast<float>(sign * b);
  h.quatern_c = static_cast<float>(sign * c);
  h.quatern_d = static_cast<float>(sign * d);
}

// qform and sform from the LPS geometry: NIfTI's world is RAS, so x and y change sign.
void set_transform(nifti_1_header& h, const Geometry& g) {
  constexpr std::array<double, 3> lps_to_ras{-1.0, -1.0, 1.0};
  std::array<std::array<double, 3>, 3> rotation{};
  std::array<float*, 3> srow{h.srow_x, h.srow_y, h.srow_z};
  for (int row = 0; row < 3; ++row) {
    for (int axis = 0; axis < 3; ++axis) {
      rotation[row][axis] = lps_to_ras[row] * g.direction[3 * row + axis];
      srow[row][axis] = static_cast<float>(rotation[row][axis] * g.spacing_mm[axis]);
    }
    srow[row][3] = static_cast<float>(lps_to_ras[row] * g.origin_mm[row]);
  }
  set_quaternion(h, rotation);
  h.qoffset_x = h.srow_x[3];
  h.qoffset_y = h.srow_y[3];
  h.qoffset_z = h.srow_z[3];
  h.qform_code = NIFTI_XFORM_SCANNER_ANAT;
  h.sform_code = NIFTI_XFORM_SCANNER_ANAT;
}

std::array<std::uint8_t, kVoxelOffset> header_bytes(const NiftiLayout& layout) {
  nifti_1_header h{};
  const auto& g = layout.geometry;
  h.sizeof_hdr = 348;
  h.dim[0] = layout.volumes > 1 ? 4 : 3;
  for (int a = 0; a < 3; ++a) {
    h.dim[a + 1] = static_cast<short>(g.size[a]);
    h.pixdim[a + 1] = static_cast<float>(g.spacing_mm[a]);
  }
  h.dim[4] = static_cast<short>(layout.volumes);
  h.dim[5] = h.dim[6] = h.dim[7] = 1;
  h.pixdim[4] = static_cast<float>(layout.time_step_s);
  h.datatype = layout.datatype;
  h.bitpix = layout.bits_per_voxel;
  h.vox_offset = static_cast<float>(kVoxelOffset);
  h.scl_slope = layout.scl_slope;
  h.scl_inter = layout.scl_inter;
  h.xyzt_units = NIFTI_UNITS_MM | NIFTI_UNITS_SEC;
  const std::string description = fmt::format("{} {}", software_name(), software_version());
  std::memcpy(h.descrip, description.data(), std::min(description.size(), sizeof(h.descrip) - 1));
  set_transform(h, g);
  std::memcpy(h.magic, "n+1", 4);
  std::array<std::uint8_t, kVoxelOffset> bytes{};  // the last 4 bytes: no extensions
  std::memcpy(bytes.data(), &h, sizeof(h));
  return bytes;
}

// A file written with every failure checked: a full disk or a file size limit must never pass unnoticed.
class CheckedFile {
 public:
  CheckedFile(const std::filesystem::path& path, const std::filesystem::path& target)
      : file_(std::fopen(path.c_str(), "wb")), target_(target) {
    if (file_ == nullptr) throw MyoError(target_.string(), std::string("cannot create output file: ") + std::strerror(errno), ErrorKind::output);
  }
  ~CheckedFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  CheckedFile(const CheckedFile&) = delete;
  CheckedFile& operator=(const CheckedFile&) = delete;

  void write(ByteRange bytes) {
    if (std::fwrite(bytes.data, 1, bytes.size, file_) != bytes.size) fail();
  }
  void close() {
    const bool flushed = std::fflush(file_) == 0;
    const int error = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!flushed || !closed) {
      errno = flushed ? errno : error;
      fail();
    }
  }

 private:
  [[noreturn]] void fail() const {
    const std::string reason = std::strerror(errno);
    std::error_code ec;
    const auto space = std::filesystem::space(target_.parent_path(), ec);
    const std::string free_space = ec ? std::string() : fmt::format("; {} KiB free on its filesystem", space.available / 1024);
    throw MyoError(target_.string(), "write failed (disk full or file size limit?): " + reason + free_space, ErrorKind::output);
  }

  std::FILE* file_;
  std::filesystem::path target_;
};

}  // namespace

bool is_nifti_name(const std::filesystem::path& path) {
  const auto name = path.filename().string();
  return ends_with(name, ".nii") || ends_with(name, ".nii.gz");
}

void write_nifti(const std::filesystem::path& target, const NiftiLayout& layout,
                 const std::vector<ByteRange>& voxels, const NiftiWriteOptions& options) {
  for (const auto extent : {layout.geometry.size[0], layout.geometry.size[1], layout.geometry.size[2], layout.volumes}) {
    if (extent == 0 || extent > 32767) throw MyoError(target.string(), fmt::format("cannot write image: extent {} is outside NIfTI-1's 1..32767", extent));
  }
  const auto header = header_bytes(layout);
  std::vector<ByteRange> pieces{ByteRange{header.data(), header.size()}};
  pieces.insert(pieces.end(), voxels.begin(), voxels.end());
  write_atomically_with(target, [&](const std::filesystem::path& temporary) {
    CheckedFile file(temporary, target);
    if (is_gzip_name(target)) {
      GzipOptions gzip;
      gzip.level = options.compression_level;
      gzip.threads = options.threads;
      gzip_in_parallel(pieces, gzip, [&](ByteRange member) { file.write(member); });
    } else {
      for (const auto& piece : pieces) file.write(piece);
    }
    file.close();
  });
}

}  // namespace myo::core::detail
