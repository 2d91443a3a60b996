#pragma once
// NIfTI (.nii/.nii.gz) and NRRD reading through ITK; NIfTI writing by MyoScope's own writer (gzip compressed in
// parallel), NRRD writing through ITK. Geometry is kept exactly (NIfTI's RAS becomes LPS on read and back on write).
#include <filesystem>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::core {

// How NIfTI is written. The file name decides the format: ".nii.gz" is gzip (independent members compressed in
// parallel, readable by every gzip reader), ".nii" is uncompressed.
struct NiftiWriteOptions {
  int compression_level = 1;  // gzip level, 1 (fastest) .. 12 (smallest); maps and labels compress well at 1
  unsigned threads = 0;       // compression threads; 0: the process-wide count
};

void write_image(const ImageVolume& volume, const std::filesystem::path& path);  // atomic
void write_image(const ImageVolume& volume, const std::filesystem::path& path, const NiftiWriteOptions& options);
// Several volumes on one grid as one 4D NIfTI, in the given order; `time_step_s` becomes pixdim[4]. Atomic.
void write_image_series(const std::vector<ImageVolume>& volumes, const std::filesystem::path& path, double time_step_s,
                        const NiftiWriteOptions& options = {});
void write_labels(const LabelVolume& volume, const std::filesystem::path& path);  // atomic
// Readers check the file against its header first (truncated or corrupt gzip, data shorter than declared, a header
// declaring more voxels than the file could hold): an input error naming the file, before the image is allocated.
[[nodiscard]] ImageVolume read_image(const std::filesystem::path& path);
// A label map of any voxel type: values within 0.01 of an integer 0..65535; any other value (NaN, negative, 2^40,
// 3.5) is an input error naming the file and the values.
[[nodiscard]] LabelVolume read_labels(const std::filesystem::path& path);

}  // namespace myo::core
