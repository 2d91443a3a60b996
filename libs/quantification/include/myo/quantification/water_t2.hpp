#pragma once
// Water T2 of muscle from a multi-echo spin-echo series (or a scanner T2 map), with fat handled explicitly.
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::quantification {

// Fat inflates a mono-exponential T2 (fat T2 ~150 ms vs muscle water ~30-35 ms). With a fat-fraction map on the echo
// grid, each voxel is fitted bi-exponentially with the fat share fixed to its FF and fat T2 fixed:
//   S(TE) = S0 [(1 - FF) exp(-TE/T2w) + FF exp(-TE/T2fat)],
// leaving S0 (linear) and T2w (1-D search). Voxels above `max_fat_fraction_pct` are left out: little water signal
// is left to fit. Without an FF map the fit is mono-exponential and says so. The first echo is skipped by default:
// with imperfect refocusing pulses it lacks the stimulated-echo contribution the later echoes carry (a full EPG fit
// as in MyoQMRI would model it; this does not).
//
// Leaving the first echo out removes most of the bias a mono- or bi-exponential model cannot explain (the
// evidence from the QMRITools demo series is in docs/experiments.md).
// Two-echo series (e.g. a TE 16/56 ms double echo) are fitted with both echoes (set skip_first_echo false).
//
// The fit: S0 is linear (projected out); T2w is found on a log-spaced table (about 1 % steps) of precomputed water
// decays, then refined by golden-section search between the table neighbours. Slices run on `threads` threads
// (core::parallel_for); each voxel's fit is independent, so the map does not depend on the thread count.
struct WaterT2Params {
  double fat_t2_ms = 151.0;             // domain notes: fat T2 in EPG fits of thigh muscle
  double max_fat_fraction_pct = 60.0;
  bool skip_first_echo = true;
  double min_t2_ms = 10.0, max_t2_ms = 150.0;  // search range; voxels at the limits are left out as failed fits
  unsigned threads = 0;                        // 0: the process-wide count (core::set_thread_count)
  // Rician noise of the magnitude echoes: late echoes of muscle sit near the noise floor, which lengthens the fitted
  // T2. When set, each echo is corrected to S = sqrt(max(0, M^2 - sigma^2)): a magnitude's mean is about
  // sqrt(S^2 + sigma^2), so this removes the first-order bias the least-squares fit sees (subtracting the full noise
  // power 2 sigma^2 over-corrects at low SNR).
  std::optional<double> noise_sigma;
  // A group with fewer fitted voxels than this gets no water T2 (its median would rest on a handful of voxels).
  std::size_t min_group_voxels = 10;
};

struct WaterT2Map {
  core::ImageVolume water_t2_ms;  // 0 where not fitted
  std::string method;             // "biexponential_fixed_fat" or "monoexponential"
  std::size_t fitted_voxels = 0;
  std::size_t candidate_voxels = 0;  // voxels in the mask (below the fat limit) that were tried
  std::vector<double> echo_times_used_ms;
};

// Noise sigma of magnitude echoes from the background (air): voxels far below Otsu's tissue threshold on the first
// echo, read on the last echo, where a Rayleigh distribution has median sigma sqrt(2 ln 2). Zero-filled voxels are
// ignored. None when too little background is seen.
[[nodiscard]] std::optional<double> echo_noise_sigma(const std::vector<core::ImageVolume>& echoes);

// How the water T2 of a study was measured, as the report records it.
struct WaterT2Method {
  std::string name;          // "multi_echo_biexponential_fixed_fat" | "multi_echo_monoexponential"
  std::string series;        // description of the multi-echo series
  std::vector<double> echo_times_ms;       // all echoes of the train
  std::vector<double> echo_times_used_ms;  // those fitted
  bool first_echo_dropped = true;
  std::string fat_handling;  // in words
  double fat_t2_ms = 151.0;
  double max_fat_fraction_pct = 60.0;
  std::size_t min_group_voxels = 10;  // fewer fitted voxels: no water T2 for the group
  std::size_t fitted_voxels = 0;
  std::size_t candidate_voxels = 0;
  std::optional<double> noise_sigma;  // noise-floor correction applied with this sigma
  double fit_seconds = 0;
};

// `echoes` share one grid, in echo order, with `echo_times_ms`; `mask` (optional) limits the fit;
// `fat_fraction_pct` (optional) is on the same grid.
[[nodiscard]] WaterT2Map fit_water_t2(const std::vector<core::ImageVolume>& echoes,
                                      const std::vector<double>& echo_times_ms, const core::MaskVolume* mask,
                                      const core::ImageVolume* fat_fraction_pct, const WaterT2Params& params = {});

struct LabelT2 {
  int label = 0;
  std::size_t voxel_count = 0;  // fitted voxels used
  double median_ms = 0;
  double mean_ms = 0;
};
// Per label value: the fitted voxels' median and mean water T2 (voxels with 0 in the map are skipped).
[[nodiscard]] std::vector<LabelT2> water_t2_per_label(const core::LabelVolume& labels, const core::ImageVolume& t2_ms);

}  // namespace myo::quantification
