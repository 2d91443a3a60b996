#pragma once
// The NIfTI-1 writer behind write_image / write_labels / write_image_series: header built here, voxels written
// straight from memory, gzip in parallel (gzip_parallel.hpp) for ".nii.gz", as is for ".nii".
#include <cstdint>
#include <filesystem>
#include <vector>

#include "gzip_parallel.hpp"
#include "myo/core/geometry.hpp"
#include "myo/core/nifti_io.hpp"

namespace myo::core::detail {

struct NiftiLayout {
  Geometry geometry;          // LPS; written as RAS qform and sform (NIFTI_XFORM_SCANNER_ANAT), as ITK does
  std::size_t volumes = 1;    // > 1: a 4D file
  double time_step_s = 0.0;   // pixdim[4] of a 4D file
  short datatype = 16;        // DT_FLOAT32, DT_INT16 or DT_UINT16
  short bits_per_voxel = 32;
  float scl_slope = 1.0F;     // value = scl_inter + scl_slope x stored
  float scl_inter = 0.0F;
};

// True for names ending in .nii or .nii.gz (the formats this writer handles; others go through ITK).
[[nodiscard]] bool is_nifti_name(const std::filesystem::path& path);

// Writes header and voxel buffers (one per volume, x fastest, native little-endian) atomically to `target`.
void write_nifti(const std::filesystem::path& target, const NiftiLayout& layout,
                 const std::vector<ByteRange>& voxels, const NiftiWriteOptions& options);

}  // namespace myo::core::detail
