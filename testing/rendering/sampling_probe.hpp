#pragma once
// What the bit-exact sampling tests share: a comparison of doubles to the bit and a volume of random values.
#include <cstring>
#include <limits>
#include <random>

#include "myo/core/volume.hpp"

namespace myo::testing {

[[nodiscard]] inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Random values on `g`, one of them NaN (skipped by every interpolation, wherever it falls).
[[nodiscard]] inline core::ImageVolume random_image(const core::Geometry& g, std::mt19937& random) {
  core::ImageVolume volume(g);
  std::uniform_real_distribution<float> value(-50.0F, 900.0F);
  for (auto& v : volume.voxels) v = value(random);
  volume.voxels[3] = std::numeric_limits<float>::quiet_NaN();
  return volume;
}

}  // namespace myo::testing
