#include "borders.hpp"

#include <algorithm>
#include <map>

namespace myo::segmentation::detail {

void clear_septum_lines(core::LabelVolume& labels, const core::ImageVolume& fat_likeness) {
  const core::Geometry& g = labels.geometry;
  const auto nx = static_cast<std::ptrdiff_t>(g.size[0]), ny = static_cast<std::ptrdiff_t>(g.size[1]);
  const std::ptrdiff_t per_slice = nx * ny;
  std::vector<std::uint8_t> septum(static_cast<std::size_t>(per_slice));
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    std::uint16_t* lab = labels.voxels.data() + static_cast<std::ptrdiff_t>(k) * per_slice;
    const float* fat = fat_likeness.voxels.data() + static_cast<std::ptrdiff_t>(k) * per_slice;
    std::fill(septum.begin(), septum.end(), 0);
    const auto judge = [&](std::ptrdiff_t a, std::ptrdiff_t b) {
      if (lab[a] == 0 || lab[b] == 0 || lab[a] == lab[b]) return;
      septum[static_cast<std::size_t>(fat[a] >= fat[b] ? a : b)] = 1;
    };
    for (std::ptrdiff_t y = 0; y < ny; ++y)
      for (std::ptrdiff_t x = 0; x < nx; ++x) {
        const std::ptrdiff_t p = y * nx + x;
        if (x + 1 < nx) judge(p, p + 1);
        if (y + 1 < ny) judge(p, p + nx);
      }
    for (std::ptrdiff_t p = 0; p < per_slice; ++p)
      if (septum[static_cast<std::size_t>(p)]) lab[p] = 0;
  }
}

void peel_strap_rims(core::LabelVolume& labels, const core::ImageVolume& fat_likeness,
                     const std::vector<StrapRim>& straps, double limit, double margin, int passes) {
  const core::Geometry& g = labels.geometry;
  const int nx = static_cast<int>(g.size[0]), ny = static_cast<int>(g.size[1]);
  const std::ptrdiff_t per_slice = static_cast<std::ptrdiff_t>(nx) * ny;
  const auto strap_of = [&](std::uint16_t l) {
    const auto it = std::find_if(straps.begin(), straps.end(), [&](const StrapRim& s) { return s.label == l; });
    return it == straps.end() ? nullptr : &*it;
  };
  std::map<std::uint16_t, std::vector<float>> own;
  std::map<std::uint16_t, float> level;
  std::vector<std::ptrdiff_t> peel;
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    std::uint16_t* lab = labels.voxels.data() + static_cast<std::ptrdiff_t>(k) * per_slice;
    const float* fat = fat_likeness.voxels.data() + static_cast<std::ptrdiff_t>(k) * per_slice;
    const auto on_edge = [&](int x, int y, std::ptrdiff_t p) {
      const std::uint16_t l = lab[p];
      return x == 0 || y == 0 || x + 1 == nx || y + 1 == ny || lab[p - 1] != l || lab[p + 1] != l ||
             lab[p - nx] != l || lab[p + nx] != l;
    };
    // Each strap's own tissue on this slice: its voxels off its edge, where no rim fat lies.
    own.clear();
    level.clear();
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) {
        const std::ptrdiff_t p = static_cast<std::ptrdiff_t>(y) * nx + x;
        if (lab[p] == 0 || strap_of(lab[p]) == nullptr) continue;
        auto& values = own[lab[p]];
        if (!on_edge(x, y, p)) values.push_back(fat[p]);
      }
    if (own.empty()) continue;
    for (auto& [label, values] : own) {
      float own_fat = 0.0F;  // a strap all edge on this slice: judged as muscle
      if (!values.empty()) {
        const auto rank = std::min(values.size() - 1,
                                   static_cast<std::size_t>(strap_of(label)->own_quantile * static_cast<double>(values.size())));
        const auto at = values.begin() + static_cast<std::ptrdiff_t>(rank);
        std::nth_element(values.begin(), at, values.end());
        own_fat = *at;
      }
      level[label] = std::max(static_cast<float>(limit), own_fat + static_cast<float>(margin));
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
          if (on_edge(x, y, p)) peel.push_back(p);
        }
      if (peel.empty()) break;
      for (const std::ptrdiff_t p : peel) lab[p] = 0;
    }
  }
}

}  // namespace myo::segmentation::detail
