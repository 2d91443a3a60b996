#include "myo/quantification/water_t2.hpp"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <map>

#include "myo/core/error.hpp"
#include "myo/core/parallel.hpp"
#include "myo/core/statistics.hpp"

namespace myo::quantification {

WaterT2Map fit_water_t2(const std::vector<core::ImageVolume>& echoes, const std::vector<double>& echo_times_ms,
                        const core::MaskVolume* mask, const core::ImageVolume* fat_fraction_pct,
                        const WaterT2Params& params) {
  if (echoes.size() != echo_times_ms.size()) throw core::MyoError("water T2", "echo count and echo times differ");
  const std::size_t first = params.skip_first_echo ? 1 : 0;
  if (echoes.size() < first + 2 || (params.skip_first_echo && echoes.size() < 3))
    throw core::MyoError("water T2", params.skip_first_echo ? "fewer than three echoes to fit (the first is dropped)"
                                                            : "fewer than two echoes to fit");
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
  std::vector<double> te(m), fat_decay(m);
  for (std::size_t k = 0; k < m; ++k) {
    te[k] = echo_times_ms[first + k];
    fat_decay[k] = std::exp(-te[k] / params.fat_t2_ms);
  }
  out.echo_times_used_ms = te;
  // Table of water decays w_j(TE) on a log grid of T2, with the inner products the projection needs.
  const double lo = std::log(params.min_t2_ms), hi = std::log(params.max_t2_ms);
  const auto steps = static_cast<std::size_t>(std::ceil((hi - lo) / 0.01)) + 1;
  const double step = (hi - lo) / static_cast<double>(steps - 1);
  std::vector<double> table(steps * m), ww(steps), wf(steps);
  double ffd = 0;
  for (std::size_t k = 0; k < m; ++k) ffd += fat_decay[k] * fat_decay[k];
  for (std::size_t j = 0; j < steps; ++j) {
    const double t2 = std::exp(lo + step * static_cast<double>(j));
    for (std::size_t k = 0; k < m; ++k) {
      const double w = std::exp(-te[k] / t2);
      table[j * m + k] = w;
      ww[j] += w * w;
      wf[j] += w * fat_decay[k];
    }
  }
  const std::size_t per_slice = g.size[0] * g.size[1];
  const double noise_power = params.noise_sigma ? *params.noise_sigma * *params.noise_sigma : 0.0;
  std::atomic<std::size_t> fitted{0}, tried{0};
  const auto fit_slice = [&](int slice) {
    std::vector<double> s(m), model(m);
    const auto z = static_cast<std::size_t>(slice);
    {
      for (std::size_t i = z * per_slice; i < (z + 1) * per_slice; ++i) {
        if (mask && !mask->voxels[i]) continue;
        const double ff = fat_fraction_pct ? std::clamp(fat_fraction_pct->voxels[i] / 100.0, 0.0, 1.0) : 0.0;
        if (ff * 100.0 > params.max_fat_fraction_pct) continue;
        ++tried;
        double energy = 0, sf = 0;
        for (std::size_t k = 0; k < m; ++k) {
          const double v = echoes[first + k].voxels[i];
          s[k] = noise_power > 0 ? std::sqrt(std::max(0.0, v * v - noise_power)) : v;
          energy += s[k] * s[k];
          sf += s[k] * fat_decay[k];
        }
        if (energy <= 0) continue;
        const double a = 1.0 - ff;
        // Residual after the best S0 = energy - (s.model)^2 / (model.model), model = a w + ff f.
        std::size_t best = 0;
        double best_value = -1;
        for (std::size_t j = 0; j < steps; ++j) {
          double swj = 0;
          const double* w = &table[j * m];
          for (std::size_t k = 0; k < m; ++k) swj += s[k] * w[k];
          const double sm = a * swj + ff * sf;
          const double mm = a * a * ww[j] + 2 * a * ff * wf[j] + ff * ff * ffd;
          const double explained = sm * sm / mm;  // maximise what the model explains
          if (explained > best_value) best_value = explained, best = j;
        }
        if (best == 0 || best + 1 == steps) continue;  // at the limits of the range: a failed fit
        const auto residual = [&](double log_t2) {
          const double t2 = std::exp(log_t2);
          double sm = 0, mm = 0;
          for (std::size_t k = 0; k < m; ++k) {
            model[k] = a * std::exp(-te[k] / t2) + ff * fat_decay[k];
            sm += s[k] * model[k];
            mm += model[k] * model[k];
          }
          return energy - sm * sm / mm;
        };
        constexpr double kInvPhi = 0.6180339887498949;
        double x0 = lo + step * static_cast<double>(best - 1), x1 = lo + step * static_cast<double>(best + 1);
        double c = x1 - kInvPhi * (x1 - x0), d = x0 + kInvPhi * (x1 - x0);
        double fc = residual(c), fd = residual(d);
        for (int it = 0; it < 14; ++it) {
          if (fc < fd) {
            x1 = d, d = c, fd = fc;
            c = x1 - kInvPhi * (x1 - x0);
            fc = residual(c);
          } else {
            x0 = c, c = d, fc = fd;
            d = x0 + kInvPhi * (x1 - x0);
            fd = residual(d);
          }
        }
        out.water_t2_ms.voxels[i] = static_cast<float>(std::exp(0.5 * (x0 + x1)));
        ++fitted;
      }
    }
  };
  core::parallel_for(static_cast<int>(g.size[2]), fit_slice, params.threads);
  out.fitted_voxels = fitted;
  out.candidate_voxels = tried;
  return out;
}

std::optional<double> echo_noise_sigma(const std::vector<core::ImageVolume>& echoes) {
  if (echoes.empty()) return std::nullopt;
  // The background is found on the first (brightest) echo and read on the last, whose signal has decayed most.
  return core::rayleigh_background_sigma(echoes.front().voxels, echoes.back().voxels, 0.25, true);
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
