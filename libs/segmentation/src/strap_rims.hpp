#pragma once
// Clean-up of the thin superficial straps (sartorius, gracilis, tensor fasciae latae) after the watershed.
#include <cstdint>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::segmentation::detail {

// Per slice, a voxel of one of `straps` on the edge of its group (next to another label or none) is taken off the
// group when it is at least `limit` fat-like and `margin` more fat-like than that group's median on the slice: it
// is the septum or the fat under the fascia around a band a few voxels thick, not muscle. Peeled one layer per
// pass, at most `passes` layers, so fat inside the band and a fatty-replaced strap (high median) stay.
void peel_strap_rims(core::LabelVolume& labels, const core::ImageVolume& fat_likeness,
                     const std::vector<std::uint16_t>& straps, double limit, double margin, int passes);

}  // namespace myo::segmentation::detail
