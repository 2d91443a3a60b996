#pragma once
// NIfTI (.nii/.nii.gz) and NRRD reading and writing through ITK. Geometry is kept exactly (ITK converts
// NIfTI's RAS to LPS on read and back on write).
#include <filesystem>

#include "myo/core/volume.hpp"

namespace myo::core {

void write_image(const ImageVolume& volume, const std::filesystem::path& path);  // atomic
void write_labels(const LabelVolume& volume, const std::filesystem::path& path);  // atomic
// Readers check the file against its header first (truncated or corrupt gzip, data shorter than declared, a header
// declaring more voxels than the file could hold): an input error naming the file, before the image is allocated.
[[nodiscard]] ImageVolume read_image(const std::filesystem::path& path);
// A label map of any voxel type: values within 0.01 of an integer 0..65535; any other value (NaN, negative, 2^40,
// 3.5) is an input error naming the file and the values.
[[nodiscard]] LabelVolume read_labels(const std::filesystem::path& path);

}  // namespace myo::core
