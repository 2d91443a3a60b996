#pragma once
// Plain value types for images: voxels in x-fastest order plus their geometry.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "myo/core/geometry.hpp"

namespace myo::core {

template <class T>
struct Volume {
  Geometry geometry;
  std::vector<T> voxels;

  Volume() = default;
  explicit Volume(const Geometry& g, T fill = T{}) : geometry(g), voxels(g.voxel_count(), fill) {}

  [[nodiscard]] bool empty() const { return voxels.empty(); }
  [[nodiscard]] T& at(std::size_t i, std::size_t j, std::size_t k) { return voxels[geometry.linear_index(i, j, k)]; }
  [[nodiscard]] const T& at(std::size_t i, std::size_t j, std::size_t k) const {
    return voxels[geometry.linear_index(i, j, k)];
  }
  // Throws when the voxel buffer does not match the geometry: a cheap guard at library boundaries.
  void check() const {
    if (voxels.size() != geometry.voxel_count()) throw std::logic_error("volume buffer does not match its geometry");
  }
};

using ImageVolume = Volume<float>;
using LabelVolume = Volume<std::uint16_t>;
using MaskVolume = Volume<std::uint8_t>;

// A 0/1 mask of the voxels above `above`, on the same grid: a mask read back from a NIfTI file as floats (0.5
// splits 0 from 1), or every labelled voxel of a label map.
template <class T>
[[nodiscard]] MaskVolume to_mask(const Volume<T>& volume, double above = 0.5) {
  MaskVolume mask(volume.geometry, 0);
  for (std::size_t i = 0; i < volume.voxels.size(); ++i)
    mask.voxels[i] = static_cast<double>(volume.voxels[i]) > above ? 1 : 0;
  return mask;
}

}  // namespace myo::core
