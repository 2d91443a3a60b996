#pragma once
// Functional groups that the multi-frame result writers (SEG, parametric map) build alike: plane orientation and
// pixel measures of the grid, each frame's position, its derivation from a source image, and the referenced source
// series. Private to libs/dicom.
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmiod/iodmacro.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"
#include "result_common.hpp"

namespace myo::dicom::detail {

// Row and column cosines of `grid` (PlaneOrientationSequence).
[[nodiscard]] std::unique_ptr<FGPlaneOrientationPatient> plane_orientation(const core::Geometry& grid,
                                                                           const std::string& subject);
// Pixel spacing, slice thickness and spacing of `grid` (PixelMeasuresSequence).
[[nodiscard]] std::unique_ptr<FGPixelMeasures> pixel_measures(const core::Geometry& grid, const std::string& subject);
// ImagePositionPatient of slice k of `grid`.
[[nodiscard]] std::unique_ptr<FGPlanePosPatient> slice_position(const core::Geometry& grid, std::size_t k,
                                                                const std::string& subject);
// One DerivationImageSequence item: `how` (e.g. DCM 113076 "Segmentation"), from `image` as the source image for
// image processing.
void add_derivation(FGDerivationImage& derivation, const CodeSequenceMacro& how, const SourceImage& image,
                    const std::string& subject);
// The source series with its images that some slice derives from (ReferencedSeriesSequence item); null when none
// does. `once` lists an image referenced by several slices once.
[[nodiscard]] std::unique_ptr<IODSeriesAndInstanceReferenceMacro::ReferencedSeriesItem> referenced_series(
    const SourceContext& source, const std::vector<const SourceImage*>& per_slice, bool once,
    const std::string& subject);

}  // namespace myo::dicom::detail
