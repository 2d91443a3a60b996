#pragma once
// Grades, level profiles and the involvement pattern: the numbers and plain sentences a radiologist checks.
// Descriptive only: MyoScope never states a diagnosis.
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/quantification/quantify.hpp"

namespace myo::quantification {

// Semi-quantitative edema grade by extent (Wilks, BMC Rheumatol 2025): 0 none; 1 < 30 %; 2 30-75 %; 3 > 75 %.
// "None" means at most 2.5 % of voxels above the reference limit (Sci Rep 2020;10:7246).
[[nodiscard]] int edema_grade(double edema_fraction_pct);

// Mercuri grades from the share of the muscle that is fat-replaced.
struct MercuriGrade {
  int grade = 1;              // original scale 1..4 (1 normal, 2 < 30 %, 3 30-60 %, 4 washed-out)
  std::string modified_label;  // modified scale: "0", "1", "2a", "2b", "3", "4"
};
[[nodiscard]] MercuriGrade mercuri_grade(double fat_replaced_share_pct);

struct LevelValue {
  double level_mm = 0;  // slab centre along the head-foot axis (LPS z, mm)
  double cross_sectional_area_mm2 = 0;
  std::optional<double> fat_fraction_pct;
  std::optional<double> edema_fraction_pct;
};

struct GroupProfile {
  std::string group;
  core::Side side = core::Side::right;
  std::vector<LevelValue> levels;  // distal to proximal
};

struct LevelProfileParams {
  double slab_mm = 20.0;
  double min_area_mm2 = 50.0;  // slabs where the group is smaller than this are left out (partial volume tips)
};

// Profiles from the label map and the voxel maps (FF in %, edema mask), on one grid. A slab whose map covers too
// little of the group there (see MapCoverage) has no value of it.
[[nodiscard]] std::vector<GroupProfile> level_profiles(const core::LabelVolume& labels,
                                                       const core::ImageVolume* fat_fraction_pct,
                                                       const core::MaskVolume* edema_mask,
                                                       const core::MaskVolume* edema_assessed = nullptr,
                                                       const LevelProfileParams& params = {},
                                                       const MapCoverage& coverage = {});

struct PatternSummary {
  std::optional<double> proximal_to_distal_ff_difference_pct;  // FF of hip groups + proximal thigh minus distal thigh
  std::optional<double> posterior_to_anterior_ff_ratio;        // hamstrings+adductors over quadriceps
  std::optional<double> left_right_asymmetry_index_pct;        // mean |R-L| / mean(R,L) over groups, in %
  std::vector<std::string> most_involved_groups;               // by fat (or edema without fat), up to three
  std::vector<std::string> sentences;                          // plain-language description
};

[[nodiscard]] PatternSummary describe_pattern(const std::vector<GroupMeasurement>& groups,
                                              const std::vector<GroupProfile>& profiles);

}  // namespace myo::quantification
