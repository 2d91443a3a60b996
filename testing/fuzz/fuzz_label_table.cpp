// libFuzzer target: the label-table parsers of "bring your own segmentation" (ITK-SNAP label descriptions, 3D Slicer
// colour tables, TotalSegmentator class lists: segmentation::read_label_table), the muscle-name roll-up of every name
// read (group_for_structure) and import_labels on a small label map that uses the table's values.
// MyoError is the expected answer to bad input; anything else escaping, or a sanitizer report, is a finding.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "myo/core/error.hpp"
#include "myo/segmentation/label_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = myo::fuzz::input_file(data, size, "labels.txt");
  try {
    const auto table = myo::segmentation::read_label_table(path);
    for (const auto& entry : table) static_cast<void>(myo::segmentation::group_for_structure(entry.name));
    // A 4x4x2 map whose voxels take the table's values (as label maps store them: 16-bit, wrapping like a cast).
    myo::core::Geometry geometry;
    geometry.size = {4, 4, 2};
    myo::core::LabelVolume labels(geometry);
    for (std::size_t i = 0; i < labels.voxels.size() && !table.empty(); ++i) {
      labels.voxels[i] = static_cast<std::uint16_t>(table[i % table.size()].value);
    }
    static_cast<void>(myo::segmentation::import_labels(labels, table));
  } catch (const myo::core::MyoError&) {
  }
  return 0;
}
