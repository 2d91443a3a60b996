#pragma once
// NIfTI (.nii/.nii.gz) and NRRD reading and writing through ITK. Geometry is kept exactly (ITK converts
// NIfTI's RAS to LPS on read and back on write).
#include <filesystem>

#include "myo/core/volume.hpp"

namespace myo::core {

void write_image(const ImageVolume& volume, const std::filesystem::path& path);  // atomic
void write_labels(const LabelVolume& volume, const std::filesystem::path& path);  // atomic
[[nodiscard]] ImageVolume read_image(const std::filesystem::path& path);
[[nodiscard]] LabelVolume read_labels(const std::filesystem::path& path);

}  // namespace myo::core
