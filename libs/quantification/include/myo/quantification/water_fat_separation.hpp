#pragma once
// Dixon from raw echoes: water, fat, fat fraction and field map from multi-echo gradient-echo magnitude and phase
// images, for protocols that export the echoes instead of (or before) the scanner's water and fat images.
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::quantification {

// Fat resonances relative to water (ppm) and their share of the fat signal.
struct FatSpectrum {
  std::string name;
  std::vector<double> ppm;
  std::vector<double> relative_amplitude;  // sums to 1
};
// Six-peak spectrum of human adipose tissue (Hamilton et al., NMR Biomed 2011; the ISMRM fat-water toolbox's
// default): -3.80, -3.40, -2.60, -1.94, -0.39, +0.60 ppm with 8.7, 69.3, 12.8, 0.4, 3.9, 4.8 %.
[[nodiscard]] FatSpectrum six_peak_fat_spectrum();

struct WaterFatSeparationParams {
  double field_strength_t = 3.0;
  FatSpectrum fat = six_peak_fat_spectrum();
  // The field map is estimated on blocks of about this size (complex average of the echoes), grown from the most
  // reliable block of each connected region, then refined per voxel around it.
  double block_mm = 6.0;
  double field_steps_per_period = 72;  // field values tried per period of the echo spacing on the blocks
  double refine_window = 0.04;         // per voxel, the field moves at most this share of a period from the blocks'
  // R2* is fitted (grid 0..max) with four or more echoes; with two or three it is taken as zero (too few data).
  double r2star_max_per_s = 300.0;
  double r2star_step_per_s = 10.0;
  double background_fraction = 0.1;  // blocks below this share of the 99th percentile of signal are background
  unsigned threads = 0;              // core::parallel_for workers; 0: the process-wide count
};

// How the separation was done, as the report records it.
struct WaterFatSeparationMethod {
  std::string name;  // "multi_echo_common_phase_fit"
  std::vector<double> echo_times_ms;
  double field_strength_t = 0;
  std::string fat_model;  // e.g. "six-peak (Hamilton 2011)"
  bool r2star_fitted = false;
  std::string field_map;           // how the field map was found, in words
  std::string fat_frequency_sign;  // "negative" (fat below water, the usual convention) or "positive": chosen by fit
  std::size_t regions = 0;         // connected regions whose field map was grown separately
  double block_mm = 0;
  double seconds = 0;
  std::string series;       // the raw echoes' series description (set by the caller)
  std::string phase_scale;  // how their stored phase values were read as radians (set by the caller)
};

struct WaterFatSeparation {
  core::ImageVolume water, fat;        // magnitudes of the fitted complex water and fat, in the echoes' units
  core::ImageVolume fat_fraction_pct;  // PDFF with magnitude discrimination (Liu 2007): no noise-floor bias
  core::ImageVolume field_map_hz;      // off-resonance of water
  std::optional<core::ImageVolume> r2star_per_s;  // with four or more echoes
  WaterFatSeparationMethod method;
};

// Why these echo times cannot separate water and fat at this field (empty when they can): fewer than two echoes,
// an echo spacing longer than a period of fat's main peak (the field map could not be told from fat), or echoes at
// which fat and water keep nearly the same phase relation (e.g. in-phase echoes only).
[[nodiscard]] std::string echo_times_problem(const std::vector<double>& echo_times_ms, double field_strength_t);

// `magnitude` and `phase_rad` hold one image per echo, on one grid, in the order of `echo_times_ms`. Model per
// voxel: S(t) = e^{i phi} (W + F sum_p a_p e^{i 2 pi f_p t}) e^{i 2 pi psi t} e^{-R2* t} with real W and F sharing
// the phase phi (Bydder 2011). Throws core::MyoError on inconsistent input.
[[nodiscard]] WaterFatSeparation separate_water_fat(const std::vector<core::ImageVolume>& magnitude,
                                                    const std::vector<core::ImageVolume>& phase_rad,
                                                    const std::vector<double>& echo_times_ms,
                                                    const WaterFatSeparationParams& params = {});

}  // namespace myo::quantification
