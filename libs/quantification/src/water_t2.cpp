#include "myo/quantification/water_t2.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "myo/core/error.hpp"
#include "myo/core/statistics.hpp"

namespace myo::quantification {

WaterT2Map fit_water_t2(const std::vector<core::ImageVolume>& echoes, const std::vector<double>& echo_times_ms,
                        const core::MaskVolume* mask, const core::ImageVolume* fat_fraction_pct,
                        const WaterT2Params& params) {
  if (echoes.size() != echo_times_ms.size()) throw core::MyoError("water T2", "echo count and echo times differ");
  const std::size_t first = params.skip_first_echo ? 1 : 0;
  if (echoes.size() < first + 3) throw core::MyoError("water T2", "fewer than three echoes to fit");
  const auto& g = echoes.front().geometry;
  for (const auto& e : echoes)
    if (!e.geometry.same_grid(g)) throw core::MyoError("water T2", "echo images are not on one grid");
  if (mask && !mask->geometry.same_grid(g)) throw core::MyoError("water T2", "the mask is not on the echo grid");
  if (fat_fraction_pct && !fat_fraction_pct->geometry.same_grid(g))
    throw core::MyoError("water T2", "the fat-fraction map is not on the echo grid (resample it first)");

  WaterT2Map out;
  out.method = fat_fraction_pct ? "biexponential_fixed_fat" : "monoexponential";
  out.water_t2_ms = core::ImageVolume(g, 0.0F);
  const std::size_t m = echoes.size() - first;
  std::vector<double> te(m), s(m), fat_decay(m), model(m);
  for (std::size_t k = 0; k < m; ++k) {
    te[k] = echo_times_ms[first + k];
    fat_decay[k] = std::exp(-te[k] / params.fat_t2_ms);
  }
  const double lo = std::log(params.min_t2_ms), hi = std::log(params.max_t2_ms);
  for (std::size_t i = 0; i < g.voxel_count(); ++i) {
    if (mask && !mask->voxels[i]) continue;
    const double ff = fat_fraction_pct ? std::clamp(fat_fraction_pct->voxels[i] / 100.0, 0.0, 1.0) : 0.0;
    if (ff * 100.0 > params.max_fat_fraction_pct) continue;
    double energy = 0;
    for (std::size_t k = 0; k < m; ++k) s[k] = echoes[first + k].voxels[i], energy += s[k] * s[k];
    if (energy <= 0) continue;
    // Residual after the best S0 for a given water T2 (S0 is linear: projection onto the model).
    const auto residual = [&](double log_t2) {
      const double t2 = std::exp(log_t2);
      double sm = 0, mm = 0;
      for (std::size_t k = 0; k < m; ++k) {
        model[k] = (1.0 - ff) * std::exp(-te[k] / t2) + ff * fat_decay[k];
        sm += s[k] * model[k];
        mm += model[k] * model[k];
      }
      return energy - sm * sm / mm;
    };
    // Golden-section search on log T2 (the residual is unimodal in practice over this range).
    constexpr double kInvPhi = 0.6180339887498949;
    double a = lo, b = hi, c = b - kInvPhi * (b - a), d = a + kInvPhi * (b - a);
    double fc = residual(c), fd = residual(d);
    for (int it = 0; it < 40; ++it) {
      if (fc < fd) {
        b = d, d = c, fd = fc;
        c = b - kInvPhi * (b - a);
        fc = residual(c);
      } else {
        a = c, c = d, fc = fd;
        d = a + kInvPhi * (b - a);
        fd = residual(d);
      }
    }
    const double t2 = std::exp(0.5 * (a + b));
    if (t2 <= params.min_t2_ms * 1.02 || t2 >= params.max_t2_ms * 0.98) continue;  // at the limits: failed fit
    out.water_t2_ms.voxels[i] = static_cast<float>(t2);
    ++out.fitted_voxels;
  }
  return out;
}

std::vector<LabelT2> water_t2_per_label(const core::LabelVolume& labels, const core::ImageVolume& t2_ms) {
  if (!labels.geometry.same_grid(t2_ms.geometry)) throw core::MyoError("water T2", "labels and T2 map differ in grid");
  std::map<int, std::vector<float>> values;
  for (std::size_t i = 0; i < labels.voxels.size(); ++i)
    if (labels.voxels[i] && t2_ms.voxels[i] > 0) values[labels.voxels[i]].push_back(t2_ms.voxels[i]);
  std::vector<LabelT2> out;
  for (auto& [label, v] : values) {
    LabelT2 t;
    t.label = label;
    t.voxel_count = v.size();
    double sum = 0;
    for (const float x : v) sum += x;
    t.mean_ms = sum / static_cast<double>(v.size());
    t.median_ms = core::percentile(v, 0.5);
    out.push_back(t);
  }
  return out;
}

}  // namespace myo::quantification
