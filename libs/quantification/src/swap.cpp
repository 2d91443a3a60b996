#include "myo/quantification/swap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <optional>

#include "myo/core/parallel.hpp"
#include "myo/core/statistics.hpp"

namespace myo::quantification {
namespace {

// Blocks of about block_mm over the image grid.
struct Blocks {
  std::size_t nx = 0, ny = 0, nz = 0;  // voxels
  std::array<std::size_t, 3> step{}, size{};
  std::array<double, 3> block_mm{};
  Blocks(const core::Geometry& g, double block) : nx(g.size[0]), ny(g.size[1]), nz(g.size[2]) {
    for (std::size_t a = 0; a < 3; ++a) {
      step[a] = static_cast<std::size_t>(std::max(1L, std::lround(block / g.spacing_mm[a])));
      size[a] = (g.size[a] + step[a] - 1) / step[a];
      block_mm[a] = static_cast<double>(step[a]) * g.spacing_mm[a];
    }
  }
  [[nodiscard]] std::size_t count() const { return size[0] * size[1] * size[2]; }
  [[nodiscard]] std::size_t of_voxel(std::size_t i) const {
    const std::size_t x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
    return x / step[0] + size[0] * (y / step[1] + size[1] * (z / step[2]));
  }
  template <class Visit>
  void faces(std::size_t b, const Visit& visit) const {
    const std::size_t x = b % size[0], y = (b / size[0]) % size[1], z = b / (size[0] * size[1]);
    if (x > 0) visit(b - 1);
    if (x + 1 < size[0]) visit(b + 1);
    if (y > 0) visit(b - size[0]);
    if (y + 1 < size[1]) visit(b + size[0]);
    if (z > 0) visit(b - size[0] * size[1]);
    if (z + 1 < size[2]) visit(b + size[0] * size[1]);
  }
};

// Gaussian smoothing of a block map, one axis after the other (sigma in mm, truncated at three sigma).
// Each line along the axis is spread from its non-zero blocks: most of a map is empty, and an output block still
// sums its neighbours in the order of their position (a plain convolution's sum, to the bit). Lines run on the pool.
std::vector<double> smooth(const Blocks& b, std::vector<double> values, double sigma_mm) {
  for (std::size_t axis = 0; axis < 3; ++axis) {
    const double sigma = sigma_mm / b.block_mm[axis];
    const auto reach = static_cast<long>(std::ceil(3 * sigma));
    std::vector<double> kernel;
    for (long d = -reach; d <= reach; ++d)
      kernel.push_back(std::exp(-0.5 * static_cast<double>(d * d) / (sigma * sigma)));
    const std::size_t stride = axis == 0 ? 1 : axis == 1 ? b.size[0] : b.size[0] * b.size[1];
    const auto length = static_cast<long>(b.size[axis]);
    const std::size_t lines = values.size() / b.size[axis];
    // Line l starts at the block whose coordinate along the axis is 0.
    const auto line_start = [&](std::size_t l) { return l % stride + l / stride * stride * b.size[axis]; };
    std::vector<double> out(values.size(), 0.0);
    constexpr std::size_t kLinesPerTask = 64;
    core::parallel_for(static_cast<int>((lines + kLinesPerTask - 1) / kLinesPerTask), [&](int task) {
      const std::size_t end = std::min(lines, (static_cast<std::size_t>(task) + 1) * kLinesPerTask);
      for (std::size_t l = static_cast<std::size_t>(task) * kLinesPerTask; l < end; ++l) {
        const std::size_t start = line_start(l);
        for (long p = 0; p < length; ++p) {
          const double v = values[start + static_cast<std::size_t>(p) * stride];
          if (v == 0.0) continue;
          for (long q = std::max(0L, p - reach); q <= std::min(length - 1, p + reach); ++q)
            out[start + static_cast<std::size_t>(q) * stride] += kernel[static_cast<std::size_t>(p - q + reach)] * v;
        }
      }
    });
    values = std::move(out);
  }
  return values;
}

// Body voxels a few mm below the skin surface of their slice (4-connected depth from the air that touches the image
// border), not labelled muscle.
std::vector<std::uint8_t> probe_layer(const core::LabelVolume& labels, const std::vector<std::uint8_t>& body,
                                      const SwapDetectionParams& params) {
  const auto& g = labels.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1], per_slice = nx * ny;
  const double pixel_mm = std::max(0.1, std::min(g.spacing_mm[0], g.spacing_mm[1]));
  const auto max_steps = static_cast<int>(std::ceil(params.probe_depth_max_mm / pixel_mm));
  std::vector<std::uint8_t> probe(g.voxel_count(), 0);
  std::vector<int> depth(per_slice);
  std::deque<std::size_t> queue;
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    const std::size_t base = k * per_slice;
    std::fill(depth.begin(), depth.end(), -1);
    queue.clear();
    const auto seed_air = [&](std::size_t p) {
      if (depth[p] < 0 && !body[base + p]) depth[p] = 0, queue.push_back(p);
    };
    for (std::size_t x = 0; x < nx; ++x) seed_air(x), seed_air((ny - 1) * nx + x);
    for (std::size_t y = 0; y < ny; ++y) seed_air(y * nx), seed_air(y * nx + nx - 1);
    // Air connected to the border (flood, kept ahead of the depth steps), then depth into the body.
    while (!queue.empty()) {
      const std::size_t p = queue.front();
      queue.pop_front();
      const std::size_t x = p % nx, y = p / nx;
      const bool air = !body[base + p];
      for (const auto& [dx, dy] : {std::pair{-1, 0}, {1, 0}, {0, -1}, {0, 1}}) {
        if ((dx < 0 && x == 0) || (dx > 0 && x + 1 == nx) || (dy < 0 && y == 0) || (dy > 0 && y + 1 == ny)) continue;
        const std::size_t q = static_cast<std::size_t>(static_cast<long>(p) + dx + dy * static_cast<long>(nx));
        if (depth[q] >= 0) continue;
        const bool q_air = !body[base + q];
        if (air && q_air) {
          depth[q] = 0;
          queue.push_front(q);
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
  return probe;
}

struct Votes {
  std::vector<double> swapped, all;        // per block
  std::optional<std::string> undecidable;  // why no vote can be trusted in this study
};

// A local level per block from the voxels `take` selects: their mean total signal pooled at the closest of three
// scales that holds enough of them (coil bias changes across the field of view; inside a swapped stretch of skin the
// nearest fat-reading fat lies beyond its ends).
template <class Take>
std::vector<double> local_level(const Blocks& b, const std::vector<float>& total, double sigma_mm, const Take& take) {
  std::vector<double> sum(b.count(), 0.0), count(b.count(), 0.0);
  for (std::size_t i = 0; i < total.size(); ++i)
    if (take(i)) sum[b.of_voxel(i)] += total[i], count[b.of_voxel(i)] += 1;
  std::vector<double> level(b.count(), 0.0);
  for (const double scale : {1.0, 2.5, 6.0}) {
    const auto s = smooth(b, sum, scale * sigma_mm), c = smooth(b, count, scale * sigma_mm);
    for (std::size_t block = 0; block < b.count(); ++block)
      if (level[block] == 0 && c[block] >= 5.0) level[block] = s[block] / c[block];
  }
  return level;
}

// Probe voxels vote per block. Reading fat, a probe voxel is subcutaneous fat as it should read: "not swapped".
// Reading water, it is either swapped fat or the skin and muscle the probe meets where the fat is thin: it votes
// "swapped" when its total signal W+F (unchanged by a swap) is closer to that of the fat-reading probe around it
// than to that of the water-reading (lean) labelled muscle around it, else not at all. Fat and muscle differ in W+F
// by T1 weighting (fat brighter) or proton density (muscle brighter at the low flip angles of quantitative Dixon);
// where they do not differ, nothing can be told and nothing is voted.
Votes adipose_votes(const Blocks& b, const core::LabelVolume& labels, const std::vector<float>& total,
                    const std::vector<float>& raw_ff, const std::vector<std::uint8_t>& probe,
                    const SwapDetectionParams& params) {
  const auto fat_probe = [&](std::size_t i) { return probe[i] && raw_ff[i] >= 0.5F; };
  const auto lean_muscle = [&](std::size_t i) { return labels.voxels[i] && raw_ff[i] < 0.5F; };
  std::vector<float> fat_values, lean_values;
  for (std::size_t i = 0; i < total.size(); i += 3) {
    if (fat_probe(i)) fat_values.push_back(total[i]);
    if (lean_muscle(i)) lean_values.push_back(total[i]);
  }
  Votes v;
  v.swapped.assign(b.count(), 0.0);
  v.all.assign(b.count(), 0.0);
  if (lean_values.size() < 30) {
    // No lean labelled muscle (every muscle fat-replaced, or the whole study swapped): nothing to tell swapped fat
    // from muscle by. Said when much of the probe reads as water.
    std::size_t probe_count = 0, water_reading = 0;
    for (std::size_t i = 0; i < total.size(); ++i)
      if (probe[i]) ++probe_count, water_reading += raw_ff[i] < 0.5F;
    if (probe_count > 0 && water_reading * 3 > probe_count)
      v.undecidable = fmt::format(
          "water/fat swaps were not looked for: no labelled muscle reads as water, and {:.0f} % "
          "of the tissue under the skin does (water and fat exchanged for the whole study?)",
          100.0 * static_cast<double>(water_reading) / static_cast<double>(probe_count));
    return v;
  }
  if (fat_values.size() < 30) return v;
  const double ratio = core::percentile(fat_values, 0.5) / std::max(1e-6, core::percentile(lean_values, 0.5));
  if (std::abs(std::log(ratio)) < params.min_fat_muscle_contrast) {
    v.undecidable = fmt::format(
        "water/fat swaps were not looked for: fat under the skin and muscle have the same "
        "signal in these Dixon images (W+F ratio {:.2f}), so water-reading fat cannot be told "
        "from skin and muscle",
        ratio);
    return v;
  }
  // References come from where the probe around mostly reads fat: inside a swap, swapped skin and muscle read as
  // fat and swapped fatty muscle as lean, and would pull both levels towards each other.
  std::vector<double> probe_all(b.count(), 0.0), probe_fat(b.count(), 0.0);
  for (std::size_t i = 0; i < total.size(); ++i)
    if (probe[i]) probe_all[b.of_voxel(i)] += 1, probe_fat[b.of_voxel(i)] += raw_ff[i] >= 0.5F;
  probe_all = smooth(b, std::move(probe_all), params.reference_sigma_mm);
  probe_fat = smooth(b, std::move(probe_fat), params.reference_sigma_mm);
  const auto normal = [&](std::size_t i) {
    const std::size_t block = b.of_voxel(i);
    return probe_all[block] > 0 && probe_fat[block] >= 0.5 * probe_all[block];
  };
  const auto fat_level =
      local_level(b, total, params.reference_sigma_mm, [&](std::size_t i) { return fat_probe(i) && normal(i); });
  const auto lean_level =
      local_level(b, total, params.reference_sigma_mm, [&](std::size_t i) { return lean_muscle(i) && normal(i); });
  for (std::size_t i = 0; i < total.size(); ++i) {
    if (!probe[i]) continue;
    const std::size_t block = b.of_voxel(i);
    if (raw_ff[i] >= 0.5F) {
      v.all[block] += 1;
      continue;
    }
    if (fat_level[block] <= 0 || lean_level[block] <= 0 || total[i] <= 0) continue;
    const double to_fat = std::abs(std::log(total[i] / fat_level[block]));
    const double to_muscle = std::abs(std::log(total[i] / lean_level[block]));
    if (to_fat >= to_muscle) continue;
    v.all[block] += 1;
    v.swapped[block] += 1;
  }
  return v;
}

void grow_swapped_blocks(const Blocks& b, const std::vector<double>& swapped_votes,
                         const std::vector<double>& all_votes, const std::vector<std::uint8_t>& clean_block,
                         double share, double min_votes, std::vector<std::uint8_t>& swapped_block) {
  std::vector<std::size_t> stack;
  for (std::size_t block = 0; block < b.count(); ++block)
    if (swapped_block[block]) stack.push_back(block);
  while (!stack.empty()) {
    const std::size_t block = stack.back();
    stack.pop_back();
    b.faces(block, [&](std::size_t o) {
      if (swapped_block[o] || clean_block[o] || all_votes[o] < min_votes || swapped_votes[o] < share * all_votes[o])
        return;
      swapped_block[o] = 1;
      stack.push_back(o);
    });
  }
}

struct BlockDecision {
  std::vector<std::uint8_t> swapped, unsure, clean;
};

// Per block from the pooled votes: swapped where swapped_share of at least min_evidence_ml of votes read water, grown
// into the tissue below where the little evidence that reaches it says the same (thick subcutaneous fat down to the
// muscle; deep muscle far from any skin has none); clean where as many read fat; unsure where water-reading votes are
// too few to decide.
BlockDecision decide_blocks(const Blocks& b, const Votes& votes, double voxel_ml, const SwapDetectionParams& params) {
  const auto swapped_votes = smooth(b, votes.swapped, params.evidence_sigma_mm);
  const auto all_votes = smooth(b, votes.all, params.evidence_sigma_mm);
  const double min_votes = params.min_evidence_ml / voxel_ml;
  BlockDecision d{std::vector<std::uint8_t>(b.count(), 0), std::vector<std::uint8_t>(b.count(), 0),
                  std::vector<std::uint8_t>(b.count(), 0)};
  for (std::size_t block = 0; block < b.count(); ++block) {
    const bool water_reading =
        all_votes[block] > 1e-9 && swapped_votes[block] >= params.swapped_share * all_votes[block];
    const bool fat_reading = swapped_votes[block] <= (1 - params.swapped_share) * all_votes[block];
    if (water_reading && all_votes[block] >= min_votes)
      d.swapped[block] = 1;
    else if (water_reading && votes.swapped[block] > 0)
      d.unsure[block] = 1;
    if (fat_reading && all_votes[block] >= min_votes) d.clean[block] = 1;
  }
  grow_swapped_blocks(b, swapped_votes, all_votes, d.clean, params.swapped_share, 0.05 * min_votes, d.swapped);
  return d;
}

// Connected blocks (6-neighbourhood) where `inside` holds.
std::vector<std::vector<std::size_t>> components(const Blocks& b, const std::vector<std::uint8_t>& inside) {
  std::vector<std::uint8_t> seen(b.count(), 0);
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t s = 0; s < b.count(); ++s) {
    if (!inside[s] || seen[s]) continue;
    std::vector<std::size_t> region{s}, stack{s};
    seen[s] = 1;
    while (!stack.empty()) {
      const std::size_t block = stack.back();
      stack.pop_back();
      b.faces(block, [&](std::size_t o) {
        if (inside[o] && !seen[o]) seen[o] = 1, region.push_back(o), stack.push_back(o);
      });
    }
    out.push_back(std::move(region));
  }
  return out;
}

// Muscle beside a swapped region joins it where it reads as that muscle does inside the region before correction
// (a swap boundary the blocks did not place exactly cuts through the muscle: beyond it, the swapped part goes on
// reading inverted), voxel by voxel through the same label, up to margin_mm, never into blocks whose own adipose
// votes say "not swapped" (a fatty muscle beside a swapped lean one keeps its fat).
void extend_into_muscle(const core::LabelVolume& labels, const std::vector<float>& raw_ff,
                        const std::vector<std::uint8_t>& body, const Blocks& b,
                        const std::vector<std::uint8_t>& clean_block, const SwapDetectionParams& params,
                        std::vector<int>& region_of) {
  const auto& g = labels.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1], n = g.voxel_count();
  // Per region and label: does the label read fat-dominant inside the region (before correction)?
  std::map<std::pair<int, std::uint16_t>, std::vector<float>> inside;
  for (std::size_t i = 0; i < n; i += 2)
    if (region_of[i] >= 0 && labels.voxels[i]) inside[{region_of[i], labels.voxels[i]}].push_back(raw_ff[i]);
  std::map<std::pair<int, std::uint16_t>, int> reads_fatty;  // 1 fat-dominant, 0 water-dominant, -1 too few voxels
  for (auto& [key, values] : inside)
    reads_fatty[key] = values.size() < 20 ? -1 : core::percentile(values, 0.5) > 0.5 ? 1 : 0;
  // Distance in units of the finest spacing: a step along an axis costs its spacing (6 mm slices at 0.8 mm pixels
  // cost 8 units each), so the margin holds in millimetres along every axis.
  const double step_mm = std::min({g.spacing_mm[0], g.spacing_mm[1], g.spacing_mm[2]});
  const auto max_steps = static_cast<int>(params.margin_mm / step_mm);
  std::array<int, 3> cost{};
  for (int a = 0; a < 3; ++a) cost[a] = std::max(1, static_cast<int>(std::lround(g.spacing_mm[a] / step_mm)));
  std::vector<int> steps(n, -1);
  std::deque<std::size_t> queue;
  for (std::size_t i = 0; i < n; ++i)
    if (region_of[i] >= 0 && labels.voxels[i]) steps[i] = 0, queue.push_back(i);
  while (!queue.empty()) {
    const std::size_t i = queue.front();
    queue.pop_front();
    if (steps[i] >= max_steps) continue;
    const auto it = reads_fatty.find({region_of[i], labels.voxels[i]});
    if (it == reads_fatty.end() || it->second < 0) continue;
    const std::size_t x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
    const auto visit = [&](std::size_t o, int axis) {
      if (steps[o] >= 0 || steps[i] + cost[axis] > max_steps || region_of[o] >= 0 || labels.voxels[o] != labels.voxels[i] || !body[o] ||
          clean_block[b.of_voxel(o)] || (raw_ff[o] > 0.5F) != (it->second == 1))
        return;
      steps[o] = steps[i] + cost[axis];
      region_of[o] = region_of[i];
      queue.push_back(o);
    };
    if (x > 0) visit(i - 1, 0);
    if (x + 1 < nx) visit(i + 1, 0);
    if (y > 0) visit(i - nx, 1);
    if (y + 1 < ny) visit(i + nx, 1);
    if (z > 0) visit(i - nx * ny, 2);
    if (z + 1 < g.size[2]) visit(i + nx * ny, 2);
  }
}

// Volume, muscle volume, extent and side of each region; regions below min_region_ml are undone (and noted).
void describe_regions(const core::LabelVolume& labels, std::size_t region_count, const SwapDetectionParams& params,
                      std::vector<int>& region_of, SwapDetection& out) {
  const auto& g = labels.geometry;
  const std::size_t nx = g.size[0], n = g.voxel_count();
  std::vector<SwapRegion> regions(region_count);
  std::vector<double> x_balance(region_count, 0.0), count(region_count, 0.0);
  std::vector<bool> seen(region_count, false);
  std::vector<float> muscle_x;
  for (std::size_t i = 0; i < n; i += 7)
    if (labels.voxels[i]) muscle_x.push_back(static_cast<float>(i % nx));
  const double mid_x = core::percentile(muscle_x, 0.5);
  const double voxel_ml = g.voxel_volume_ml();
  for (std::size_t i = 0; i < n; ++i) {
    if (region_of[i] < 0) continue;
    const auto id = static_cast<std::size_t>(region_of[i]);
    auto& r = regions[id];
    const double z = g.index_to_physical({static_cast<double>(i % nx), static_cast<double>((i / nx) % g.size[1]),
                                          static_cast<double>(i / (nx * g.size[1]))})[2];
    if (!seen[id]) r.z_min_mm = r.z_max_mm = z, seen[id] = true;
    r.z_min_mm = std::min(r.z_min_mm, z), r.z_max_mm = std::max(r.z_max_mm, z);
    r.volume_ml += voxel_ml;
    if (labels.voxels[i]) r.muscle_volume_ml += voxel_ml;
    x_balance[id] += static_cast<double>(i % nx) < mid_x ? -1 : 1;
    count[id] += 1;
  }
  // Image columns run along +x (patient left) on the axial grids MyoScope uses; the side is decided in physical space.
  const auto a = g.index_to_physical({0, 0, 0}), b = g.index_to_physical({1, 0, 0});
  const bool column_is_left = b[0] > a[0];
  std::vector<bool> too_small(region_count, false);
  for (std::size_t id = 0; id < region_count; ++id) {
    auto& r = regions[id];
    const double balance = count[id] > 0 ? x_balance[id] / count[id] : 0;
    r.side = std::abs(balance) < 0.6 ? "both" : (balance > 0) == column_is_left ? "left" : "right";
    if (r.volume_ml >= params.min_region_ml) {
      out.regions.push_back(r);
      continue;
    }
    out.notes.push_back(
        fmt::format("a {:.0f} ml patch on the {} side (z {:.0f} to {:.0f} mm) looks like a water/fat "
                    "swap but is too small to be sure: not corrected",
                    r.volume_ml, r.side, r.z_min_mm, r.z_max_mm));
    too_small[id] = true;
  }
  for (auto& v : region_of)  // one pass for all of them
    if (v >= 0 && too_small[static_cast<std::size_t>(v)]) v = -1;
}

core::LabelVolume labels_within(const core::LabelVolume& labels, const core::MaskVolume& covered) {
  core::LabelVolume out = labels;
  for (std::size_t i = 0; i < out.voxels.size(); ++i)
    if (!covered.voxels[i]) out.voxels[i] = 0;
  return out;
}

}  // namespace

SwapDetection detect_water_fat_swaps(const core::LabelVolume& all_labels, const core::ImageVolume& water,
                                     const core::ImageVolume& fat, const SwapDetectionParams& params,
                                     const core::MaskVolume* covered) {
  // Labelled voxels without fat data are neither lean muscle nor fatty muscle: they take no part.
  const core::LabelVolume labels = covered ? labels_within(all_labels, *covered) : all_labels;
  const auto& g = labels.geometry;
  const std::size_t n = g.voxel_count();
  SwapDetection out;
  out.swapped = core::MaskVolume(g, 0);
  if (n == 0) return out;

  // Body: total signal (the same after a swap) above a third of labelled muscle's; only where both images have data.
  const auto has_data = [covered](std::size_t i) { return covered == nullptr || covered->voxels[i] != 0; };
  std::vector<float> total(n), raw_ff(n), muscle_total;
  for (std::size_t i = 0; i < n; ++i) {
    total[i] = water.voxels[i] + fat.voxels[i];
    raw_ff[i] = total[i] > 0 ? fat.voxels[i] / total[i] : 0.0F;
    if (labels.voxels[i] && i % 7 == 0 && has_data(i)) muscle_total.push_back(total[i]);
  }
  if (muscle_total.size() < 100) return out;
  const auto body_level = static_cast<float>(0.3 * core::percentile(muscle_total, 0.5));
  std::vector<std::uint8_t> body(n);
  for (std::size_t i = 0; i < n; ++i) body[i] = total[i] > body_level && has_data(i);

  const Blocks b(g, params.block_mm);
  const auto votes = adipose_votes(b, labels, total, raw_ff, probe_layer(labels, body, params), params);
  if (votes.undecidable) {
    out.notes.push_back(*votes.undecidable);
    return out;
  }
  const auto blocks = decide_blocks(b, votes, g.voxel_volume_ml(), params);
  const auto& swapped_block = blocks.swapped;
  const auto regions = components(b, swapped_block);
  std::vector<int> region_of(n, -1);
  std::vector<int> region_of_block(b.count(), -1);
  for (std::size_t r = 0; r < regions.size(); ++r)
    for (const auto block : regions[r]) region_of_block[block] = static_cast<int>(r);
  for (std::size_t i = 0; i < n; ++i)
    if (body[i]) region_of[i] = region_of_block[b.of_voxel(i)];
  extend_into_muscle(labels, raw_ff, body, b, blocks.clean, params, region_of);
  describe_regions(labels, regions.size(), params, region_of, out);
  for (std::size_t i = 0; i < n; ++i) out.swapped.voxels[i] = region_of[i] >= 0 ? 1 : 0;
  // Water-reading fat under the skin with too few votes to decide: said, not corrected.
  double unsure_ml = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (blocks.unsure[b.of_voxel(i)] && body[i] && !out.swapped.voxels[i]) unsure_ml += g.voxel_volume_ml();
  if (unsure_ml >= params.min_region_ml)
    out.notes.push_back(
        fmt::format("{:.0f} ml of tissue lies where some fat under the skin reads as water, too little "
                    "to call a water/fat swap: not corrected",
                    unsure_ml));
  return out;
}

}  // namespace myo::quantification
