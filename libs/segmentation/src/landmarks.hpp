#pragma once
// Landmarks read from the image and the labels: the body's midline (which side a muscle is on), the crotch (levels
// in the figures count from it) and the femur where the muscles enclose it (context in the 3D map).
#include <optional>

#include "inference.hpp"
#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"

namespace myo::segmentation::detail {

// LPS x of the body's midline: the median over slices of the centre of the body's extent along x.
[[nodiscard]] double body_midline_x(const std::vector<BodyExtent>& extents);

// Per slice: is the body (voxels of `image` above `threshold`) two separate thighs of similar size?
[[nodiscard]] std::vector<bool> separate_thighs(const core::ImageVolume& image, float threshold);

// One thigh alone in the field of view (the body narrower than two thighs on most slices and never two separate
// thighs): its side, from where it lies relative to the table's centre (LPS x = 0). None when both are there.
[[nodiscard]] std::optional<core::Side> single_limb_side(const std::vector<BodyExtent>& extents,
                                                         const std::vector<bool>& separate);

// The highest level at which the body is two separate thighs, counting down from the top slice; none when the top
// slice already shows separate thighs (the crotch is not in the images) or none does.
[[nodiscard]] std::optional<double> crotch_z(const core::Geometry& g, const std::vector<bool>& separate);

// The crotch lies near the iliopsoas's insertion (the lesser trochanter); a crotch far from it is the body
// outline's mistake (thighs pressed together separate only towards the knee). None when implausible.
[[nodiscard]] std::optional<double> plausible_crotch(std::optional<double> crotch_z_mm,
                                                     const core::LabelVolume& muscle_labels);

// Per slice, holes in the muscles of 1.5 to 25 cm2 that are roughly round: the femoral shaft. Display only.
[[nodiscard]] core::MaskVolume enclosed_femur(const core::LabelVolume& muscle_labels);

}  // namespace myo::segmentation::detail
