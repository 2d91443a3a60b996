#include "myo/pipeline/analysis_folder.hpp"

#include <array>
#include <string_view>

namespace myo::pipeline {

bool written_by_myoscope(const std::string& name) {
  static constexpr std::array<std::string_view, 19> kEntries{
      "report.json",       "measurements.csv", "labels.nii.gz",     "muscle_labels.nii.gz", "fat_fraction.nii.gz",
      "water_t2_ms.nii.gz", "water.nii.gz",    "t1.nii.gz",         "stir.nii.gz",          "edema_mask.nii.gz",
      "bone.nii.gz",       "comparison.json",  "report.pdf",        "report.html",          "segmentation.json",
      "batch.json",        "serve.json",       "figures",           "dicom"};
  for (const auto entry : kEntries)
    if (name == entry) return true;
  return false;
}

}  // namespace myo::pipeline
