#include "myo/core/nifti_io.hpp"
#include "myo/core/nifti_integers.hpp"

#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkNiftiImageIOFactory.h>
#include <itkNrrdImageIOFactory.h>
#include <nifti1.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>
#include <cstdint>
#include <type_traits>
#include <mutex>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/itk_bridge.hpp"
#include "image_file_check.hpp"
#include "nifti_write.hpp"

namespace myo::core {
namespace {

void register_factories() {
  static std::once_flag once;
  std::call_once(once, [] {
    itk::NiftiImageIOFactory::RegisterOneFactory();
    itk::NrrdImageIOFactory::RegisterOneFactory();
  });
}

// The temporary name must keep the real extension: ITK picks the format (and compression) from it.
std::filesystem::path temporary_with_extension(const std::filesystem::path& temporary,
                                               const std::filesystem::path& target) {
  const std::string name = target.filename().string();
  const auto dot = name.find('.');
  const std::string extension = dot == std::string::npos ? "" : name.substr(dot);
  return temporary.string() + extension;
}

// NIfTI-1's writer (under ITK) reports a failed write (disk full, file size limit) only by printing
// "** ERROR: NWAD" and carries on, so a truncated file would be renamed over an earlier good one. Inflating the
// finished file back is the only reliable check: it must be a complete gzip stream holding at least the voxels.
void verify_complete_gzip(const std::filesystem::path& written, std::uint64_t voxel_bytes,
                          const std::filesystem::path& target) {
  gzFile file = gzopen(written.c_str(), "rb");
  if (file == nullptr)
    throw MyoError(target.string(), "write failed: the written file cannot be reopened", ErrorKind::output);
  std::array<char, 1 << 16> chunk{};
  std::uint64_t total = 0;
  int n = 0;
  while ((n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) {
    total += static_cast<std::uint64_t>(n);
  }
  int code = Z_OK;
  const std::string message = n < 0 ? gzerror(file, &code) : "";
  gzclose(file);
  if (n < 0 || total < voxel_bytes) {
    std::error_code ec;
    const auto space = std::filesystem::space(target.parent_path(), ec);
    const std::string free_space = ec ? std::string() : fmt::format("; {} KiB free on its filesystem", space.available / 1024);
    throw MyoError(target.string(),
                   "write failed (disk full or file size limit?): the written image is incomplete" +
                       (message.empty() ? std::string() : " (" + message + ")") + free_space,
                   ErrorKind::output);
  }
}

template <class T>
detail::ByteRange bytes_of(const Volume<T>& volume) {
  volume.check();
  return {reinterpret_cast<const std::uint8_t*>(volume.voxels.data()), volume.voxels.size() * sizeof(T)};
}

template <class T>
detail::NiftiLayout layout_of(const Volume<T>& volume) {
  detail::NiftiLayout layout;
  layout.geometry = volume.geometry;
  layout.datatype = std::is_same_v<T, float> ? DT_FLOAT32 : DT_UINT16;
  layout.bits_per_voxel = static_cast<short>(8 * sizeof(T));
  return layout;
}

// Other formats (NRRD) through ITK.
template <class T>
void write_volume_with_itk(const Volume<T>& volume, const std::filesystem::path& path) {
  register_factories();
  write_atomically_with(path, [&](const std::filesystem::path& temporary) {
    const auto with_extension = temporary_with_extension(temporary, path);
    try {
      auto writer = itk::ImageFileWriter<ItkImage3<T>>::New();
      writer->SetInput(to_itk(volume));
      writer->SetFileName(with_extension.string());
      writer->UseCompressionOn();
      // Fastest gzip level: maps and labels compress well anyway, and the default level costs seconds per study.
      writer->SetCompressionLevel(1);
      writer->Update();
      try {
        verify_complete_gzip(with_extension, static_cast<std::uint64_t>(volume.voxels.size()) * sizeof(T), path);
      } catch (const MyoError&) {
        std::error_code ignored;
        std::filesystem::remove(with_extension, ignored);
        throw;
      }
      std::filesystem::rename(with_extension, temporary);
    } catch (const itk::ExceptionObject& e) {
      std::error_code ignored;
      std::filesystem::remove(with_extension, ignored);
      throw MyoError(path.string(), std::string("cannot write image: ") + e.GetDescription(), ErrorKind::output);
    }
  });
}

template <class T>
void write_volume(const Volume<T>& volume, const std::filesystem::path& path, const NiftiWriteOptions& options) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, std::uint16_t>);
  if (!detail::is_nifti_name(path)) return write_volume_with_itk(volume, path);
  detail::write_nifti(path, layout_of(volume), {bytes_of(volume)}, options);
}

template <class T>
Volume<T> read_volume(const std::filesystem::path& path) {
  register_factories();
  try {
    auto reader = itk::ImageFileReader<ItkImage3<T>>::New();
    reader->SetFileName(path.string());
    reader->UpdateOutputInformation();  // the header only: the data is checked against it before it is allocated
    detail::check_image_data(path, reader->GetImageIO()->GetImageSizeInBytes());
    reader->Update();
    return from_itk(*reader->GetOutput());
  } catch (const itk::ExceptionObject& e) {
    throw MyoError(path.string(), std::string("cannot read image: ") + e.GetDescription());
  }
}

// A label map holds integers 0 to 65535. Tools that store labels as floats write 3.0 or 2.99998, so a value within
// 0.01 of an integer is that integer; anything else (NaN, 2^40, -1, 3.5) makes the file an image, not a label map.
LabelVolume to_labels(const ImageVolume& image, const std::filesystem::path& path) {
  LabelVolume labels(image.geometry, 0);
  std::size_t bad_count = 0;
  std::vector<std::string> bad_values;  // the first few distinct ones, for the message
  for (std::size_t i = 0; i < image.voxels.size(); ++i) {
    const float v = image.voxels[i];
    const float rounded = std::round(v);
    if (std::isfinite(v) && rounded >= 0.0F && rounded <= 65535.0F && std::abs(v - rounded) <= 0.01F) {
      labels.voxels[i] = static_cast<std::uint16_t>(rounded);
      continue;
    }
    ++bad_count;
    const auto text = fmt::format("{:g}", v);
    if (bad_values.size() < 5 && std::find(bad_values.begin(), bad_values.end(), text) == bad_values.end())
      bad_values.push_back(text);
  }
  // NIfTI's reader turned NaN and infinities into 0 already: they are counted in the file itself.
  if (const auto non_finite = detail::nifti_non_finite_voxels(path); non_finite > 0) {
    bad_count += non_finite;
    bad_values.insert(bad_values.begin(), "nan or inf");
  }
  if (bad_count > 0)
    throw MyoError(path.string(), fmt::format("not a label map: {} voxels hold values that are not labels (integers 0 "
                                              "to 65535): {}",
                                              bad_count, fmt::join(bad_values, ", ")));
  return labels;
}

// The volumes of one 4D file: at least one, all on one grid, written to .nii or .nii.gz.
void check_series(const std::vector<ImageVolume>& volumes, const std::filesystem::path& path) {
  if (volumes.empty()) throw MyoError(path.string(), "cannot write image: no volumes");
  if (!detail::is_nifti_name(path)) throw MyoError(path.string(), "cannot write image: 4D output must be .nii or .nii.gz");
  for (const auto& v : volumes) {
    v.check();
    if (!v.geometry.same_grid(volumes.front().geometry)) throw MyoError(path.string(), "cannot write image: the volumes lie on different grids");
  }
}

// 16-bit stored values (two's complement when negative) and their range.
struct StoredIntegers {
  std::vector<std::uint16_t> bits;
  std::int32_t min = 0;
  std::int32_t max = 0;
};

// Appends the stored integer behind each value; false as soon as a value is not exactly what the DICOM decoder
// computes from one, float(stored x slope + intercept), for a stored value of 16 bits.
bool append_stored_integers(const std::vector<float>& values, const IntegerScaling& scaling, StoredIntegers& out) {
  for (const float value : values) {
    const double n = std::nearbyint((static_cast<double>(value) - scaling.intercept) / scaling.slope);
    if (!(n >= -32768.0 && n <= 65535.0)) return false;  // NaN fails too
    if (static_cast<float>(n * scaling.slope + scaling.intercept) != value) return false;
    const auto stored = static_cast<std::int32_t>(n);
    out.min = std::min(out.min, stored);
    out.max = std::max(out.max, stored);
    out.bits.push_back(static_cast<std::uint16_t>(stored));
  }
  return true;
}

}  // namespace

void write_image(const ImageVolume& volume, const std::filesystem::path& path) { write_volume(volume, path, {}); }
void write_image(const ImageVolume& volume, const std::filesystem::path& path, const NiftiWriteOptions& options) {
  write_volume(volume, path, options);
}
void write_labels(const LabelVolume& volume, const std::filesystem::path& path) { write_volume(volume, path, {}); }

void write_image_series(const std::vector<ImageVolume>& volumes, const std::filesystem::path& path, double time_step_s,
                        const NiftiWriteOptions& options) {
  check_series(volumes, path);
  std::vector<detail::ByteRange> voxels;
  for (const auto& v : volumes) voxels.push_back(bytes_of(v));
  auto layout = layout_of(volumes.front());
  layout.volumes = volumes.size();
  layout.time_step_s = time_step_s;
  detail::write_nifti(path, layout, voxels, options);
}

bool write_image_series_as_integers(const std::vector<ImageVolume>& volumes, const std::filesystem::path& path,
                                    double time_step_s, const IntegerScaling& scaling, const NiftiWriteOptions& options) {
  check_series(volumes, path);
  StoredIntegers stored;
  stored.bits.reserve(volumes.size() * volumes.front().voxels.size());
  bool exact = scaling.slope != 0.0 && std::isfinite(scaling.slope) && std::isfinite(scaling.intercept);
  for (std::size_t v = 0; v < volumes.size() && exact; ++v) exact = append_stored_integers(volumes[v].voxels, scaling, stored);
  const bool fits_int16 = stored.min >= -32768 && stored.max <= 32767;
  if (!exact || (!fits_int16 && stored.min < 0)) {
    write_image_series(volumes, path, time_step_s, options);
    return false;
  }
  auto layout = layout_of(volumes.front());
  layout.volumes = volumes.size();
  layout.time_step_s = time_step_s;
  layout.datatype = fits_int16 ? DT_INT16 : DT_UINT16;
  layout.bits_per_voxel = 16;
  layout.scl_slope = static_cast<float>(scaling.slope);
  layout.scl_inter = static_cast<float>(scaling.intercept);
  const std::size_t per_volume = volumes.front().voxels.size() * sizeof(std::uint16_t);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(stored.bits.data());
  std::vector<detail::ByteRange> voxels;
  for (std::size_t v = 0; v < volumes.size(); ++v) voxels.push_back({bytes + v * per_volume, per_volume});
  detail::write_nifti(path, layout, voxels, options);
  return true;
}
ImageVolume read_image(const std::filesystem::path& path) { return read_volume<float>(path); }
LabelVolume read_labels(const std::filesystem::path& path) { return to_labels(read_volume<float>(path), path); }

}  // namespace myo::core
