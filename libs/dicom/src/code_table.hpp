#pragma once
// The codes MyoScope writes into DICOM results (SEG segment properties, SR concept names and units): one table row per
// muscle group and single muscle of the catalogue, one per measured quantity, each with the list it was checked
// against, or, for the few private codes, why no standard code fits. The rows live in code_table.cpp; the reasoning
// behind them in docs/dicom-codes.md. Private to libs/dicom.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "myo/core/geometry.hpp"

namespace myo::dicom::detail {

// A coded concept (PS3.3 Code Sequence Macro).
struct Code {
  std::string_view scheme;   // CodingSchemeDesignator: "SCT", "MDC", "DCM", "UCUM" or kPrivateScheme
  std::string_view value;    // CodeValue
  std::string_view meaning;  // CodeMeaning
  [[nodiscard]] bool is_private() const;
};

// MyoScope's coding scheme for concepts no standard list has (PS3.16 section 8.2: private designators start "99").
inline constexpr std::string_view kPrivateScheme = "99MYO";
inline constexpr std::string_view kPrivateSchemeName = "MyoScope codes";
inline constexpr std::string_view kPrivateSchemeOrganization = "MyoScope project";

// How a catalogue group or single muscle is coded: its structure, and the body region it lies in.
struct AnatomyCode {
  std::string_view name;    // catalogue name ("quadriceps", "vastus_lateralis")
  bool group = true;        // a group row; false: a single muscle (groups and muscles share some names)
  Code structure;           // SegmentedPropertyType, SR finding and finding site
  Code region;              // AnatomicRegionSequence: hip or thigh (PS3.16 CID 4031)
  std::string_view source;  // the list the code was checked against, or why a private code stands in
};

[[nodiscard]] const std::vector<AnatomyCode>& anatomy_codes();
// The row of a catalogue group (group = true) or single muscle; nullptr when the table has none.
[[nodiscard]] const AnatomyCode* find_anatomy_code(std::string_view name, bool group = true);

// Values of the rows below that other writers use as plain strings (PS3.16 CID 7150, 7710, 244).
inline constexpr const char* kSct = "SCT";
inline constexpr const char* kCategoryCode = "91723000";
inline constexpr const char* kCategoryMeaning = "Anatomical Structure";
inline constexpr const char* kSkeletalMuscleCode = "127954009";  // e.g. as the anatomic region of a finding
inline constexpr const char* kSkeletalMuscleMeaning = "Skeletal muscle";
inline constexpr const char* kRightCode = "24028007";
inline constexpr const char* kLeftCode = "7771000";

// Segment category (PS3.16 CID 7150) and laterality modifiers (CID 244).
[[nodiscard]] const Code& anatomical_structure_category();
[[nodiscard]] const Code& laterality_code(core::Side side);
[[nodiscard]] std::optional<core::Side> side_of_laterality_code(std::string_view value);

// The quantities of the measurement report: concept name, unit and, for a statistic, its derivation (CID 7464).
enum class Quantity {
  volume,
  fat_fraction_mean,
  fat_fraction_median,
  fat_replaced_volume,
  edema_fraction,
  edema_volume,
  stir_ratio,
  water_t2_median,
  mercuri_grade,
  mercuri_modified_grade,
  edema_grade,
};
struct QuantityCode {
  Quantity quantity;
  Code concept_name;
  std::optional<Code> unit;        // UCUM; none for a grade (written as text)
  std::optional<Code> derivation;  // Mean / Median
  std::string_view source;
};
[[nodiscard]] const std::vector<QuantityCode>& quantity_codes();
[[nodiscard]] const QuantityCode& quantity_code(Quantity quantity);

}  // namespace myo::dicom::detail
