#pragma once
// Building a 3D volume from one indexed series: slices sorted along the slice normal, rescale applied.
#include <optional>
#include <string>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/nifti_integers.hpp"
#include "myo/core/volume.hpp"
#include "myo/dicom/scan.hpp"

namespace myo::dicom {

struct LoadedSeries {
  SeriesInfo info;
  core::ImageVolume volume;           // real-world values (rescale slope/intercept applied; Philips: see LoadOptions), LPS geometry
  std::vector<std::string> warnings;  // e.g. "non-uniform slice spacing 5.0..5.5 mm"
};

// Errors name the series (UID and description) and what is wrong (missing slices, mixed orientation, ...).
// Geometry: origin = centre of the first voxel of the slice lowest along the normal; direction columns are the row
// cosine (direction of increasing column index), the column cosine and their cross product (the slice normal).
// Transfer syntaxes: native (little/big endian, implicit/explicit), RLE, JPEG lossless/baseline, JPEG-LS and
// JPEG 2000 (through OpenJPEG); anything else fails with an error naming the transfer syntax.
[[nodiscard]] core::Result<LoadedSeries> load_series(const SeriesInfo& series);

struct LoadOptions {
  // Philips also stores a private scale slope SS (2005,100E): the displayed value DV = stored x RescaleSlope +
  // RescaleIntercept is scaled for viewing, the reconstructor's floating-point value is FP = DV / (RescaleSlope x SS)
  // (dcm2niix's default "Philips precise float"; Philips' own quantitative maps use FP, e.g. rad and Hz for phase and
  // field maps). On by default because W and F images may carry different display scalings, which would bias a fat
  // fraction computed from DV. Only files that carry SS are affected; set false for the displayed values.
  bool philips_float_scaling = true;
  unsigned threads = 0;  // files decoded in parallel; 0: the process-wide count (core::set_thread_count)
};
[[nodiscard]] core::Result<LoadedSeries> load_series(const SeriesInfo& series, const LoadOptions& options);

// Every volume of one series, for series that hold several volumes at the same slice positions (fMRI time points,
// ASL label/control pairs, repeats): the 4D data dcm2niix writes as one file. Volumes are ordered by echo number,
// echo time, temporal position, then InstanceNumber and frame order (the order of acquisition); a series with
// unrepeated positions gives one volume, exactly load_series'.
struct LoadedVolumes {
  SeriesInfo info;
  std::vector<core::ImageVolume> volumes;             // all on one grid
  std::vector<std::optional<double>> echo_times_ms;   // per volume
  std::vector<int> temporal_positions;                // per volume: TemporalPositionIndex, 0 when absent
  std::optional<double> flip_angle_deg;               // FlipAngle (0018,1314)
  std::string in_plane_phase_encoding;                // ROW or COL (0018,1312; COLUMN on Enhanced MR), empty when absent
  std::optional<bool> phase_encoding_positive;        // towards increasing column/row index; Siemens and GE, else unknown
  // The one rescale (as applied, Philips' floating-point scaling included) every slice shares when the stored
  // samples have at most 16 bits: the values are then intercept + slope x the scanner's stored integers.
  std::optional<core::IntegerScaling> shared_rescale;
  std::vector<std::string> warnings;
};
[[nodiscard]] core::Result<LoadedVolumes> load_series_volumes(const SeriesInfo& series, const LoadOptions& options = {});

// The echoes of one multi-echo spin-echo train (role t2_multi_echo), on one grid, sorted by echo time.
struct EchoTrain {
  std::string description;            // the series description of the first echo
  std::vector<core::ImageVolume> echoes;
  std::vector<double> echo_times_ms;  // ascending, one per echo
  std::vector<std::string> warnings;
};

// Loads the given echoes (e.g. a group from find_echo_trains) and checks that they form one train: every echo has
// an echo time, no two share one, all have the same number of slices at the same positions on the same grid.
// An inconsistent train is an error naming the series and what is wrong (an echo missing at a slice, unequal
// counts, another grid).
[[nodiscard]] core::Result<EchoTrain> load_echo_train(const std::vector<SeriesInfo>& echoes,
                                                      const LoadOptions& options = {});

// The echoes of one raw multi-echo gradient-echo acquisition (role dixon_echo), magnitude and phase per echo, on one
// grid, sorted by echo time, phase in radians.
struct DixonEchoes {
  std::string description;  // of the first magnitude part
  std::vector<core::ImageVolume> magnitude, phase_rad;
  std::vector<double> echo_times_ms;  // ascending
  std::optional<double> magnetic_field_strength_t;
  std::string phase_scale;  // how stored phase values were read as radians, e.g. "milliradians (GE)"
  std::vector<std::string> warnings;
};

// Loads the parts of one acquisition (e.g. a group from find_dixon_echo_sets) and pairs magnitude and phase by echo
// time. Phase values become radians by the vendor's convention (libs/dicom/vendor_conventions.md): radians when they
// span at most 2 pi (Philips floating-point values), milliradians on GE, else 4096 (stored 0..4095) or 8192
// (Siemens' rescaled -4096..4094) units per cycle, told apart by the span. An echo without its pair, echoes on
// different grids or phase values of no known scale are errors naming the series.
[[nodiscard]] core::Result<DixonEchoes> load_dixon_echoes(const std::vector<SeriesInfo>& parts,
                                                          const LoadOptions& options = {});

struct StitchOptions {
  double max_overlap_mismatch_mm = 0.5;  // in-plane grids of the stations must agree to this tolerance
};

// Joins several table positions (stations) of the same contrast into one volume along their common slice normal.
// The stations must share orientation, in-plane size, pixel spacing and in-plane position, and be contiguous or
// overlapping along the normal; overlapping slices are averaged. Slice spacing must agree between stations.
[[nodiscard]] core::Result<LoadedSeries> stitch_series(const std::vector<LoadedSeries>& stations,
                                                       const StitchOptions& options = {});

}  // namespace myo::dicom
