#pragma once
// NIfTI holding the scanner's stored integers: 16-bit voxels with scl_slope/scl_inter, as dcm2niix writes DICOM
// conversions. Written by the same writer as nifti_io.hpp (atomic, gzip in parallel for ".nii.gz").
#include <filesystem>
#include <vector>

#include "myo/core/nifti_io.hpp"
#include "myo/core/volume.hpp"

namespace myo::core {

// The rescale that turns stored integers into the values: value = intercept + slope x stored (DICOM's
// RescaleSlope/RescaleIntercept, NIfTI's scl_slope/scl_inter).
struct IntegerScaling {
  double slope = 1.0;
  double intercept = 0.0;
};

// As write_image_series, but the voxels are stored as the scanner stored them: int16 (uint16 when values need it)
// with scl_slope/scl_inter, when every value is exactly float(intercept + slope x n) for a 16-bit integer n.
// Otherwise float32, exactly as write_image_series. Returns true when integers were written.
bool write_image_series_as_integers(const std::vector<ImageVolume>& volumes, const std::filesystem::path& path,
                                    double time_step_s, const IntegerScaling& scaling,
                                    const NiftiWriteOptions& options = {});

}  // namespace myo::core
