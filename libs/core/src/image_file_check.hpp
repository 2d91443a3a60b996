#pragma once
// Checks an image file against its own header before anything allocates the image (nifti_io.cpp's readers).
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace myo::core::detail {

// Refuses, as an input error naming the file, an image file whose data cannot be what its header declares
// (`declared_bytes` of voxels): a header declaring more than the file could hold even compressed (memory stays bounded
// by the file's size, not by its header), a truncated or corrupt gzip stream, or data ending before the last voxel.
// NRRD headers with a detached data file are left to ITK.
void check_image_data(const std::filesystem::path& path, std::uint64_t declared_bytes);

// NIfTI's reader (niftilib) turns NaN and infinite floats into 0 without a word. The number of such voxels in a
// NIfTI-1 file of floats, counted in the file itself; 0 for other files.
[[nodiscard]] std::size_t nifti_non_finite_voxels(const std::filesystem::path& path);

}  // namespace myo::core::detail
