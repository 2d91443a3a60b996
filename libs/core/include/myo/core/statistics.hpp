#pragma once
// Robust statistics shared by segmentation and quantification.
#include <cstddef>
#include <functional>
#include <vector>

namespace myo::core {

// q in [0,1]; reorders `values`. Returns 0 for an empty sample.
[[nodiscard]] double percentile(std::vector<float>& values, double q);
// Otsu's threshold between lo and hi (256 bins).
[[nodiscard]] double otsu_threshold(const std::vector<float>& values, double lo, double hi);
// Every step-th value that passes `keep`, with step chosen so at most about max_count values are read.
[[nodiscard]] std::vector<float> sample_values(const std::vector<float>& values, std::size_t max_count,
                                               const std::function<bool(float)>& keep);

}  // namespace myo::core
