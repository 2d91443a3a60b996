#pragma once
// Bring your own segmentation: label maps from manual work or other tools (ITK-SNAP, 3D Slicer, TotalSegmentator,
// DICOM SEG), their label tables, and the roll-up of individual muscles into MyoScope's groups and sides.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::segmentation {

struct LabelTableEntry {
  int value = 0;
  std::string name;
};

// Reads a label table, recognising its format from the content:
// - ITK-SNAP label description file: `IDX R G B A VIS MSH "Label name"` (lines starting with # are comments);
// - 3D Slicer colour table (.ctbl/.txt): `value name R G B A`;
// - TotalSegmentator class list or any `value name` / `value,name` list (e.g. total_mr_classes.txt).
// Throws core::MyoError naming the file and line when nothing can be read, and naming the value, both names and
// their lines when the table gives one value two names (which name was meant cannot be guessed).
[[nodiscard]] std::vector<LabelTableEntry> read_label_table(const std::filesystem::path& path);

struct GroupAndSide {
  std::string group;               // catalogue group, empty when the structure is not one of them
  std::optional<std::string> side;  // "right"/"left" when the name says so
};

// Maps an individual muscle name to its group: rectus femoris / vastus lateralis, medialis, intermedius ->
// quadriceps; biceps femoris (long and short heads), semitendinosus, semimembranosus -> hamstrings; adductor magnus,
// longus, brevis (and pectineus) -> adductors; gluteus medius and minimus -> gluteus_medius; iliacus, psoas ->
// iliopsoas; ... Understands separators (_ - space), "left/right/L/R/lt/rt" markers, and case.
[[nodiscard]] GroupAndSide group_for_structure(const std::string& name);

struct InputLabel {
  int value = 0;
  std::string name;     // from the label table, or "label <value>"
  std::string group;    // catalogue group it rolls up into; empty when it is not a catalogue muscle
  std::string side;     // "right"/"left" from the name, or "both" when split by patient geometry
  std::size_t voxel_count = 0;
};

struct ImportedLabels {
  core::LabelVolume group_labels;  // catalogue labels, same grid as the input
  std::vector<InputLabel> input_labels;
  std::vector<std::string> notes;
  // Values in the map that the table does not name (without a table: that are not catalogue labels), ascending.
  std::vector<int> unknown_values;
};

// Rolls a user label map up into the catalogue. A label without a side in its name is split by the voxel's side of
// the midline (LPS x; patient right is -x). `midline_x_mm` defaults to the centre of all labelled voxels.
// Without a table, values that are already catalogue group labels are kept as they are, and catalogue single-muscle
// labels (muscle_labels.nii.gz) are rolled up into their group and side.
[[nodiscard]] ImportedLabels import_labels(const core::LabelVolume& labels, const std::vector<LabelTableEntry>& table,
                                           std::optional<double> midline_x_mm = std::nullopt);

}  // namespace myo::segmentation
