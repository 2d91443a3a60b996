#include "myo/pipeline/analysis_folder.hpp"

#include <array>
#include <string_view>

#include "myo/core/error.hpp"

namespace myo::pipeline {

bool written_by_myoscope(const std::string& name) {
  static constexpr std::array<std::string_view, 22> kEntries{
      "report.json",       "measurements.csv", "labels.nii.gz",     "muscle_labels.nii.gz", "fat_fraction.nii.gz",
      "water_t2_ms.nii.gz", "water.nii.gz",    "t1.nii.gz",         "stir.nii.gz",          "edema_mask.nii.gz",
      "bone.nii.gz",       "comparison.json",  "report.pdf",        "report.html",          "segmentation.json",
      "batch.json",        "serve.json",       "figures",           "dicom",                "corrected_labels.nii.gz",
      "edit_log.json",        "scene.glb"};
  for (const auto entry : kEntries)
    if (name == entry) return true;
  return false;
}

void refuse_input_replaced_with(const std::filesystem::path& output, const std::filesystem::path& input) {
  std::error_code ec;
  const auto out = std::filesystem::weakly_canonical(std::filesystem::absolute(output), ec);
  const auto in = std::filesystem::weakly_canonical(std::filesystem::absolute(input), ec);
  const auto inside = in.lexically_relative(out);
  if (ec || inside.empty() || *inside.begin() == "..") return;
  if (inside == "." || written_by_myoscope(inside.begin()->string()))
    throw core::MyoError(output.string(), "holds the input " + input.string() +
                                              ", which a new analysis would replace; choose another output folder",
                         core::ErrorKind::output);
}

}  // namespace myo::pipeline
