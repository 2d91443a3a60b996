#pragma once
// Automatic segmentation of the hip and thigh muscle groups of both sides.
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::segmentation {

class SegmentationAtlas;

// All channels lie on one grid (the reference series'); a null channel is one the protocol lacks.
struct SegmentationInput {
  const core::ImageVolume* water = nullptr;  // Dixon water
  const core::ImageVolume* fat = nullptr;    // Dixon fat
  const core::ImageVolume* t1 = nullptr;     // T1-weighted (used for tissue classes without Dixon)
  const core::ImageVolume* stir = nullptr;   // STIR (excludes fluid such as the bladder)
};

struct SegmentationParams {
  double muscle_fat_likeness_limit = 0.5;  // voxels less fat-like than this are muscle tissue
  double adipose_fat_likeness = 0.85;      // more fat-like than this is adipose tissue, not even fatty muscle
  double compartment_closing_mm = 9.0;     // closes septa and fatty muscle into the muscle compartment
  double septum_opening_mm = 2.0;          // fat thinner than this (septa) is not counted as muscle
  double fluid_stir_ratio = 5.0;           // STIR above this multiple of muscle is fluid (edema stays below), never muscle
  double pelvic_midline_exclusion_mm = 8.0;   // band around the midline in the pelvis: never one side's muscle ...
  double pelvic_midline_exclusion_level_mm = 30.0;  // ... from this height above the perineum up (below it the
                                                    // gracilis and adductors arise from the pubis beside the midline)
  bool watershed_refinement = true;        // move group borders onto the fat septa
  double relief_smoothing_mm = 1.0;        // in-plane Gaussian blur of the fat-likeness relief of the watershed
  const SegmentationAtlas* atlas = nullptr;  // null: the built-in atlas (myo/segmentation/atlas.hpp)
  double atlas_marker_probability = 0.7;   // voxels this sure of one group seed the watershed
  double atlas_min_probability = 0.2;      // the watershed may not give a voxel a group the atlas finds less likely
  double gracilis_marker_probability = 0.5;  // the gracilis, a band a few voxels wide, rarely reaches the level above
  double strap_rim_fat_likeness = 0.6;     // fat this fat-like on the edge of a strap (sartorius, gracilis, TFL) ...
  double strap_rim_fat_margin = 0.35;      // ... and this much above the strap's own fat-likeness on that slice
                                           // (median; TFL: belly_rim_own_quantile) is not muscle
  int strap_rim_passes = 3;                // at most this many voxel layers are peeled (0: none)
  double belly_rim_own_quantile = 0.9;     // the TFL's own fat-likeness per slice: this quantile of its voxels off its
                                           // edge (the bands, sartorius and gracilis: their median)
  bool septum_lines_unlabelled = true;     // where two groups touch, the fattier voxel (their septum) belongs to neither
  int atlas_level_fit_passes = 8;          // at most this many refits of the atlas level (0: read at the perineum's)
  double atlas_level_fit_range_mm = 20.0;  // the fitted level lies within this distance of the perineum's
};

struct SliceLandmarks {
  double z_mm = 0;
  bool legs_separate = false;  // two muscle compartments (thigh level) rather than one (pelvis)
  std::optional<std::array<double, 2>> femur_right_xy_mm;
  std::optional<std::array<double, 2>> femur_left_xy_mm;
};

struct Landmarks {
  double midline_x_mm = 0;
  std::optional<double> crotch_z_mm;  // highest level at which the thighs are separate
  double atlas_level_offset_mm = 0;   // the atlas was read this far above the level counted from the crotch
  std::vector<SliceLandmarks> slices;
};

struct SegmentationResult {
  core::LabelVolume labels;        // catalogue labels, 0 elsewhere
  core::ImageVolume fat_likeness;  // 0..1: Dixon fat fraction, or T1 normalised between muscle and fat
  core::MaskVolume body;
  core::MaskVolume bone;           // 1 = bone (cortex closed over its marrow: femur, pelvis), for display as context
  Landmarks landmarks;
  std::vector<std::string> notes;  // what the algorithm assumed or could not find
  std::vector<std::string> warnings;  // what makes these labels doubtful: a reader must see it (report warnings)
};

// Throws core::MyoError when no usable channel is given or the grid is not axial.
[[nodiscard]] SegmentationResult segment_muscle_groups(const SegmentationInput& input,
                                                       const SegmentationParams& params = {});

}  // namespace myo::segmentation
