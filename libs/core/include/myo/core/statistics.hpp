#pragma once
// Robust statistics shared by segmentation and quantification.
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace myo::core {

// q in [0,1]; reorders `values`. Returns 0 for an empty sample.
[[nodiscard]] double percentile(std::vector<float>& values, double q);
// Otsu's threshold between lo and hi (256 bins).
[[nodiscard]] double otsu_threshold(const std::vector<float>& values, double lo, double hi);
// Every step-th value that passes `keep`, with step chosen so at most about max_count values are read.
[[nodiscard]] std::vector<float> sample_values(const std::vector<float>& values, std::size_t max_count,
                                               const std::function<bool(float)>& keep);
// Rician noise sigma of magnitude images from their background, where the signal is Rayleigh distributed with
// median sigma*sqrt(2 ln 2). The background is where `selector` is positive and below `threshold_fraction` of Otsu's
// threshold between air and tissue (far above the noise, so the selection barely truncates the distribution);
// values are read from `read` (same grid), zeros left out when `skip_zero_read` (outside the reconstructed field of
// view there is no noise). None with fewer than 1000 background samples.
[[nodiscard]] std::optional<double> rayleigh_background_sigma(const std::vector<float>& selector,
                                                              const std::vector<float>& read, double threshold_fraction,
                                                              bool skip_zero_read);

}  // namespace myo::core
