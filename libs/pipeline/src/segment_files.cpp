#include "myo/pipeline/segment_files.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/output_folder.hpp"
#include "myo/pipeline/analysis_folder.hpp"
#include "myo/core/version.hpp"
#include "myo/segmentation/muscle_model.hpp"
#include "myo/segmentation/segment.hpp"

namespace myo::pipeline {
namespace {

std::optional<core::ImageVolume> read_optional(const std::filesystem::path& path) {
  if (path.empty()) return std::nullopt;
  if (!std::filesystem::exists(path)) throw core::MyoError(path.string(), "image file not found");
  return core::read_image(path);
}

// Every channel must lie on the first one's grid, within what float32 headers lose.
void check_grids(const std::vector<std::pair<const core::ImageVolume*, std::filesystem::path>>& channels) {
  const core::ImageVolume* first = nullptr;
  for (const auto& [image, path] : channels) {
    if (image == nullptr) continue;
    if (first == nullptr)
      first = image;
    else if (!image->geometry.same_grid_within_voxels(first->geometry))
      throw core::MyoError(path.string(), "not on the grid of the other images (" + image->geometry.describe() + ")");
  }
}

std::string summary_json(const segmentation::SegmentationResult& r, const std::string& model_origin) {
  nlohmann::json muscles = nlohmann::json::array();
  for (const auto& c : r.confidence)
    muscles.push_back({{"muscle", c.muscle},
                       {"side", core::to_string(c.side)},
                       {"volume_ml", c.volume_ml},
                       {"segmentation_confidence", c.confidence},
                       {"mean_probability", c.mean_probability},
                       {"view_agreement", c.view_agreement ? nlohmann::json(*c.view_agreement) : nlohmann::json()},
                       {"flagged", c.flagged}});
  const nlohmann::json doc{
      {"software",
       {{"name", core::software_name()}, {"version", core::software_version()}, {"git", core::git_revision()}}},
      {"model", model_origin},
      {"method", r.method},
      {"midline_x_mm", r.landmarks.midline_x_mm},
      {"crotch_z_mm", r.landmarks.crotch_z_mm ? nlohmann::json(*r.landmarks.crotch_z_mm) : nlohmann::json()},
      {"single_limb",
       r.landmarks.single_limb ? nlohmann::json(core::to_string(*r.landmarks.single_limb)) : nlohmann::json()},
      {"confidence_flag_below", r.confidence_flag_below},
      {"muscles", muscles},
      {"notes", r.notes},
      {"warnings", r.warnings}};
  return doc.dump(2) + "\n";
}

void segment_into(const SegmentFilesOptions& options, core::OutputFolderTransaction& folder) {
  const auto water = read_optional(options.water), fat = read_optional(options.fat);
  const auto t1 = read_optional(options.t1), stir = read_optional(options.stir);
  check_grids({{water ? &*water : nullptr, options.water},
               {fat ? &*fat : nullptr, options.fat},
               {t1 ? &*t1 : nullptr, options.t1},
               {stir ? &*stir : nullptr, options.stir}});
  segmentation::SegmentationParams params;
  params.threads = options.threads;
  std::optional<segmentation::MuscleModel> model;
  if (!options.model_file.empty()) {
    model = segmentation::MuscleModel::read(options.model_file);
    params.model = &*model;
  }
  const auto result = segmentation::segment_muscle_groups(
      {water ? &*water : nullptr, fat ? &*fat : nullptr, t1 ? &*t1 : nullptr, stir ? &*stir : nullptr}, params);
  for (const auto& w : result.warnings) log::warn("segmentation: {}", w);
  const auto& out = folder.staging();
  core::write_labels(result.labels, out / core::analysis_files::kLabels);
  core::write_labels(result.muscle_labels, out / core::analysis_files::kMuscleLabels);
  core::write_file_atomically(out / core::analysis_files::kSegmentationManifest,
                              summary_json(result, model ? model->origin() : "built-in"));
  folder.commit();
}

}  // namespace

void segment_files(const SegmentFilesOptions& options) {
  // The same transaction as an analysis folder: locked, staged beside, swapped in whole.
  core::OutputFolderTransaction folder(options.output, written_by_myoscope);
  try {
    segment_into(options, folder);
  } catch (const core::MyoError& e) {
    throw folder.in_target_terms(e);
  }
}

}  // namespace myo::pipeline
