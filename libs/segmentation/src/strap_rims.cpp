#include "strap_rims.hpp"

#include <algorithm>
#include <map>

namespace myo::segmentation::detail {

void peel_strap_rims(core::LabelVolume& labels, const core::ImageVolume& fat_likeness,
                     const std::vector<std::uint16_t>& straps, double limit, double margin, int passes) {
  const core::Geometry& g = labels.geometry;
  const int nx = static_cast<int>(g.size[0]), ny = static_cast<int>(g.size[1]);
  const std::ptrdiff_t per_slice = static_cast<std::ptrdiff_t>(nx) * ny;
  const auto is_strap = [&](std::uint16_t l) { return std::find(straps.begin(), straps.end(), l) != straps.end(); };
  std::map<std::uint16_t, std::vector<float>> own;
  std::map<std::uint16_t, float> level;
  std::vector<std::ptrdiff_t> peel;
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    std::uint16_t* lab = labels.voxels.data() + static_cast<std::ptrdiff_t>(k) * per_slice;
    const float* fat = fat_likeness.voxels.data() + static_cast<std::ptrdiff_t>(k) * per_slice;
    // Each strap's own tissue on this slice.
    own.clear();
    level.clear();
    for (std::ptrdiff_t p = 0; p < per_slice; ++p)
      if (lab[p] != 0 && is_strap(lab[p])) own[lab[p]].push_back(fat[p]);
    if (own.empty()) continue;
    for (auto& [label, values] : own) {
      const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
      std::nth_element(values.begin(), mid, values.end());
      level[label] = std::max(static_cast<float>(limit), *mid + static_cast<float>(margin));
    }
    for (int pass = 0; pass < passes; ++pass) {
      peel.clear();
      for (int y = 0; y < ny; ++y)
        for (int x = 0; x < nx; ++x) {
          const std::ptrdiff_t p = static_cast<std::ptrdiff_t>(y) * nx + x;
          const std::uint16_t l = lab[p];
          if (l == 0) continue;
          const auto it = level.find(l);
          if (it == level.end() || fat[p] < it->second) continue;
          const bool edge = x == 0 || y == 0 || x + 1 == nx || y + 1 == ny || lab[p - 1] != l || lab[p + 1] != l ||
                            lab[p - nx] != l || lab[p + nx] != l;
          if (edge) peel.push_back(p);
        }
      if (peel.empty()) break;
      for (const std::ptrdiff_t p : peel) lab[p] = 0;
    }
  }
}

}  // namespace myo::segmentation::detail
