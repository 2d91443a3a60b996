#include "myo/core/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace myo::core {

double percentile(std::vector<float>& values, double q) {
  if (values.empty()) return 0.0;
  const auto n = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n), values.end());
  return values[n];
}

double otsu_threshold(const std::vector<float>& values, double lo, double hi) {
  constexpr int bins = 256;
  if (values.empty() || hi <= lo) return lo;
  std::vector<double> histogram(bins, 0.0);
  for (const float v : values) {
    const int b = std::clamp(static_cast<int>((v - lo) / (hi - lo) * (bins - 1)), 0, bins - 1);
    histogram[static_cast<std::size_t>(b)] += 1.0;
  }
  double total = 0;
  double sum = 0;
  for (int b = 0; b < bins; ++b) {
    total += histogram[static_cast<std::size_t>(b)];
    sum += b * histogram[static_cast<std::size_t>(b)];
  }
  double weight_below = 0;
  double sum_below = 0;
  double best = -1;
  int best_bin = 0;
  for (int b = 0; b < bins; ++b) {
    weight_below += histogram[static_cast<std::size_t>(b)];
    if (weight_below == 0) continue;
    const double weight_above = total - weight_below;
    if (weight_above == 0) break;
    sum_below += b * histogram[static_cast<std::size_t>(b)];
    const double mean_below = sum_below / weight_below;
    const double mean_above = (sum - sum_below) / weight_above;
    const double between = weight_below * weight_above * (mean_below - mean_above) * (mean_below - mean_above);
    if (between > best) {
      best = between;
      best_bin = b;
    }
  }
  return lo + (best_bin + 0.5) * (hi - lo) / (bins - 1);
}

std::vector<float> sample_values(const std::vector<float>& values, std::size_t max_count,
                                 const std::function<bool(float)>& keep) {
  std::vector<float> out;
  const std::size_t step = std::max<std::size_t>(1, values.size() / std::max<std::size_t>(max_count, 1));
  for (std::size_t i = 0; i < values.size(); i += step)
    if (keep(values[i])) out.push_back(values[i]);
  return out;
}

std::optional<double> rayleigh_background_sigma(const std::vector<float>& selector, const std::vector<float>& read,
                                                double threshold_fraction, bool skip_zero_read) {
  constexpr std::size_t kSamples = 500000;
  auto positive = sample_values(selector, kSamples, [](float v) { return v > 0; });
  if (positive.size() < 1000) return std::nullopt;  // the background is a subset of these samples
  const double high = percentile(positive, 0.995);
  const double threshold = otsu_threshold(positive, 0.0, high) * threshold_fraction;
  std::vector<float> background;
  const std::size_t step = std::max<std::size_t>(1, selector.size() / kSamples);
  for (std::size_t i = 0; i < selector.size(); i += step)
    if (selector[i] > 0 && selector[i] < threshold && (!skip_zero_read || read[i] > 0)) background.push_back(read[i]);
  if (background.size() < 1000) return std::nullopt;
  return percentile(background, 0.5) / std::sqrt(2.0 * std::log(2.0));
}

}  // namespace myo::core
