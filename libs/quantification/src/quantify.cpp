#include "myo/quantification/quantify.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
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
  const std::size_t m = acquired.voxel_count();
  std::vector<double> water_sum(m, 0.0), total_sum(m, 0.0);
  std::vector<std::uint32_t> count(m, 0);
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
        const double weight = total ? std::max(0.0F, total->voxels[src]) : 1.0;
        water_sum[dst] += weight * std::clamp(1.0 - fat_pct.voxels[src] / 100.0, 0.0, 1.0);
        total_sum[dst] += weight;
        ++count[dst];
      }
  core::ImageVolume water(acquired, 0.0F), all(acquired, 0.0F);
  for (std::size_t v = 0; v < m; ++v)
    if (count[v]) {
      water.voxels[v] = static_cast<float>(water_sum[v] / count[v]);
      all.voxels[v] = static_cast<float>(total_sum[v] / count[v]);
    }
  const auto water_back = core::resample_to(water, g);
  const auto all_back = core::resample_to(all, g);
  core::ImageVolume share(g, 0.0F);
  for (std::size_t v = 0; v < share.voxels.size(); ++v)
    share.voxels[v] = all_back.voxels[v] > 0
                          ? std::clamp(water_back.voxels[v] / all_back.voxels[v], 0.0F, 1.0F)
                          : std::clamp(1.0F - fat_pct.voxels[v] / 100.0F, 0.0F, 1.0F);
  return share;
}

// Per label value: whether a channel (`covered`; null: everywhere) covers too little of it for a number.
std::vector<std::uint8_t> withheld_labels(const core::LabelVolume& labels, const core::MaskVolume* covered,
                                          double min_covered_pct, int max_label) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(max_label) + 1, 0);
  if (!covered) return out;
  for (const auto& c : label_coverage(labels, *covered))
    if (c.value <= max_label) out[static_cast<std::size_t>(c.value)] = !c.enough(min_covered_pct);
  return out;
}

}  // namespace

core::MaskVolume label_interior(const core::LabelVolume& labels) {
  const auto& g = labels.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1];
  core::MaskVolume interior(g, 0);
  const auto& v = labels.voxels;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i]) continue;
    const std::size_t x = i % nx, y = (i / nx) % ny;
    if (x == 0 || y == 0 || x + 1 == nx || y + 1 == ny) continue;
    interior.voxels[i] = v[i - 1] == v[i] && v[i + 1] == v[i] && v[i - nx] == v[i] && v[i + nx] == v[i];
  }
  return interior;
}

QuantificationResult quantify(const QuantificationInput& input, const QuantificationParams& params) {
  if (!input.labels) throw core::MyoError("quantification", "no label map given");
  const auto& g = input.labels->geometry;
  for (const auto* channel :
       {input.water, input.fat, input.stir, input.t1, input.scanner_fat_fraction_pct, input.t2_map_ms})
    if (channel && !channel->geometry.same_grid(g))
      throw core::MyoError("quantification", "image channels are not on the label grid (resample them first)");
  for (const auto* mask : {input.fat_covered, input.stir_covered, input.scanner_fat_fraction_covered, input.t2_map_covered})
    if (mask && !mask->geometry.same_grid(g))
      throw core::MyoError("quantification", "a coverage mask is not on the label grid");

  QuantificationResult result;
  result.method.params = params;
  const std::size_t n = g.voxel_count();
  const auto& labels = input.labels->voxels;
  const auto& catalog = core::MuscleCatalog::instance();
  const int max_label = catalog.max_label();

  // Fat fraction map (percent), Dixon only.
  const bool dixon = input.water && input.fat;
  if (dixon) {
    result.method.fat_method = "dixon_pdff";
    double sigma2 = 0;
    if (params.noise_floor_correction) {
      result.method.noise_sigma = background_sigma(*input.water, *input.fat, input.fat_covered);
      if (result.method.noise_sigma) sigma2 = 2.0 * *result.method.noise_sigma * *result.method.noise_sigma;
    }
    core::ImageVolume ff(g, 0.0F);
    for (std::size_t i = 0; i < n; ++i) {
      // Per voxel, no spatial smoothing: averaging neighbours would blur septal fat into the muscle's edge.
      if (!has_data(input.fat_covered, i)) continue;  // no fat image here: no fat fraction (0 in the map)
      const double mw = input.water->voxels[i];
      const double mf = input.fat->voxels[i];
      const double w = std::sqrt(std::max(0.0, mw * mw - sigma2));
      const double f = std::sqrt(std::max(0.0, mf * mf - sigma2));
      ff.voxels[i] = (w + f) > 0 ? static_cast<float>(100.0 * f / (w + f)) : 0.0F;
    }
    if (params.correct_swaps) {
      // A swapped voxel's F/(W+F) is the true W/(W+F): exchanging back is 100 - FF.
      result.method.swap_method = "adipose_vote_smooth_field";
      const auto swaps = detect_water_fat_swaps(*input.labels, *input.water, *input.fat, params.swap, input.fat_covered);
      for (std::size_t i = 0; i < n; ++i)
        if (swaps.swapped.voxels[i]) ff.voxels[i] = 100.0F - ff.voxels[i];
      result.method.swap_regions = swaps.regions;
      result.method.swap_notes = swaps.notes;
    }
    result.fat_fraction_map_pct = std::move(ff);
  } else if (input.scanner_fat_fraction_pct) {
    // No Dixon magnitudes, but the scanner's fat-fraction map: used as it is (no noise-floor or swap check possible).
    result.method.fat_method = "scanner_ff_map";
    result.method.scanner_ff_use = "fat_fraction";
    core::ImageVolume ff = *input.scanner_fat_fraction_pct;
    for (auto& v : ff.voxels) v = std::clamp(v, 0.0F, 100.0F);
    result.fat_fraction_map_pct = std::move(ff);
  } else if (input.t1) {
    result.method.fat_method = "t1_estimate";
  } else {
    result.method.fat_method = "none";
  }

  if (dixon && input.scanner_fat_fraction_pct) result.method.scanner_ff_use = "cross_check";

  // T1 estimate without Dixon: T1 normalised between this patient's muscle (low labelled values) and
  // subcutaneous fat (bright unlabelled body voxels).
  std::optional<core::ImageVolume> t1_fat;
  if (!result.fat_fraction_map_pct && input.t1) {
    std::vector<float> muscle_values;
    std::vector<float> other_values;
    for (std::size_t i = 0; i < n; i += 3) (labels[i] ? muscle_values : other_values).push_back(input.t1->voxels[i]);
    const double muscle_ref = percentile(muscle_values, 0.25);
    const double fat_ref = percentile(other_values, 0.97);
    core::ImageVolume estimate(g, 0.0F);
    for (std::size_t i = 0; i < n; ++i)
      estimate.voxels[i] = static_cast<float>(
          100.0 * std::clamp((input.t1->voxels[i] - muscle_ref) / std::max(fat_ref - muscle_ref, 1e-6), 0.0, 1.0));
    t1_fat = std::move(estimate);
  }

  // Edema: STIR against the normal-appearing muscle of the same level (handles coil bias along the limb). Fatty voxels
  // are dark on STIR (fat suppressed) and must not pull the reference down: they are left out by the Dixon fat
  // fraction, or without Dixon by the T1 estimate.
  const core::ImageVolume* fat_map =
      result.fat_fraction_map_pct ? &*result.fat_fraction_map_pct : t1_fat ? &*t1_fat : nullptr;
  // The water share as the STIR sees it (its own, usually coarser, resolution; see water_share_as_acquired).
  std::optional<core::ImageVolume> stir_water_share;
  if (input.stir && fat_map && input.stir_acquired_geometry && params.edema_water_share_at_stir_resolution &&
      !input.stir_acquired_geometry->same_grid(g)) {
    std::optional<core::ImageVolume> total;
    if (dixon) {
      total = core::ImageVolume(g, 0.0F);
      for (std::size_t i = 0; i < n; ++i) total->voxels[i] = input.water->voxels[i] + input.fat->voxels[i];
    }
    stir_water_share = water_share_as_acquired(*fat_map, total ? &*total : nullptr, *input.stir_acquired_geometry);
    result.method.edema_water_share = "at_stir_resolution";
  } else if (fat_map) {
    result.method.edema_water_share = "voxel";
  }
  // Fat percent of a voxel for the edema measurement: as the STIR sees it when known.
  const auto edema_fat_pct = [&](std::size_t i) -> double {
    if (stir_water_share) return 100.0 * (1.0 - stir_water_share->voxels[i]);
    return fat_map ? fat_map->voxels[i] : 0.0;
  };
  std::vector<double> stir_reference;  // per slice; 0 where a level has too little muscle
  // Water STIR: STIR comes from water (fat is suppressed), so a voxel that is 40 % fat shows only 60 % of the signal
  // its water gives; dividing by the water share keeps fatty but edematous muscle from reading as normal.
  // Coil bias: N4 fitted to the muscle that is not fatty (fat is dark on STIR and would read as bias).
  std::optional<BiasCorrection> stir_corrected;
  if (input.stir && params.stir_bias_correction) {
    core::MaskVolume fit(g, 0);
    std::size_t fit_count = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (labels[i] && edema_fat_pct(i) < 30.0 && has_data(input.stir_covered, i)) fit.voxels[i] = 1, ++fit_count;
    if (fit_count > 1000) {
      stir_corrected = correct_bias_field(*input.stir, fit, params.stir_bias);
      result.method.stir_bias_method = "n4";
      result.method.stir_bias_seconds = stir_corrected->seconds;
      std::vector<float> field;
      for (std::size_t i = 0; i < n; i += 5)
        if (fit.voxels[i]) field.push_back(stir_corrected->bias.voxels[i]);
      if (!field.empty()) result.method.stir_bias_range = percentile(field, 0.95) / std::max(1e-6, percentile(field, 0.05));
    }
  }
  const core::ImageVolume* stir = stir_corrected ? &stir_corrected->corrected : input.stir;
  const auto water_stir = [&](std::size_t i) {
    const double v = stir->voxels[i];
    if (!fat_map || !params.edema_fat_correction) return v;
    return v / std::max(params.edema_min_water_share, 1.0 - edema_fat_pct(i) / 100.0);
  };
  if (input.stir) {
    result.method.edema_method = "stir_reference_ratio";
    core::MaskVolume edema(g, 0);
    const int nz = static_cast<int>(g.size[2]);
    const std::size_t per_slice = g.size[0] * g.size[1];
    const int slab = std::max(1, static_cast<int>(std::lround(params.level_slab_mm / g.spacing_mm[2])));
    std::vector<double> reference(static_cast<std::size_t>(nz), 0.0);
    std::vector<double> threshold(static_cast<std::size_t>(nz), 0.0);
    for (int k0 = 0; k0 < nz; k0 += slab) {
      std::vector<float> values;
      for (int k = k0; k < std::min(nz, k0 + slab); ++k)
        for (std::size_t p = 0; p < per_slice; ++p) {
          const std::size_t i = static_cast<std::size_t>(k) * per_slice + p;
          if (labels[i] && stir->voxels[i] > 0 && edema_fat_pct(i) < 30.0)
            values.push_back(static_cast<float>(water_stir(i)));
        }
      if (values.size() < 50) continue;
      // Normal-appearing muscle is the lowest mode of the distribution even when edema covers most of the level.
      // Start at a low percentile (below the edema) and climb to the mode: the median of the values within a
      // window around the estimate, repeated. A low percentile alone sits below the mode by the spread of normal
      // muscle (noise, residual coil bias) and would call the upper half of normal muscle edema.
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
      // Spread of normal muscle from its lower half (edema only adds to the upper half).
      std::vector<float> below;
      for (const float v : values)
        if (v <= ref) below.push_back(static_cast<float>(ref - v));
      const double robust_sd = below.empty() ? 0.0 : 1.4826 * percentile(below, 0.5);
      const double limit = std::max(ref * params.edema_ratio_threshold, ref + params.edema_noise_sd * robust_sd);
      for (int k = k0; k < std::min(nz, k0 + slab); ++k) {
        reference[static_cast<std::size_t>(k)] = ref;
        threshold[static_cast<std::size_t>(k)] = limit;
      }
    }
    for (int k = 0; k < nz; ++k) {
      if (reference[static_cast<std::size_t>(k)] <= 0) continue;
      for (std::size_t p = 0; p < per_slice; ++p) {
        const std::size_t i = static_cast<std::size_t>(k) * per_slice + p;
        if (labels[i] && stir->voxels[i] > 0 && water_stir(i) > threshold[static_cast<std::size_t>(k)])
          edema.voxels[i] = 1;
      }
    }
    result.edema_mask = std::move(edema);
    stir_reference = std::move(reference);
  } else {
    result.method.edema_method = "none";
  }

  // Aggregate per label in one pass.
  struct Accumulator {
    std::size_t count = 0;
    std::size_t ff_count = 0;    // voxels with a fat fraction (covered by its series)
    std::size_t stir_count = 0;  // voxels the STIR covers
    std::size_t edema = 0;
    std::size_t fat_replaced = 0;
    double ff_sum = 0;
    double t1_sum = 0;
    double scanner_sum = 0;
    std::vector<float> ff_values;
  };
  std::vector<Accumulator> acc(static_cast<std::size_t>(max_label) + 1);
  // The interior (see label_interior) gets its own fat fraction; every other fat figure is over the whole label.
  const auto interior = label_interior(*input.labels);
  std::vector<Accumulator> interior_acc(static_cast<std::size_t>(max_label) + 1);
  // Edema is counted over the voxels where STIR can tell it (see edema_min_assessable_water_share).
  const auto edema_assessable = [&](std::size_t i) {
    return has_data(input.stir_covered, i) &&
           100.0 - edema_fat_pct(i) >= 100.0 * params.edema_min_assessable_water_share;
  };
  // Where the fat-fraction map has data; labels a channel covers too little of get no number from it.
  const core::MaskVolume* ff_covered = dixon ? input.fat_covered : input.scanner_fat_fraction_covered;
  result.coverage = {result.fat_fraction_map_pct ? ff_covered : nullptr, input.stir_covered, params.min_covered_pct};
  const auto withheld = [&](const core::MaskVolume* covered) {
    return withheld_labels(*input.labels, covered, params.min_covered_pct, max_label);
  };
  const auto ff_withheld = withheld(ff_covered), stir_withheld = withheld(input.stir_covered);
  const auto scanner_withheld = withheld(input.scanner_fat_fraction_covered), t2_withheld = withheld(input.t2_map_covered);
  std::vector<std::size_t> assessable_count(static_cast<std::size_t>(max_label) + 1, 0);
  std::vector<std::size_t> assessable_edema(assessable_count);
  for (std::size_t i = 0; i < n; ++i) {
    const int label = labels[i];
    if (label <= 0 || label > max_label) continue;
    auto& a = acc[static_cast<std::size_t>(label)];
    ++a.count;
    if (result.fat_fraction_map_pct && has_data(ff_covered, i)) {
      const float ff = result.fat_fraction_map_pct->voxels[i];
      ++a.ff_count;
      a.ff_sum += ff;
      if (input.scanner_fat_fraction_pct) a.scanner_sum += input.scanner_fat_fraction_pct->voxels[i];
      a.ff_values.push_back(ff);
      if (ff > params.fat_replaced_threshold_pct) ++a.fat_replaced;
      if (interior.voxels[i]) {
        auto& in = interior_acc[static_cast<std::size_t>(label)];
        ++in.count;
        in.ff_sum += ff;
      }
    }
    if (t1_fat) {
      a.t1_sum += t1_fat->voxels[i];
      if (t1_fat->voxels[i] > params.fat_replaced_threshold_pct) ++a.fat_replaced;
    }
    if (has_data(input.stir_covered, i)) ++a.stir_count;
    if (result.edema_mask && result.edema_mask->voxels[i]) ++a.edema;
    if (result.edema_mask && edema_assessable(i)) {
      ++assessable_count[static_cast<std::size_t>(label)];
      if (result.edema_mask->voxels[i]) ++assessable_edema[static_cast<std::size_t>(label)];
    }
  }
  // A group is measured over its assessable voxels when they are enough (a group almost entirely fat-replaced keeps
  // all its voxels); the mask then holds only the voxels that were measured.
  std::vector<std::uint8_t> assessed_only(static_cast<std::size_t>(max_label) + 1, 0);
  for (std::size_t label = 0; label < assessed_only.size(); ++label)
    assessed_only[label] = assessable_count[label] >= 50 && assessable_count[label] * 10 >= acc[label].stir_count;
  if (result.edema_mask) {
    core::MaskVolume assessed(g, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const int label = labels[i];
      if (label <= 0 || label > max_label) continue;
      assessed.voxels[i] = has_data(input.stir_covered, i) &&
                           (!assessed_only[static_cast<std::size_t>(label)] || edema_assessable(i));
      if (!assessed.voxels[i]) result.edema_mask->voxels[i] = 0;
    }
    result.edema_assessed_mask = std::move(assessed);
  }
  // STIR ratio per label: median of voxel STIR over its level's normal-muscle reference (over the measured voxels).
  std::vector<std::vector<float>> stir_ratio(static_cast<std::size_t>(max_label) + 1);
  if (input.stir) {
    const std::size_t per_slice = g.size[0] * g.size[1];
    const auto& assessed = result.edema_assessed_mask->voxels;  // made above whenever there is a STIR
    for (std::size_t i = 0; i < n; ++i) {
      const int label = labels[i];
      const double ref = stir_reference[i / per_slice];
      if (label > 0 && label <= max_label && ref > 0 && assessed[i])
        stir_ratio[static_cast<std::size_t>(label)].push_back(static_cast<float>(water_stir(i) / ref));
    }
  }

  // Water T2 per label from a T2 map: fat inflates a mono-exponential T2, so voxels above the fat limit are left out
  // when a measured FF map exists (the T1 estimate is too coarse for this).
  std::vector<std::vector<float>> t2_values(static_cast<std::size_t>(max_label) + 1);
  if (input.t2_map_ms) {
    const core::ImageVolume* ff_for_t2 = result.fat_fraction_map_pct ? &*result.fat_fraction_map_pct : nullptr;
    result.method.water_t2_method = ff_for_t2 ? "t2_map_fat_excluded" : "t2_map_no_fat_map";
    for (std::size_t i = 0; i < n; ++i) {
      const int label = labels[i];
      const float t2 = input.t2_map_ms->voxels[i];
      if (label <= 0 || label > max_label || !(t2 > 0) || t2 > 500) continue;
      if (ff_for_t2 && ff_for_t2->voxels[i] > params.t2_map_max_fat_fraction_pct) continue;
      t2_values[static_cast<std::size_t>(label)].push_back(t2);
    }
  }

  const double voxel_ml = g.voxel_volume_ml();
  for (const auto side : {core::Side::right, core::Side::left}) {
    for (const auto& group : catalog.groups()) {
      const int label = group.label(side);
      auto& a = acc[static_cast<std::size_t>(label)];
      if (a.count == 0) continue;
      GroupMeasurement m;
      m.group = group.name;
      m.side = side;
      m.label = label;
      m.voxel_count = a.count;
      m.volume_ml = static_cast<double>(a.count) * voxel_ml;
      const auto l = static_cast<std::size_t>(label);
      if (result.fat_fraction_map_pct && !ff_withheld[l]) {
        // Over the whole label (one definition for groups, single muscles and input labels alike) where the fat
        // series covers it; the interior mean is its own figure.
        m.fat_fraction_pct = a.ff_sum / static_cast<double>(a.ff_count);
        if (result.method.scanner_ff_use == "cross_check" && !scanner_withheld[l])
          m.scanner_fat_fraction_pct = a.scanner_sum / static_cast<double>(a.ff_count);
        m.fat_fraction_median_pct = percentile(a.ff_values, 0.5);
        m.fat_fraction_p90_pct = percentile(a.ff_values, 0.9);
        m.fat_replaced_volume_ml = static_cast<double>(a.fat_replaced) * voxel_ml;
        const auto& in = interior_acc[static_cast<std::size_t>(label)];
        if (in.count >= kMinInteriorVoxels) m.fat_fraction_interior_pct = in.ff_sum / static_cast<double>(in.count);
      }
      if (t1_fat) m.t1_fat_estimate_pct = a.t1_sum / static_cast<double>(a.count);
      if (m.fat_fraction_pct || t1_fat) {
        const std::size_t measured = m.fat_fraction_pct ? a.ff_count : a.count;
        m.fat_replaced_share_pct = 100.0 * static_cast<double>(a.fat_replaced) / static_cast<double>(measured);
        const auto grade = mercuri_grade(*m.fat_replaced_share_pct);
        m.mercuri_grade = grade.grade;
        m.mercuri_modified_grade = grade.modified_label;
      }
      if (result.edema_mask && !stir_withheld[l]) {
        // Over the assessable voxels: the edema share of what STIR can read, taken as the group's; the volume is
        // that share of the group's volume.
        m.edema_fraction_pct = assessed_only[l] ? 100.0 * static_cast<double>(assessable_edema[l]) /
                                                      static_cast<double>(assessable_count[l])
                                                : 100.0 * static_cast<double>(a.edema) / static_cast<double>(a.stir_count);
        m.edema_volume_ml = *m.edema_fraction_pct / 100.0 * m.volume_ml;
        auto& ratios = stir_ratio[static_cast<std::size_t>(label)];
        if (!ratios.empty()) m.stir_ratio = percentile(ratios, 0.5);
        m.edema_grade = edema_grade(*m.edema_fraction_pct);
      }
      if (auto& t2 = t2_values[l]; t2.size() >= 10 && !t2_withheld[l]) m.water_t2_ms = percentile(t2, 0.5);
      result.groups.push_back(std::move(m));
    }
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
