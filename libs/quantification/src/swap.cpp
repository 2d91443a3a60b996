#include "myo/quantification/swap.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

#include "myo/core/statistics.hpp"

namespace myo::quantification {

SwapDetection detect_water_fat_swaps(const core::LabelVolume& labels, const core::ImageVolume& water,
                                     const core::ImageVolume& fat, const SwapDetectionParams& params) {
  const auto& g = labels.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1], nz = g.size[2], per_slice = nx * ny, n = g.voxel_count();
  SwapDetection out;
  out.swapped = core::MaskVolume(g, 0);
  if (n == 0) return out;

  // Body: total signal (the same after a swap) above a third of labelled muscle's.
  std::vector<float> total(n);
  std::vector<float> muscle_total;
  for (std::size_t i = 0; i < n; ++i) {
    total[i] = water.voxels[i] + fat.voxels[i];
    if (labels.voxels[i] && i % 7 == 0) muscle_total.push_back(total[i]);
  }
  if (muscle_total.size() < 100) return out;
  const float body_level = static_cast<float>(0.3 * core::percentile(muscle_total, 0.5));
  const auto body = [&](std::size_t i) { return total[i] > body_level; };
  const auto raw_ff = [&](std::size_t i) { return total[i] > 0 ? fat.voxels[i] / total[i] : 0.0F; };

  // Probe layer per slice: body voxels a few mm below the skin surface (4-connected distance from the air that
  // touches the image border), not labelled muscle.
  const double pixel_mm = std::max(0.1, std::min(g.spacing_mm[0], g.spacing_mm[1]));
  const auto max_steps = static_cast<int>(std::ceil(params.probe_depth_max_mm / pixel_mm));
  std::vector<std::uint8_t> probe(n, 0);
  {
    std::vector<int> depth(per_slice);
    std::deque<std::size_t> queue;
    for (std::size_t k = 0; k < nz; ++k) {
      const std::size_t base = k * per_slice;
      std::fill(depth.begin(), depth.end(), -1);
      queue.clear();
      const auto seed_air = [&](std::size_t p) {
        if (depth[p] < 0 && !body(base + p)) {
          depth[p] = 0;
          queue.push_back(p);
        }
      };
      for (std::size_t x = 0; x < nx; ++x) seed_air(x), seed_air((ny - 1) * nx + x);
      for (std::size_t y = 0; y < ny; ++y) seed_air(y * nx), seed_air(y * nx + nx - 1);
      // Air connected to the border (flood), then depth into the body, both by breadth-first search.
      while (!queue.empty()) {
        const std::size_t p = queue.front();
        queue.pop_front();
        const std::size_t x = p % nx, y = p / nx;
        const bool air = !body(base + p);
        for (const auto& [dx, dy] : {std::pair{-1, 0}, {1, 0}, {0, -1}, {0, 1}}) {
          if ((dx < 0 && x == 0) || (dx > 0 && x + 1 == nx) || (dy < 0 && y == 0) || (dy > 0 && y + 1 == ny)) continue;
          const std::size_t q = static_cast<std::size_t>(static_cast<long>(p) + dx + dy * static_cast<long>(nx));
          if (depth[q] >= 0) continue;
          const bool q_air = !body(base + q);
          if (air && q_air) {
            depth[q] = 0;
            queue.push_front(q);  // keep the flood ahead of the depth steps
          } else if (!q_air && depth[p] < max_steps) {
            depth[q] = depth[p] + 1;
            queue.push_back(q);
          }
        }
      }
      for (std::size_t p = 0; p < per_slice; ++p) {
        const double d = depth[p] * pixel_mm;
        if (depth[p] > 0 && d >= params.probe_depth_min_mm && d <= params.probe_depth_max_mm && !labels.voxels[base + p])
          probe[base + p] = 1;
      }
    }
  }

  // Blocks.
  const auto block_of = [&](int axis) {
    return static_cast<std::size_t>(std::max(1L, std::lround(params.block_mm / g.spacing_mm[static_cast<std::size_t>(axis)])));
  };
  const std::size_t bx = block_of(0), by = block_of(1), bz = block_of(2);
  const std::size_t mx = (nx + bx - 1) / bx, my = (ny + by - 1) / by, mz = (nz + bz - 1) / bz, nb = mx * my * mz;
  std::vector<std::uint32_t> votes(nb, 0), votes_water(nb, 0), body_count(nb, 0), muscle_count(nb, 0), inverted(nb, 0);
  const auto block_index = [&](std::size_t i) {
    const std::size_t x = i % nx, y = (i / nx) % ny, z = i / per_slice;
    return x / bx + mx * (y / by + my * (z / bz));
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (!body(i)) continue;
    const std::size_t b = block_index(i);
    ++body_count[b];
    const float ff = raw_ff(i);
    // What a swap looks like inside: muscle reading fatty. (Unlabelled tissue is no guide there: vessels run the
    // length of the thigh and read watery either way.)
    if (labels.voxels[i]) {
      ++muscle_count[b];
      if (ff > 0.5F) ++inverted[b];
    }
    if (probe[i]) {
      ++votes[b];
      if (ff < 0.5F) ++votes_water[b];
    }
  }
  // Pool the probe votes around each block.
  const auto r = static_cast<long>(std::ceil(params.evidence_radius_mm / std::max(1.0, params.block_mm)));
  enum : std::uint8_t { unknown = 0, swapped_evidence = 1, clean_evidence = 2 };
  std::vector<std::uint8_t> evidence(nb, unknown);
  for (std::size_t cz = 0; cz < mz; ++cz)
    for (std::size_t cy = 0; cy < my; ++cy)
      for (std::size_t cx = 0; cx < mx; ++cx) {
        const std::size_t b = cx + mx * (cy + my * cz);
        if (!body_count[b]) continue;
        double v = 0, w = 0;
        for (long dz = -r; dz <= r; ++dz)
          for (long dy = -r; dy <= r; ++dy)
            for (long dx = -r; dx <= r; ++dx) {
              const long x = static_cast<long>(cx) + dx, y = static_cast<long>(cy) + dy, z = static_cast<long>(cz) + dz;
              if (x < 0 || y < 0 || z < 0 || x >= static_cast<long>(mx) || y >= static_cast<long>(my) ||
                  z >= static_cast<long>(mz))
                continue;
              const auto o = static_cast<std::size_t>(x) + mx * (static_cast<std::size_t>(y) + my * static_cast<std::size_t>(z));
              v += votes[o];
              w += votes_water[o];
            }
        if (v < 10) continue;
        if (w / v > params.swapped_vote) evidence[b] = swapped_evidence;
        else if (w / v < params.unswapped_vote) evidence[b] = clean_evidence;
      }

  // Grow from the swapped evidence through connected blocks that look swapped, never into clean evidence.
  std::vector<int> region(nb, -1);
  int region_count = 0;
  std::vector<std::size_t> stack;
  const auto neighbours = [&](std::size_t b, auto&& visit) {
    const std::size_t x = b % mx, y = (b / mx) % my, z = b / (mx * my);
    if (x > 0) visit(b - 1);
    if (x + 1 < mx) visit(b + 1);
    if (y > 0) visit(b - mx);
    if (y + 1 < my) visit(b + mx);
    if (z > 0) visit(b - mx * my);
    if (z + 1 < mz) visit(b + mx * my);
  };
  for (std::size_t s = 0; s < nb; ++s) {
    if (evidence[s] != swapped_evidence || region[s] >= 0) continue;
    region[s] = region_count;
    stack.assign(1, s);
    while (!stack.empty()) {
      const std::size_t b = stack.back();
      stack.pop_back();
      neighbours(b, [&](std::size_t o) {
        if (region[o] >= 0 || !body_count[o] || evidence[o] == clean_evidence) return;
        if (evidence[o] != swapped_evidence &&
            (muscle_count[o] == 0 || inverted[o] < params.grow_inverted_share * muscle_count[o]))
          return;
        region[o] = region_count;
        stack.push_back(o);
      });
    }
    ++region_count;
  }
  if (region_count == 0) return out;
  // Fat-replaced muscle inside a swapped region reads watery (not "inverted") and is not grown into: fill such holes,
  // blocks with muscle that are mostly surrounded by the region (5 of 6 neighbours), until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t b = 0; b < nb; ++b) {
      if (region[b] >= 0 || !muscle_count[b] || evidence[b] == clean_evidence) continue;
      int inside = 0, id = -1;
      neighbours(b, [&](std::size_t o) {
        if (region[o] >= 0) ++inside, id = region[o];
      });
      if (inside >= 5) region[b] = id, changed = true;
    }
  }

  // Voxels: body voxels of swapped blocks; muscle on a border block takes the hypothesis closer to its muscle's
  // fat fraction away from the border.
  std::vector<std::uint8_t> border(nb, 0);
  for (std::size_t b = 0; b < nb; ++b)
    neighbours(b, [&](std::size_t o) {
      if ((region[b] >= 0) != (region[o] >= 0)) border[b] = 1;
    });
  std::vector<std::vector<float>> label_ff(65536);
  for (std::size_t i = 0; i < n; i += 2) {
    const auto label = labels.voxels[i];
    const std::size_t b = block_index(i);
    if (!label || border[b] || !body(i)) continue;
    const float ff = raw_ff(i);
    label_ff[label].push_back(region[b] >= 0 ? 1.0F - ff : ff);
  }
  std::vector<float> label_median(65536, -1.0F);
  for (std::size_t l = 0; l < label_ff.size(); ++l)
    if (!label_ff[l].empty()) label_median[l] = static_cast<float>(core::percentile(label_ff[l], 0.5));
  // On border blocks each muscle voxel takes the hypothesis closer to its muscle's FF, unless two thirds of its 3x3
  // patch in the slice say otherwise: a fat streak in a swapped muscle looks like healthy muscle unswapped, and only
  // its neighbours tell.
  const std::size_t px = (nx + 2) / 3, py = (ny + 2) / 3;
  const auto patch_of = [&](std::size_t i) {
    return (i % nx) / 3 + px * (((i / nx) % ny) / 3 + py * (i / per_slice));
  };
  std::vector<std::uint8_t> patch_flip(px * py * nz, 0), patch_count(px * py * nz, 0);
  const auto own_flip = [&](std::size_t i) {
    const float ff = raw_ff(i), median = label_median[labels.voxels[i]];
    return std::abs((1.0F - ff) - median) < std::abs(ff - median);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const auto label = labels.voxels[i];
    if (!label || !border[block_index(i)] || label_median[label] < 0 || !body(i)) continue;
    const std::size_t p = patch_of(i);
    ++patch_count[p];
    if (own_flip(i)) ++patch_flip[p];
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!body(i)) continue;
    const std::size_t b = block_index(i);
    bool swap = region[b] >= 0;
    if (border[b] && labels.voxels[i] && label_median[labels.voxels[i]] >= 0) {
      const std::size_t p = patch_of(i);
      swap = own_flip(i);
      if (patch_count[p] >= 4 && 3 * patch_flip[p] >= 2 * patch_count[p]) swap = true;
      if (patch_count[p] >= 4 && 3 * patch_flip[p] <= patch_count[p]) swap = false;
    }
    if (swap) out.swapped.voxels[i] = 1;
  }

  // Regions as connected swapped blocks (a border voxel belongs to its block's region or its neighbour's).
  std::vector<SwapRegion> regions(static_cast<std::size_t>(region_count));
  std::vector<double> x_sum(regions.size(), 0), count(regions.size(), 0);
  std::vector<bool> seen(regions.size(), false);
  const double voxel_ml = g.voxel_volume_ml();
  // The body midline: the median x of muscle (both thighs are labelled).
  std::vector<float> muscle_x;
  for (std::size_t i = 0; i < n; i += 7)
    if (labels.voxels[i]) muscle_x.push_back(static_cast<float>(i % nx));
  const double mid_x = core::percentile(muscle_x, 0.5);
  for (std::size_t i = 0; i < n; ++i) {
    if (!out.swapped.voxels[i]) continue;
    const std::size_t b = block_index(i);
    int id = region[b];
    if (id < 0) neighbours(b, [&](std::size_t o) { if (region[o] >= 0) id = region[o]; });
    if (id < 0) continue;
    auto& reg = regions[static_cast<std::size_t>(id)];
    const auto index = static_cast<std::size_t>(id);
    const double z = g.index_to_physical({static_cast<double>(i % nx), static_cast<double>((i / nx) % ny),
                                          static_cast<double>(i / per_slice)})[2];
    if (!seen[index]) reg.z_min_mm = reg.z_max_mm = z, seen[index] = true;
    reg.z_min_mm = std::min(reg.z_min_mm, z);
    reg.z_max_mm = std::max(reg.z_max_mm, z);
    reg.volume_ml += voxel_ml;
    if (labels.voxels[i]) reg.muscle_volume_ml += voxel_ml;
    x_sum[index] += (static_cast<double>(i % nx) < mid_x) ? -1 : 1;
    count[index] += 1;
  }
  // Image columns run along +x (patient left) on the axial grids MyoScope uses; decide the side in physical space.
  const auto column_is_left = [&] {
    const auto a = g.index_to_physical({0, 0, 0}), b = g.index_to_physical({1, 0, 0});
    return b[0] > a[0];
  }();
  for (std::size_t id = 0; id < regions.size(); ++id) {
    auto& reg = regions[id];
    if (reg.volume_ml < params.min_region_ml) continue;
    const double balance = count[id] > 0 ? x_sum[id] / count[id] : 0;
    if (std::abs(balance) < 0.6) reg.side = "both";
    else reg.side = (balance > 0) == column_is_left ? "left" : "right";
    out.regions.push_back(reg);
  }
  // Regions too small to report are not corrected either.
  if (out.regions.size() != regions.size()) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!out.swapped.voxels[i]) continue;
      const int id = region[block_index(i)];
      if (id >= 0 && regions[static_cast<std::size_t>(id)].volume_ml < params.min_region_ml) out.swapped.voxels[i] = 0;
    }
  }
  return out;
}

}  // namespace myo::quantification
