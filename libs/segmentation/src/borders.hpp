#pragma once
// Clean-up of the group borders after the watershed: the septum line between two groups, and the fat rim of the
// thin superficial straps (sartorius, gracilis, tensor fasciae latae).
#include <cstdint>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::segmentation::detail {

// Per slice, wherever two groups touch (in-plane neighbours with different non-zero labels), the more fat-like voxel
// of the pair is the septum between them and is labelled 0 (ties: the first in memory order). Every pair is judged on
// the labels as they came in, so the line is one voxel wide and no two groups stay in-plane neighbours. Expert
// labels leave this line out of both muscles, and it is fat, not muscle.
void clear_septum_lines(core::LabelVolume& labels, const core::ImageVolume& fat_likeness);

// Per slice, a voxel of one of `straps` on the edge of its group (next to another label or none) is taken off the
// group when it is at least `limit` fat-like and `margin` more fat-like than that group's median on the slice: it
// is the septum or the fat under the fascia around a band a few voxels thick, not muscle. Peeled one layer per
// pass, at most `passes` layers, so fat inside the band and a fatty-replaced strap (high median) stay.
void peel_strap_rims(core::LabelVolume& labels, const core::ImageVolume& fat_likeness,
                     const std::vector<std::uint16_t>& straps, double limit, double margin, int passes);

}  // namespace myo::segmentation::detail
