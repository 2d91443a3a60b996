#include "myo/pipeline/analysis_folder.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/resample.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
namespace files = core::analysis_files;

namespace {

// `path` read onto `grid` when it exists; a volume on another grid is resampled explicitly and said so.
std::optional<core::ImageVolume> read_on_grid(const fs::path& path, const core::Geometry& grid) {
  if (!fs::exists(path)) return std::nullopt;
  auto image = core::read_image(path);
  if (!image.geometry.same_grid(grid)) {
    log::warn("{} is not on the labels' grid; resampled for display", path.string());
    image = core::resample_to(image, grid);
  }
  return image;
}

std::optional<core::MaskVolume> read_mask_on_grid(const fs::path& path, const core::Geometry& grid) {
  if (const auto mask = read_on_grid(path, grid)) return core::to_mask(*mask);
  return std::nullopt;
}

// A series for display (viewer, figures) as unsigned 16-bit integers: scanner magnitudes are integers already, and a
// resampled series is rounded (far below its noise). Half the bytes of floats, and seconds less to compress. Series
// with negative or larger values are written as floats.
void write_display_series(const core::ImageVolume& image, const fs::path& path) {
  const bool fits = std::all_of(image.voxels.begin(), image.voxels.end(),
                                [](float v) { return std::isfinite(v) && v >= 0.0F && v <= 65535.0F; });
  if (!fits) {
    core::write_image(image, path);
    return;
  }
  core::LabelVolume rounded(image.geometry, 0);
  std::transform(image.voxels.begin(), image.voxels.end(), rounded.voxels.begin(),
                 [](float v) { return static_cast<std::uint16_t>(std::lround(v)); });
  core::write_labels(rounded, path);
}

// A 0/1 mask as an 8-bit label file.
void write_mask(const core::MaskVolume& mask, const fs::path& path) {
  core::LabelVolume labels(mask.geometry, 0);
  std::copy(mask.voxels.begin(), mask.voxels.end(), labels.voxels.begin());
  core::write_labels(labels, path);
}

}  // namespace

RecordedStudy read_recorded_study(const fs::path& report) {
  const auto record = reporting::read_report(report);
  return {record.study.study_instance_uid, record.study.study_date, record.study.patient_pseudonym,
          record.input_path};
}

RecordedStudy AnalysisFolder::study() const { return read_recorded_study(file(files::kReport)); }

reporting::ReportRecord AnalysisFolder::report() const { return reporting::read_report(file(files::kReport)); }

std::vector<reporting::ReportedMuscle> AnalysisFolder::muscles() const {
  return reporting::read_report_muscles(file(files::kReport));
}

AnalysisContents AnalysisFolder::read(const MapRequest& maps) const {
  AnalysisContents a;
  a.labels = core::read_labels(file(files::kLabels));
  const auto& grid = a.labels.geometry;
  if (maps.display_series)
    for (const auto& [name, file_name] :
         {std::pair{"water", files::kWater}, std::pair{"t1", files::kT1}, std::pair{"stir", files::kStir}})
      if (auto image = read_on_grid(file(file_name), grid)) a.display_series.emplace_back(name, std::move(*image));
  if (maps.fat_fraction) a.fat_fraction_pct = read_on_grid(file(files::kFatFraction), grid);
  if (maps.edema_mask) a.edema_mask = read_mask_on_grid(file(files::kEdemaMask), grid);
  if (maps.bone) a.bone = read_mask_on_grid(file(files::kBone), grid);
  for (const auto& m : muscles()) a.measurements.push_back(reporting::to_measurement(m));
  return a;
}

bool AnalysisFolder::has_report() const { return fs::is_regular_file(file(files::kReport)); }

int AnalysisFolder::corrected_version_number(const std::string& name) {
  const std::string prefix(files::kCorrectedVersionPrefix);
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size() || name.size() > prefix.size() + 6) return 0;
  const auto digits = name.substr(prefix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) || digits[0] == '0')
    return 0;
  return std::stoi(digits);
}

std::string AnalysisFolder::corrected_version_name(int n) {
  return std::string(files::kCorrectedVersionPrefix) + std::to_string(n);
}

std::vector<std::string> AnalysisFolder::corrected_versions() const {
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (const int n = corrected_version_number(name); n > 0 && entry.is_directory()) found.emplace_back(n, name);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> names;
  for (auto& f : found) names.push_back(std::move(f.second));
  return names;
}

void write_analysis_volumes(const AnalysisVolumes& v, bool maps, const fs::path& dir) {
  core::write_labels(*v.labels, dir / files::kLabels);
  if (v.muscle_labels && !v.muscle_labels->voxels.empty())
    core::write_labels(*v.muscle_labels, dir / files::kMuscleLabels);
  if (v.corrected_labels) {
    // The corrected map in the values it was edited in (single muscles where the automatic version had them), and
    // the log that made it: the next `myoscope edit` starts from these.
    core::write_labels(*v.corrected_labels, dir / files::kCorrectedLabels);
    core::write_file_atomically(dir / files::kEditLog, *v.edit_log_json);
  }
  if (!maps) return;
  if (v.fat_fraction_pct) core::write_image(*v.fat_fraction_pct, dir / files::kFatFraction);
  // Fitted water T2 (ms, 0 where not fitted) on the multi-echo series' own grid, where it was fitted.
  if (v.water_t2_ms) core::write_image(*v.water_t2_ms, dir / files::kWaterT2);
  // What `myoscope view` and `myoscope render` show, on the labels' grid (STIR was brought onto the reference grid
  // explicitly); display copies, as 16-bit integers (see write_display_series).
  if (const auto* anatomy = v.water ? v.water : v.t1)
    write_display_series(*anatomy, dir / (v.water ? files::kWater : files::kT1));
  if (v.stir) write_display_series(*v.stir, dir / files::kStir);
  if (v.edema_mask) write_mask(*v.edema_mask, dir / files::kEdemaMask);
  // Bone (femur, pelvis) found by the automatic segmentation: context for the 3D map and the viewer. Absent when the
  // user's labels replaced the segmentation.
  if (v.bone && !v.bone->voxels.empty()) write_mask(*v.bone, dir / files::kBone);
}

bool written_by_myoscope(const std::string& name) {
  static constexpr std::array<std::string_view, 22> kEntries{files::kReport,
                                                             files::kMeasurements,
                                                             files::kLabels,
                                                             files::kMuscleLabels,
                                                             files::kFatFraction,
                                                             files::kWaterT2,
                                                             files::kWater,
                                                             files::kT1,
                                                             files::kStir,
                                                             files::kEdemaMask,
                                                             files::kBone,
                                                             files::kComparison,
                                                             files::kReportPdf,
                                                             files::kReportHtml,
                                                             files::kSegmentationManifest,
                                                             files::kBatchManifest,
                                                             files::kServeManifest,
                                                             files::kFigures,
                                                             files::kDicom,
                                                             files::kCorrectedLabels,
                                                             files::kEditLog,
                                                             files::kScene};
  return std::find(kEntries.begin(), kEntries.end(), name) != kEntries.end();
}

void refuse_input_replaced_with(const std::filesystem::path& output, const std::filesystem::path& input) {
  std::error_code ec;
  const auto out = std::filesystem::weakly_canonical(std::filesystem::absolute(output), ec);
  const auto in = std::filesystem::weakly_canonical(std::filesystem::absolute(input), ec);
  const auto inside = in.lexically_relative(out);
  if (ec || inside.empty() || *inside.begin() == "..") return;
  if (inside == "." || written_by_myoscope(inside.begin()->string()))
    throw core::MyoError(
        output.string(),
        "holds the input " + input.string() + ", which a new analysis would replace; choose another output folder",
        core::ErrorKind::output);
}

}  // namespace myo::pipeline
