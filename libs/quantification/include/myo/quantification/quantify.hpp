#pragma once
// Fat fraction and edema per muscle group and side.
#include <optional>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/core/volume.hpp"
#include "myo/quantification/bias_field.hpp"
#include "myo/quantification/coverage.hpp"
#include "myo/quantification/swap.hpp"

namespace myo::quantification {

// Every channel on the labels' grid; null when the protocol lacks it.
struct QuantificationInput {
  const core::LabelVolume* labels = nullptr;
  const core::ImageVolume* water = nullptr;
  const core::ImageVolume* fat = nullptr;
  const core::ImageVolume* stir = nullptr;
  const core::ImageVolume* t1 = nullptr;
  const core::ImageVolume* scanner_fat_fraction_pct = nullptr;  // the scanner's own FF map, already in percent
  const core::ImageVolume* t2_map_ms = nullptr;                 // a T2 map (scanner's or fitted), in ms
  // The grid the STIR was acquired on, when it was resampled onto the labels' grid (typically thicker slices than
  // the Dixon): the water share that corrects the STIR is then measured at the STIR's resolution.
  const core::Geometry* stir_acquired_geometry = nullptr;
  // Where each channel has data on the labels' grid (core::covered_voxels); null: everywhere. A voxel a channel does
  // not cover is missing, never zero signal. The water (or T1) is the reference grid and covers it all.
  const core::MaskVolume* fat_covered = nullptr;
  const core::MaskVolume* stir_covered = nullptr;
  const core::MaskVolume* scanner_fat_fraction_covered = nullptr;
  const core::MaskVolume* t2_map_covered = nullptr;
};


struct QuantificationParams {
  bool noise_floor_correction = true;   // subtract the Rician noise power from magnitude W and F
  bool correct_swaps = true;            // find Dixon water/fat swaps (see swap.hpp) and exchange them back
  SwapDetectionParams swap;
  double fat_replaced_threshold_pct = 50.0;  // voxels above this FF count as fat-replaced volume
  double edema_reference_percentile = 0.10;  // start of the search for normal-appearing muscle: the least involved tenth of each level (IMNM edema can cover most of a level)
  double edema_reference_window = 0.3;       // the reference is the mode of water STIR: median of the values within +-30 % of it, iterated from the start
  bool stir_bias_correction = true;          // N4 on the STIR (fitted to non-fatty muscle) before the reference
  BiasCorrectionParams stir_bias;
  bool edema_fat_correction = true;          // STIR divided by the water share (1 - FF) of the voxel: fatty muscle is not "less edematous"
  double edema_min_water_share = 0.3;        // ... never by less than this (noise in fat-replaced voxels)
  bool edema_water_share_at_stir_resolution = true;  // ... measured over the STIR's own (thicker) voxels when known
  // Voxels with less water than this (at the STIR's resolution) are not assessed for edema: their water is mostly
  // that of the fat tissue and septa around them, brighter on STIR than muscle water, which the division would call
  // edema. A group's edema fraction is the share of edema among its assessable voxels (all voxels when fewer than
  // 50 or a tenth of the group are assessable).
  double edema_min_assessable_water_share = 0.5;
  double edema_ratio_threshold = 1.6;        // STIR above this multiple of the reference is edema
  double edema_noise_sd = 3.0;               // ... and above the reference by this many robust SDs
  double t2_map_max_fat_fraction_pct = 20.0;  // a T2 map is mono-exponential: fat inflates it, so fatty voxels are left out
  double level_slab_mm = 40.0;               // STIR reference computed per slab along the limb (coil bias)
  // A channel covering less than this share of a label gives it no number (null, with a warning); above it, the
  // label's numbers are over the covered voxels.
  double min_covered_pct = kMinCoveredPct;
  // The scanner's fat-fraction map as a cross-check of the Dixon fat fraction (scanner_ff_use "cross_check"): a
  // warning names the groups where the two differ by more than the first (a swap the scanner missed, ...), and one
  // says so when they differ by more than the second on average per group.
  double scanner_ff_group_warn_points = 5.0;
  double scanner_ff_mean_warn_points = 2.0;
};

struct GroupMeasurement {
  std::string group;
  core::Side side = core::Side::right;
  int label = 0;
  std::size_t voxel_count = 0;
  double volume_ml = 0;
  // Fat figures are over every voxel of the label (how MuscleMap, QMRITools and the literature report it), except
  // fat_fraction_interior_pct: the same mean over the label's interior (see label_interior), which leaves out the
  // border voxels that share their volume with septa and subcutaneous fat.
  std::optional<double> fat_fraction_pct;          // fat fraction (Dixon PDFF or scanner map), mean over the label
  std::optional<double> fat_fraction_interior_pct; // mean over the interior; null below kMinInteriorVoxels
  std::optional<double> fat_fraction_median_pct;
  std::optional<double> fat_fraction_p90_pct;
  std::optional<double> fat_replaced_volume_ml;    // volume of voxels above fat_replaced_threshold_pct
  std::optional<double> scanner_fat_fraction_pct;  // mean of the scanner's FF map over the same voxels (cross-check)
  std::optional<double> t1_fat_estimate_pct;       // without Dixon: an estimate from T1, not a measured PDFF
  std::optional<double> fat_replaced_share_pct;    // percent of voxels above the fat-replaced threshold (Dixon or T1)
  std::optional<int> mercuri_grade;                // 1..4 from the fat-replaced share
  std::string mercuri_modified_grade;              // "0", "1", "2a", "2b", "3", "4"; empty without a fat measure
  std::optional<double> edema_fraction_pct;        // percent of the group's voxels classified as edema
  std::optional<double> edema_volume_ml;
  std::optional<double> stir_ratio;                // median STIR of the group / normal-muscle reference
  std::optional<int> edema_grade;                  // 0..3 by extent
  std::optional<double> water_t2_ms;               // median T2 over the group's voxels below the fat limit (T2 map)
  std::optional<double> segmentation_confidence;   // automatic segmentation: its muscles' confidence, volume-weighted
};

struct QuantificationMethod {
  std::string fat_method;    // "dixon_pdff", "scanner_ff_map", "t1_estimate" or "none"
  std::string scanner_ff_use;  // "cross_check" (Dixon measured, map compared), "fat_fraction" (map used), or empty
  std::string edema_method;  // "stir_reference_ratio" or "none"
  std::string edema_water_share;  // "at_stir_resolution", "voxel", or empty (no fat measure: STIR used as it is)
  std::string water_t2_method;  // "t2_map_fat_excluded", "t2_map_no_fat_map" or empty (no T2 map)
  std::string stir_bias_method;  // "n4" when the STIR was bias-corrected, else empty
  std::optional<double> stir_bias_seconds;
  std::optional<double> stir_bias_range;  // 95th over 5th percentile of the field over muscle (1 = flat)
  std::optional<double> noise_sigma;  // estimated from the background of the Dixon images
  std::string swap_method;            // "adipose_vote_smooth_field" when swaps were looked for, else empty
  std::vector<SwapRegion> swap_regions;  // regions found swapped (and corrected)
  std::vector<std::string> swap_notes;   // what the swap check could not decide (nothing was changed there)
  QuantificationParams params;
};

struct QuantificationResult {
  std::vector<GroupMeasurement> groups;  // catalogue order, right then left; groups with no voxels omitted
  std::optional<core::ImageVolume> fat_fraction_map_pct;
  std::optional<core::MaskVolume> edema_mask;
  std::optional<core::MaskVolume> edema_assessed_mask;  // 1 where edema was assessed (every voxel of a group measured
                                                        // over all its voxels); edema shares are over these voxels
  MapCoverage coverage;  // where the two maps above have data (pointers to the input's masks)
  QuantificationMethod method;
};


// The interior of a labelling: labelled voxels whose four in-plane neighbours carry the same value. Its fat
// fraction is reported beside the whole label's (fat_fraction_interior_pct) when it holds at least this many voxels.
inline constexpr std::size_t kMinInteriorVoxels = 20;
[[nodiscard]] core::MaskVolume label_interior(const core::LabelVolume& labels);

// Volume, fat fraction (whole label and interior, as for the groups) and edema share of every label value present
// (any labelling, e.g. a user's individual muscles or the single muscles of the automatic segmentation), from the
// maps quantify() produced; the edema share is over the assessed voxels when that mask is given. A map covering too
// little of a label (see MapCoverage) gives it no number; otherwise the label's numbers are over the covered voxels.
struct LabelStatistics {
  int value = 0;
  std::size_t voxel_count = 0;
  double volume_ml = 0;
  std::optional<double> fat_fraction_pct;           // mean over the label
  std::optional<double> fat_fraction_interior_pct;  // mean over its interior (null below kMinInteriorVoxels)
  std::optional<double> edema_fraction_pct;
};
[[nodiscard]] std::vector<LabelStatistics> label_statistics(const core::LabelVolume& labels,
                                                            const core::ImageVolume* fat_fraction_pct,
                                                            const core::MaskVolume* edema_mask,
                                                            const core::MaskVolume* edema_assessed = nullptr,
                                                            const MapCoverage& coverage = {});

[[nodiscard]] QuantificationResult quantify(const QuantificationInput& input, const QuantificationParams& params = {});

}  // namespace myo::quantification
