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

// A strap whose fat rim is peeled, and how its own fat-likeness on a slice is judged: the `own_quantile` of its voxels
// that are not on its edge (0.5, the median, for a band; higher for a belly, whose fatty replacement is patchy and
// reaches its edge).
struct StrapRim {
  std::uint16_t label = 0;
  double own_quantile = 0.5;
};

// Per slice, a voxel of one of `straps` on the edge of its group (next to another label or none) is taken off the
// group when it is at least `limit` fat-like and `margin` more fat-like than that group's own fat-likeness on the
// slice: it is the septum or the fat under the fascia around a band a few voxels thick, not muscle. Peeled one layer
// per pass, at most `passes` layers, so fat inside the band and a fatty-replaced strap (high own fat-likeness) stay.
void peel_strap_rims(core::LabelVolume& labels, const core::ImageVolume& fat_likeness,
                     const std::vector<StrapRim>& straps, double limit, double margin, int passes);

}  // namespace myo::segmentation::detail
