#pragma once
// The muscle-group catalogue (data/muscle_catalog.json, compiled in): names, label values, codes, regions.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "myo/core/geometry.hpp"

namespace myo::core {

struct MuscleGroup {
  std::string name;           // e.g. "adductors"
  std::string display_name;   // e.g. "Adductors"
  int label_right = 0;        // label value for the patient's right side
  int label_left = 0;         // label value for the patient's left side
  std::string compartment;    // anterior | medial | posterior | lateral | gluteal | hip_flexor
  std::string region;         // hip | thigh | hip_and_thigh
  std::string snomed_code;    // SNOMED CT code of the anatomical structure, empty when none is agreed
  std::string snomed_meaning;
  std::array<int, 3> color_rgb{128, 128, 128};
  [[nodiscard]] int label(Side side) const { return side == Side::right ? label_right : label_left; }
};

struct GroupSide {
  const MuscleGroup* group = nullptr;
  Side side = Side::right;
};

class MuscleCatalog {
 public:
  [[nodiscard]] static const MuscleCatalog& instance();
  [[nodiscard]] const std::vector<MuscleGroup>& groups() const { return groups_; }
  [[nodiscard]] const MuscleGroup* find(std::string_view name) const;
  [[nodiscard]] std::optional<GroupSide> from_label(int label) const;
  [[nodiscard]] int max_label() const;

  explicit MuscleCatalog(std::vector<MuscleGroup> groups) : groups_(std::move(groups)) {}

 private:
  std::vector<MuscleGroup> groups_;
};

}  // namespace myo::core
