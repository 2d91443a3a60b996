#include "myo/quantification/quantify.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/parallel.hpp"
#include "myo/core/resample.hpp"
#include "myo/core/statistics.hpp"
#include "myo/quantification/pattern.hpp"

namespace myo::quantification {
namespace {

using core::percentile;

// Rician noise sigma of the Dixon magnitude images, read on the fat image where water + fat is background.
// Voxels the fat series does not cover are left out (their zero fat is no background).
std::optional<double> background_sigma(const core::ImageVolume& water, const core::ImageVolume& fat,
                                       const core::MaskVolume* fat_covered) {
  std::vector<float> total(water.voxels.size());
  for (std::size_t i = 0; i < total.size(); ++i)
    total[i] = !fat_covered || fat_covered->voxels[i] ? water.voxels[i] + fat.voxels[i] : 0.0F;
  return core::rayleigh_background_sigma(total, fat.voxels, 0.5, false);
}

// The label-grid voxels' water share and signal (Dixon W+F, or 1 without `total`), each averaged over the acquired
// voxel its centre falls in; 0 in acquired voxels no centre falls in. The sums run in label-grid order in double. A
// STIR grid often has several times the label grid's voxels, most of which no centre falls in: sums are kept only
// for the acquired voxels that get one, as sums over the whole grid cost more in fresh memory than in arithmetic.
std::pair<core::ImageVolume, core::ImageVolume> averaged_over_acquired(const core::ImageVolume& fat_pct,
                                                                      const core::ImageVolume* total,
                                                                      const core::Geometry& acquired) {
  const auto& g = fat_pct.geometry;
  // Index on the label grid -> continuous index on the acquired grid is affine: one origin and three steps.
  const core::Vec3 o = acquired.physical_to_index(g.index_to_physical({0, 0, 0}));
  std::array<core::Vec3, 3> step{};
  for (int a = 0; a < 3; ++a) {
    core::Vec3 unit{0, 0, 0};
    unit[static_cast<std::size_t>(a)] = 1;
    const core::Vec3 q = acquired.physical_to_index(g.index_to_physical(unit));
    for (std::size_t b = 0; b < 3; ++b) step[static_cast<std::size_t>(a)][b] = q[b] - o[b];
  }
  const auto inside = [&](double c, std::size_t axis, long& out) {
    out = std::lround(c);
    return out >= 0 && out < static_cast<long>(acquired.size[axis]);
  };
  struct Sum {
    std::uint32_t voxel;  // on the acquired grid
    std::uint32_t count;
    double water, total;
  };
  constexpr auto kNone = std::numeric_limits<std::uint32_t>::max();
  if (acquired.voxel_count() >= kNone) throw core::MyoError("quantification", "the STIR's acquired grid is too large");
  std::vector<std::uint32_t> slot(acquired.voxel_count(), kNone);  // acquired voxel -> its entry in `sums`
  std::vector<Sum> sums;
  sums.reserve(g.voxel_count());  // address space only: pages are touched as entries are added
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        core::Vec3 c{};
        for (std::size_t b = 0; b < 3; ++b)
          c[b] = o[b] + static_cast<double>(i) * step[0][b] + static_cast<double>(j) * step[1][b] +
                 static_cast<double>(k) * step[2][b];
        long ai = 0, aj = 0, ak = 0;
        if (!inside(c[0], 0, ai) || !inside(c[1], 1, aj) || !inside(c[2], 2, ak)) continue;
        const std::size_t src = g.linear_index(i, j, k);
        const std::size_t dst = acquired.linear_index(static_cast<std::size_t>(ai), static_cast<std::size_t>(aj),
                                                      static_cast<std::size_t>(ak));
        if (slot[dst] == kNone) {
          slot[dst] = static_cast<std::uint32_t>(sums.size());
          sums.push_back({static_cast<std::uint32_t>(dst), 0, 0.0, 0.0});
        }
        auto& sum = sums[slot[dst]];
        const double weight = total ? std::max(0.0F, total->voxels[src]) : 1.0;
        sum.water += weight * std::clamp(1.0 - fat_pct.voxels[src] / 100.0, 0.0, 1.0);
        sum.total += weight;
        ++sum.count;
      }
  core::ImageVolume water(acquired, 0.0F), all(acquired, 0.0F);
  for (const auto& sum : sums) {
    water.voxels[sum.voxel] = static_cast<float>(sum.water / sum.count);
    all.voxels[sum.voxel] = static_cast<float>(sum.total / sum.count);
  }
  return {std::move(water), std::move(all)};
}

// The water share (0..1) of every voxel of `fat_pct`'s grid as an image acquired on `acquired` sees it. A STIR with
// 6-7 mm slices resampled onto a 3 mm Dixon grid carries, at every fat-muscle border, signal averaged over its thick
// voxel; dividing it by the sharp Dixon water share of the fine voxel inflates it (a voxel of 80 % fat divides
// blurred muscle signal by 0.2) and calls normal muscle edges edema. So the Dixon water and total signal are
// averaged over each acquired voxel (the label-grid voxels whose centres fall in it) and brought back by the same
// linear interpolation that brought the STIR: their ratio is the water share of what the STIR voxel contained.
// `total` weights voxels by their signal (Dixon W+F); without it every voxel weighs the same.
core::ImageVolume water_share_as_acquired(const core::ImageVolume& fat_pct, const core::ImageVolume* total,
                                          const core::Geometry& acquired) {
  const auto& g = fat_pct.geometry;
  const auto [water, all] = averaged_over_acquired(fat_pct, total, acquired);
  // The two resamplings are independent: one on the pool while the other runs here.
  std::optional<core::ImageVolume> all_back;
  core::TaskGroup resampling;
  resampling.run([&, &all = all] { all_back = core::resample_to(all, g); });
  const auto water_back = core::resample_to(water, g);
  resampling.wait();
  core::ImageVolume share(g, 0.0F);
  for (std::size_t v = 0; v < share.voxels.size(); ++v)
    share.voxels[v] = all_back->voxels[v] > 0
                          ? std::clamp(water_back.voxels[v] / all_back->voxels[v], 0.0F, 1.0F)
                          : std::clamp(1.0F - fat_pct.voxels[v] / 100.0F, 0.0F, 1.0F);
  return share;
}

// What every part of the measurement reads: the input, the parameters, the labels' grid and the largest label.
struct Measuring {
  const QuantificationInput& input;
  const QuantificationParams& params;
  const core::Geometry& g;
  int max_label;
  [[nodiscard]] std::size_t labels() const { return static_cast<std::size_t>(max_label) + 1; }
  [[nodiscard]] bool dixon() const { return input.water && input.fat; }
  // Where the fat-fraction map has data.
  [[nodiscard]] const core::MaskVolume* ff_covered() const {
    return dixon() ? input.fat_covered : input.scanner_fat_fraction_covered;
  }
  [[nodiscard]] bool labelled(int label) const { return label > 0 && label <= max_label; }
};

// body(begin, end) over the voxel range of every slice, slices in parallel on the pool. For per-voxel work only:
// nothing summed across voxels, so the result does not depend on the thread count.
void for_each_slice(const core::Geometry& g, const std::function<void(std::size_t, std::size_t)>& body) {
  const std::size_t per_slice = g.size[0] * g.size[1];
  core::parallel_for(static_cast<int>(g.size[2]), [&](int k) {
    const auto begin = static_cast<std::size_t>(k) * per_slice;
    body(begin, begin + per_slice);
  });
}

void check_grids(const QuantificationInput& input) {
  if (!input.labels) throw core::MyoError("quantification", "no label map given");
  const auto& g = input.labels->geometry;
  for (const auto* channel :
       {input.water, input.fat, input.stir, input.t1, input.scanner_fat_fraction_pct, input.t2_map_ms})
    if (channel && !channel->geometry.same_grid(g))
      throw core::MyoError("quantification", "image channels are not on the label grid (resample them first)");
  for (const auto* mask : {input.fat_covered, input.stir_covered, input.scanner_fat_fraction_covered, input.t2_map_covered})
    if (mask && !mask->geometry.same_grid(g))
      throw core::MyoError("quantification", "a coverage mask is not on the label grid");
}

// Dixon PDFF in percent, per voxel: no spatial smoothing, as averaging neighbours would blur septal fat into the
// muscle's edge. `sigma2` is the Rician noise power taken off both magnitudes; no fat image: 0 in the map.
core::ImageVolume dixon_fat_fraction(const Measuring& m, double sigma2) {
  core::ImageVolume ff(m.g, 0.0F);
  for_each_slice(m.g, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      if (!has_data(m.input.fat_covered, i)) continue;
      const double mw = m.input.water->voxels[i];
      const double mf = m.input.fat->voxels[i];
      const double w = std::sqrt(std::max(0.0, mw * mw - sigma2));
      const double f = std::sqrt(std::max(0.0, mf * mf - sigma2));
      ff.voxels[i] = (w + f) > 0 ? static_cast<float>(100.0 * f / (w + f)) : 0.0F;
    }
  });
  return ff;
}

// The Dixon fat-fraction map with swapped regions exchanged back. The swap search reads only the magnitudes and
// smooths its votes in parallel: it runs here, while the noise floor and the map (short, serial on a pool worker)
// are computed on the pool.
core::ImageVolume dixon_fat_fraction_map(const Measuring& m, QuantificationMethod& method) {
  std::optional<core::ImageVolume> ff;
  core::TaskGroup mapping;
  mapping.run([&] {
    double sigma2 = 0;
    if (m.params.noise_floor_correction) {
      method.noise_sigma = background_sigma(*m.input.water, *m.input.fat, m.input.fat_covered);
      if (method.noise_sigma) sigma2 = 2.0 * *method.noise_sigma * *method.noise_sigma;
    }
    ff = dixon_fat_fraction(m, sigma2);
  });
  std::optional<SwapDetection> swaps;
  if (m.params.correct_swaps)
    swaps = detect_water_fat_swaps(*m.input.labels, *m.input.water, *m.input.fat, m.params.swap, m.input.fat_covered);
  mapping.wait();
  if (swaps) {
    // A swapped voxel's F/(W+F) is the true W/(W+F): exchanging back is 100 - FF.
    method.swap_method = "adipose_vote_smooth_field";
    for (std::size_t i = 0; i < ff->voxels.size(); ++i)
      if (swaps->swapped.voxels[i]) ff->voxels[i] = 100.0F - ff->voxels[i];
    method.swap_regions = swaps->regions;
    method.swap_notes = swaps->notes;
  }
  return std::move(*ff);
}

// The fat-fraction map (percent) from Dixon, else from the scanner's own map; none from a T1 alone.
void measure_fat_fraction(const Measuring& m, QuantificationResult& result) {
  auto& method = result.method;
  if (m.dixon()) {
    method.fat_method = "dixon_pdff";
    result.fat_fraction_map_pct = dixon_fat_fraction_map(m, method);
    if (m.input.scanner_fat_fraction_pct) method.scanner_ff_use = "cross_check";
  } else if (m.input.scanner_fat_fraction_pct) {
    // No Dixon magnitudes, but the scanner's fat-fraction map: used as it is (no noise-floor or swap check possible).
    method.fat_method = "scanner_ff_map";
    method.scanner_ff_use = "fat_fraction";
    core::ImageVolume ff = *m.input.scanner_fat_fraction_pct;
    for (auto& v : ff.voxels) v = std::clamp(v, 0.0F, 100.0F);
    result.fat_fraction_map_pct = std::move(ff);
  } else {
    method.fat_method = m.input.t1 ? "t1_estimate" : "none";
  }
}

// T1 estimate without Dixon: T1 normalised between this patient's muscle (low labelled values) and subcutaneous
// fat (bright unlabelled body voxels).
core::ImageVolume t1_fat_estimate(const Measuring& m) {
  const auto& labels = m.input.labels->voxels;
  const auto& t1 = m.input.t1->voxels;
  std::vector<float> muscle_values;
  std::vector<float> other_values;
  for (std::size_t i = 0; i < t1.size(); i += 3) (labels[i] ? muscle_values : other_values).push_back(t1[i]);
  const double muscle_ref = percentile(muscle_values, 0.25);
  const double fat_ref = percentile(other_values, 0.97);
  core::ImageVolume estimate(m.g, 0.0F);
  for_each_slice(m.g, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i)
      estimate.voxels[i] = static_cast<float>(
          100.0 * std::clamp((t1[i] - muscle_ref) / std::max(fat_ref - muscle_ref, 1e-6), 0.0, 1.0));
  });
  return estimate;
}

// Fat percent of each voxel for the edema measurement: as the STIR sees it (its own, usually coarser, resolution;
// see water_share_as_acquired) when known, else the voxel's own.
class EdemaFat {
 public:
  EdemaFat(const core::ImageVolume* map, std::optional<core::ImageVolume> water_share)
      : map_(map), water_share_(std::move(water_share)) {}
  [[nodiscard]] double pct(std::size_t i) const {
    if (water_share_) return 100.0 * (1.0 - water_share_->voxels[i]);
    return map_ ? map_->voxels[i] : 0.0;
  }
  [[nodiscard]] const core::ImageVolume* map() const { return map_; }

 private:
  const core::ImageVolume* map_;  // the fat-fraction map or the T1 estimate; null without either
  std::optional<core::ImageVolume> water_share_;
};

EdemaFat edema_fat_as_stir_sees_it(const Measuring& m, const core::ImageVolume* fat_map, QuantificationMethod& method) {
  const auto& in = m.input;
  if (!(in.stir && fat_map && in.stir_acquired_geometry && m.params.edema_water_share_at_stir_resolution &&
        !in.stir_acquired_geometry->same_grid(m.g))) {
    if (fat_map) method.edema_water_share = "voxel";
    return {fat_map, std::nullopt};
  }
  std::optional<core::ImageVolume> total;
  if (m.dixon()) {
    total = core::ImageVolume(m.g, 0.0F);
    for (std::size_t i = 0; i < total->voxels.size(); ++i) total->voxels[i] = in.water->voxels[i] + in.fat->voxels[i];
  }
  method.edema_water_share = "at_stir_resolution";
  return {fat_map, water_share_as_acquired(*fat_map, total ? &*total : nullptr, *in.stir_acquired_geometry)};
}

// Coil bias of the STIR: N4 fitted to the muscle that is not fatty (fat is dark on STIR and would read as bias).
// None when too little such muscle is covered.
std::optional<BiasCorrection> stir_bias(const Measuring& m, const EdemaFat& fat, QuantificationMethod& method) {
  const auto& labels = m.input.labels->voxels;
  core::MaskVolume fit(m.g, 0);
  std::size_t fit_count = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] && fat.pct(i) < 30.0 && has_data(m.input.stir_covered, i)) fit.voxels[i] = 1, ++fit_count;
  if (fit_count <= 1000) return std::nullopt;
  auto corrected = correct_bias_field(*m.input.stir, fit, m.params.stir_bias);
  method.stir_bias_method = "n4";
  method.stir_bias_seconds = corrected.seconds;
  std::vector<float> field;
  for (std::size_t i = 0; i < labels.size(); i += 5)
    if (fit.voxels[i]) field.push_back(corrected.bias.voxels[i]);
  if (!field.empty()) method.stir_bias_range = percentile(field, 0.95) / std::max(1e-6, percentile(field, 0.05));
  return corrected;
}

// Water STIR: STIR comes from water (fat is suppressed), so a voxel that is 40 % fat shows only 60 % of the signal
// its water gives; dividing by the water share keeps fatty but edematous muscle from reading as normal.
struct WaterStir {
  const core::ImageVolume& stir;  // bias-corrected when it could be
  const EdemaFat& fat;
  const QuantificationParams& params;
  [[nodiscard]] double at(std::size_t i) const {
    const double v = stir.voxels[i];
    if (!fat.map() || !params.edema_fat_correction) return v;
    return v / std::max(params.edema_min_water_share, 1.0 - fat.pct(i) / 100.0);
  }
};

// Normal-appearing muscle is the lowest mode of the distribution even when edema covers most of the level. Start at
// a low percentile (below the edema) and climb to the mode: the median of the values within a window around the
// estimate, repeated. A low percentile alone sits below the mode by the spread of normal muscle (noise, residual
// coil bias) and would call the upper half of normal muscle edema.
double normal_muscle_mode(std::vector<float>& values, const QuantificationParams& params) {
  double ref = percentile(values, params.edema_reference_percentile);
  std::vector<float> window;
  for (int iteration = 0; iteration < 8 && ref > 0; ++iteration) {
    window.clear();
    for (const float v : values)
      if (v >= ref * (1.0 - params.edema_reference_window) && v <= ref * (1.0 + params.edema_reference_window))
        window.push_back(v);
    if (window.size() < 30) break;
    const double next = percentile(window, 0.5);
    const bool settled = std::abs(next - ref) < 0.002 * ref;
    ref = next;
    if (settled) break;
  }
  return ref;
}

// Per slice: the water STIR of the level's normal-appearing muscle and the edema threshold above it; 0 where a
// level (a slab of level_slab_mm, for the coil bias along the limb) has too little muscle. Slabs in parallel.
struct LevelReferences {
  std::vector<double> reference, threshold;
};

LevelReferences level_references(const Measuring& m, const WaterStir& water_stir) {
  const auto& labels = m.input.labels->voxels;
  const int nz = static_cast<int>(m.g.size[2]);
  const std::size_t per_slice = m.g.size[0] * m.g.size[1];
  const int slab = std::max(1, static_cast<int>(std::lround(m.params.level_slab_mm / m.g.spacing_mm[2])));
  LevelReferences out{std::vector<double>(static_cast<std::size_t>(nz), 0.0),
                      std::vector<double>(static_cast<std::size_t>(nz), 0.0)};
  core::parallel_for((nz + slab - 1) / slab, [&](int s) {
    const int k0 = s * slab, k1 = std::min(nz, k0 + slab);
    std::vector<float> values;
    for (std::size_t i = static_cast<std::size_t>(k0) * per_slice; i < static_cast<std::size_t>(k1) * per_slice; ++i)
      if (labels[i] && water_stir.stir.voxels[i] > 0 && water_stir.fat.pct(i) < 30.0)
        values.push_back(static_cast<float>(water_stir.at(i)));
    if (values.size() < 50) return;
    const double ref = normal_muscle_mode(values, m.params);
    // Spread of normal muscle from its lower half (edema only adds to the upper half).
    std::vector<float> below;
    for (const float v : values)
      if (v <= ref) below.push_back(static_cast<float>(ref - v));
    const double robust_sd = below.empty() ? 0.0 : 1.4826 * percentile(below, 0.5);
    const double limit = std::max(ref * m.params.edema_ratio_threshold, ref + m.params.edema_noise_sd * robust_sd);
    for (int k = k0; k < k1; ++k) {
      out.reference[static_cast<std::size_t>(k)] = ref;
      out.threshold[static_cast<std::size_t>(k)] = limit;
    }
  });
  return out;
}

core::MaskVolume edema_mask(const Measuring& m, const WaterStir& water_stir, const LevelReferences& levels) {
  const auto& labels = m.input.labels->voxels;
  const std::size_t per_slice = m.g.size[0] * m.g.size[1];
  core::MaskVolume edema(m.g, 0);
  for_each_slice(m.g, [&](std::size_t begin, std::size_t end) {
    const std::size_t k = begin / per_slice;
    if (levels.reference[k] <= 0) return;
    for (std::size_t i = begin; i < end; ++i)
      if (labels[i] && water_stir.stir.voxels[i] > 0 && water_stir.at(i) > levels.threshold[k]) edema.voxels[i] = 1;
  });
  return edema;
}

// Per label: voxel counts of the edema measurement, and the voxels' STIR over their level's reference.
struct EdemaCounts {
  std::size_t stir_count = 0;  // voxels the STIR covers
  std::size_t edema = 0;
  std::size_t assessable = 0;  // covered voxels with enough water for STIR to tell edema
  std::size_t assessable_edema = 0;
  // A group is measured over its assessable voxels when they are enough (a group almost entirely fat-replaced
  // keeps all its voxels).
  [[nodiscard]] bool assessed_only() const { return assessable >= 50 && assessable * 10 >= stir_count; }
};
struct EdemaByLabel {
  std::vector<EdemaCounts> counts;
  std::vector<std::vector<float>> stir_ratio;
};

// Edema is counted over the voxels where STIR can tell it (see edema_min_assessable_water_share).
bool edema_assessable(const Measuring& m, const EdemaFat& fat, std::size_t i) {
  return has_data(m.input.stir_covered, i) &&
         100.0 - fat.pct(i) >= 100.0 * m.params.edema_min_assessable_water_share;
}

std::vector<EdemaCounts> count_edema(const Measuring& m, const EdemaFat& fat, const core::MaskVolume& edema) {
  const auto& labels = m.input.labels->voxels;
  std::vector<EdemaCounts> counts(m.labels());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!m.labelled(labels[i])) continue;
    auto& c = counts[labels[i]];
    if (has_data(m.input.stir_covered, i)) ++c.stir_count;
    if (edema.voxels[i]) ++c.edema;
    if (edema_assessable(m, fat, i)) {
      ++c.assessable;
      if (edema.voxels[i]) ++c.assessable_edema;
    }
  }
  return counts;
}

// The voxels the edema figures are over; the edema mask then holds only voxels that were measured.
core::MaskVolume restrict_to_assessed(const Measuring& m, const EdemaFat& fat, const std::vector<EdemaCounts>& counts,
                                      core::MaskVolume& edema) {
  const auto& labels = m.input.labels->voxels;
  core::MaskVolume assessed(m.g, 0);
  for_each_slice(m.g, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      if (!m.labelled(labels[i])) continue;
      assessed.voxels[i] = has_data(m.input.stir_covered, i) &&
                           (!counts[labels[i]].assessed_only() || edema_assessable(m, fat, i));
      if (!assessed.voxels[i]) edema.voxels[i] = 0;
    }
  });
  return assessed;
}

// The edema mask and what the groups' edema figures need; empty counts without a STIR.
EdemaByLabel measure_edema(const Measuring& m, const EdemaFat& fat, QuantificationResult& result) {
  EdemaByLabel out{std::vector<EdemaCounts>(m.labels()), std::vector<std::vector<float>>(m.labels())};
  const auto corrected = m.input.stir && m.params.stir_bias_correction ? stir_bias(m, fat, result.method) : std::nullopt;
  if (!m.input.stir) {
    result.method.edema_method = "none";
    return out;
  }
  result.method.edema_method = "stir_reference_ratio";
  const WaterStir water_stir{corrected ? corrected->corrected : *m.input.stir, fat, m.params};
  const auto levels = level_references(m, water_stir);
  auto edema = edema_mask(m, water_stir, levels);
  out.counts = count_edema(m, fat, edema);
  auto assessed = restrict_to_assessed(m, fat, out.counts, edema);
  // STIR ratio per label: voxel STIR over its level's normal-muscle reference (over the measured voxels).
  const auto& labels = m.input.labels->voxels;
  const std::size_t per_slice = m.g.size[0] * m.g.size[1];
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double ref = levels.reference[i / per_slice];
    if (m.labelled(labels[i]) && ref > 0 && assessed.voxels[i])
      out.stir_ratio[labels[i]].push_back(static_cast<float>(water_stir.at(i) / ref));
  }
  result.edema_mask = std::move(edema);
  result.edema_assessed_mask = std::move(assessed);
  return out;
}

// Per label: the sums of its fat figures, over its voxels in voxel order (one pass, so the sums are the same
// whatever the thread count).
struct FatSums {
  std::size_t count = 0;
  std::size_t ff_count = 0;  // voxels with a fat fraction (covered by its series)
  std::size_t fat_replaced = 0;
  double ff_sum = 0;
  double t1_sum = 0;
  double scanner_sum = 0;
  std::vector<float> ff_values;
  // The interior (see label_interior) gets its own fat fraction; every other fat figure is over the whole label.
  std::size_t interior_count = 0;
  double interior_ff_sum = 0;
};

std::vector<FatSums> sum_fat(const Measuring& m, const core::ImageVolume* ff, const core::ImageVolume* t1_fat) {
  const auto& labels = m.input.labels->voxels;
  const auto interior = label_interior(*m.input.labels);
  const auto* scanner = m.input.scanner_fat_fraction_pct;
  const double replaced = m.params.fat_replaced_threshold_pct;
  std::vector<FatSums> sums(m.labels());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!m.labelled(labels[i])) continue;
    auto& a = sums[labels[i]];
    ++a.count;
    if (ff && has_data(m.ff_covered(), i)) {
      const float v = ff->voxels[i];
      ++a.ff_count;
      a.ff_sum += v;
      if (scanner) a.scanner_sum += scanner->voxels[i];
      a.ff_values.push_back(v);
      if (v > replaced) ++a.fat_replaced;
      if (interior.voxels[i]) ++a.interior_count, a.interior_ff_sum += v;
    }
    if (t1_fat) {
      a.t1_sum += t1_fat->voxels[i];
      if (t1_fat->voxels[i] > replaced) ++a.fat_replaced;
    }
  }
  return sums;
}

// Water T2 per label from a T2 map: fat inflates a mono-exponential T2, so voxels above the fat limit are left out
// when a measured FF map exists (the T1 estimate is too coarse for this).
std::vector<std::vector<float>> water_t2_values(const Measuring& m, QuantificationResult& result) {
  std::vector<std::vector<float>> values(m.labels());
  if (!m.input.t2_map_ms) return values;
  const core::ImageVolume* ff = result.fat_fraction_map_pct ? &*result.fat_fraction_map_pct : nullptr;
  result.method.water_t2_method = ff ? "t2_map_fat_excluded" : "t2_map_no_fat_map";
  const auto& labels = m.input.labels->voxels;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const float t2 = m.input.t2_map_ms->voxels[i];
    if (!m.labelled(labels[i]) || !(t2 > 0) || t2 > 500) continue;
    if (ff && ff->voxels[i] > m.params.t2_map_max_fat_fraction_pct) continue;
    values[labels[i]].push_back(t2);
  }
  return values;
}

// Per label value: whether a channel (`covered`; null: everywhere) covers too little of it for a number.
std::vector<std::uint8_t> withheld_labels(const Measuring& m, const core::MaskVolume* covered) {
  std::vector<std::uint8_t> out(m.labels(), 0);
  if (!covered) return out;
  for (const auto& c : label_coverage(*m.input.labels, *covered))
    if (c.value <= m.max_label) out[static_cast<std::size_t>(c.value)] = !c.enough(m.params.min_covered_pct);
  return out;
}

// Labels each channel covers too little of to give them a number from it.
struct Withheld {
  std::vector<std::uint8_t> ff, stir, scanner, t2;
};

Withheld withheld_by_channel(const Measuring& m) {
  return {withheld_labels(m, m.ff_covered()), withheld_labels(m, m.input.stir_covered),
          withheld_labels(m, m.input.scanner_fat_fraction_covered), withheld_labels(m, m.input.t2_map_covered)};
}

// One group and side's fat figures, from its label's sums.
GroupMeasurement fat_measurement(const Measuring& m, const QuantificationResult& result, FatSums& a,
                                 const Withheld& withheld, std::size_t l, bool t1_estimate) {
  GroupMeasurement g;
  g.label = static_cast<int>(l);
  g.voxel_count = a.count;
  const double voxel_ml = m.g.voxel_volume_ml();
  g.volume_ml = static_cast<double>(a.count) * voxel_ml;
  if (result.fat_fraction_map_pct && !withheld.ff[l]) {
    // Over the whole label (one definition for groups, single muscles and input labels alike) where the fat
    // series covers it; the interior mean is its own figure.
    g.fat_fraction_pct = a.ff_sum / static_cast<double>(a.ff_count);
    if (result.method.scanner_ff_use == "cross_check" && !withheld.scanner[l])
      g.scanner_fat_fraction_pct = a.scanner_sum / static_cast<double>(a.ff_count);
    g.fat_fraction_median_pct = percentile(a.ff_values, 0.5);
    g.fat_fraction_p90_pct = percentile(a.ff_values, 0.9);
    g.fat_replaced_volume_ml = static_cast<double>(a.fat_replaced) * voxel_ml;
    if (a.interior_count >= kMinInteriorVoxels)
      g.fat_fraction_interior_pct = a.interior_ff_sum / static_cast<double>(a.interior_count);
  }
  if (t1_estimate) g.t1_fat_estimate_pct = a.t1_sum / static_cast<double>(a.count);
  if (g.fat_fraction_pct || t1_estimate) {
    const std::size_t measured = g.fat_fraction_pct ? a.ff_count : a.count;
    g.fat_replaced_share_pct = 100.0 * static_cast<double>(a.fat_replaced) / static_cast<double>(measured);
    const auto grade = mercuri_grade(*g.fat_replaced_share_pct);
    g.mercuri_grade = grade.grade;
    g.mercuri_modified_grade = grade.modified_label;
  }
  return g;
}

// The edema figures of one group and side: over its assessable voxels the edema share of what STIR can read,
// taken as the group's; the volume is that share of the group's volume.
void add_edema(const QuantificationResult& result, EdemaByLabel& edema, const Withheld& withheld, std::size_t l,
               GroupMeasurement& g) {
  if (!result.edema_mask || withheld.stir[l]) return;
  const auto& c = edema.counts[l];
  g.edema_fraction_pct = c.assessed_only()
                             ? 100.0 * static_cast<double>(c.assessable_edema) / static_cast<double>(c.assessable)
                             : 100.0 * static_cast<double>(c.edema) / static_cast<double>(c.stir_count);
  g.edema_volume_ml = *g.edema_fraction_pct / 100.0 * g.volume_ml;
  if (auto& ratios = edema.stir_ratio[l]; !ratios.empty()) g.stir_ratio = percentile(ratios, 0.5);
  g.edema_grade = edema_grade(*g.edema_fraction_pct);
}

}  // namespace

core::MaskVolume label_interior(const core::LabelVolume& labels) {
  const auto& g = labels.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1];
  core::MaskVolume interior(g, 0);
  const auto& v = labels.voxels;
  for_each_slice(g, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      if (!v[i]) continue;
      const std::size_t x = i % nx, y = (i / nx) % ny;
      if (x == 0 || y == 0 || x + 1 == nx || y + 1 == ny) continue;
      interior.voxels[i] = v[i - 1] == v[i] && v[i + 1] == v[i] && v[i - nx] == v[i] && v[i + nx] == v[i];
    }
  });
  return interior;
}

// The stages in order: fat fraction, the fat as the STIR sees it, then the edema (N4 first) while the fat figures
// are summed on the pool, then one measurement per group and side.
QuantificationResult quantify(const QuantificationInput& input, const QuantificationParams& params) {
  check_grids(input);
  const Measuring m{input, params, input.labels->geometry, core::MuscleCatalog::instance().max_label()};
  QuantificationResult result;
  result.method.params = params;
  measure_fat_fraction(m, result);
  const auto t1_fat = !result.fat_fraction_map_pct && input.t1 ? std::optional(t1_fat_estimate(m)) : std::nullopt;
  // Fatty voxels are dark on STIR (fat suppressed) and must not pull the edema reference down: they are left out by
  // the Dixon fat fraction, or without Dixon by the T1 estimate.
  const core::ImageVolume* ff = result.fat_fraction_map_pct ? &*result.fat_fraction_map_pct : nullptr;
  const EdemaFat fat = edema_fat_as_stir_sees_it(m, ff ? ff : t1_fat ? &*t1_fat : nullptr, result.method);
  // The fat figures need nothing from the edema: summed on the pool while N4 fits the STIR's coil field.
  std::vector<FatSums> fat_sums;
  core::TaskGroup summing;
  summing.run([&] { fat_sums = sum_fat(m, ff, t1_fat ? &*t1_fat : nullptr); });
  auto edema = measure_edema(m, fat, result);
  summing.wait();
  result.coverage = {ff ? m.ff_covered() : nullptr, input.stir_covered, params.min_covered_pct};
  const auto withheld = withheld_by_channel(m);
  auto t2 = water_t2_values(m, result);
  for (const auto side : {core::Side::right, core::Side::left})
    for (const auto& group : core::MuscleCatalog::instance().groups()) {
      const auto l = static_cast<std::size_t>(group.label(side));
      if (fat_sums[l].count == 0) continue;
      auto g = fat_measurement(m, result, fat_sums[l], withheld, l, t1_fat.has_value());
      g.group = group.name;
      g.side = side;
      add_edema(result, edema, withheld, l, g);
      if (t2[l].size() >= 10 && !withheld.t2[l]) g.water_t2_ms = percentile(t2[l], 0.5);
      result.groups.push_back(std::move(g));
    }
  return result;
}

std::vector<LabelStatistics> label_statistics(const core::LabelVolume& labels, const core::ImageVolume* ff,
                                              const core::MaskVolume* edema, const core::MaskVolume* edema_assessed,
                                              const MapCoverage& coverage) {
  struct Acc {
    std::size_t count = 0, edema = 0, assessed = 0, interior = 0, ff_count = 0, stir_count = 0;
    double ff = 0, interior_ff = 0;
  };
  const auto enough = [&](std::size_t covered, std::size_t all) {
    return covers_enough(covered, all, coverage.min_covered_pct);
  };
  if (ff && !ff->geometry.same_grid(labels.geometry))
    throw core::MyoError("quantification", "the fat-fraction map is not on the label grid");
  const auto interior = label_interior(labels);
  std::map<int, Acc> acc;
  for (std::size_t i = 0; i < labels.voxels.size(); ++i) {
    const int v = labels.voxels[i];
    if (!v) continue;
    auto& a = acc[v];
    ++a.count;
    a.stir_count += has_data(coverage.edema, i);
    if (ff && has_data(coverage.fat_fraction, i)) {
      ++a.ff_count, a.ff += ff->voxels[i];
      if (interior.voxels[i]) ++a.interior, a.interior_ff += ff->voxels[i];
    }
    if (edema && edema->voxels[i]) ++a.edema;
    if (edema_assessed && edema_assessed->voxels[i]) ++a.assessed;
  }
  std::vector<LabelStatistics> out;
  for (const auto& [value, a] : acc) {
    LabelStatistics s;
    s.value = value;
    s.voxel_count = a.count;
    s.volume_ml = static_cast<double>(a.count) * labels.geometry.voxel_volume_ml();
    const bool fat_measured = ff && enough(a.ff_count, a.count);
    if (fat_measured) s.fat_fraction_pct = a.ff / static_cast<double>(a.ff_count);
    if (fat_measured && a.interior >= kMinInteriorVoxels)
      s.fat_fraction_interior_pct = a.interior_ff / static_cast<double>(a.interior);
    if (edema && enough(a.stir_count, a.count))
      s.edema_fraction_pct =
          100.0 * static_cast<double>(a.edema) / static_cast<double>(a.assessed > 0 ? a.assessed : a.stir_count);
    out.push_back(s);
  }
  return out;
}

}  // namespace myo::quantification
