#pragma once
// The muscle catalogue (data/muscle_catalog.json, compiled in): groups and the single muscles in them, with names,
// label values and regions (their DICOM codes: libs/dicom/src/code_table.cpp).
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
  std::array<int, 3> color_rgb{128, 128, 128};
  [[nodiscard]] int label(Side side) const { return side == Side::right ? label_right : label_left; }
};

// A single muscle the automatic segmentation labels (muscle_labels.nii.gz), in one group.
struct Muscle {
  std::string name;          // e.g. "vastus_lateralis"
  std::string display_name;  // e.g. "Vastus lateralis"
  std::string group;         // catalogue group name, e.g. "quadriceps"
  int label_right = 0;
  int label_left = 0;
  [[nodiscard]] int label(Side side) const { return side == Side::right ? label_right : label_left; }
};

struct MuscleSide {
  const Muscle* muscle = nullptr;
  Side side = Side::right;
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
  [[nodiscard]] const std::vector<Muscle>& muscles() const { return muscles_; }
  [[nodiscard]] const Muscle* find_muscle(std::string_view name) const;
  [[nodiscard]] std::optional<MuscleSide> muscle_from_label(int label) const;

  explicit MuscleCatalog(std::vector<MuscleGroup> groups, std::vector<Muscle> muscles = {})
      : groups_(std::move(groups)), muscles_(std::move(muscles)) {}

 private:
  std::vector<MuscleGroup> groups_;
  std::vector<Muscle> muscles_;
};

}  // namespace myo::core
