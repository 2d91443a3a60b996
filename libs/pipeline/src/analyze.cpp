#include "myo/pipeline/analyze.hpp"
#include "myo/pipeline/analysis_folder.hpp"
#include "myo/pipeline/compare.hpp"
#include "myo/pipeline/previous_visit.hpp"
#include "myo/pipeline/label_input.hpp"
#include "myo/pipeline/study_channels.hpp"
#include "batch_internal.hpp"
#include "channel_coverage.hpp"
#include "correction.hpp"
#include "pacs_results.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sys/resource.h>

#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/output_folder.hpp"
#include "myo/core/parallel.hpp"
#include "myo/core/patient_identity.hpp"
#include "myo/core/resample.hpp"
#include "myo/core/toolkit_errors.hpp"
#include "myo/core/version.hpp"
#include "myo/dicom/load.hpp"
#include "myo/dicom/results.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/quantification/pattern.hpp"
#include "myo/quantification/quantify.hpp"
#include "myo/quantification/water_fat_separation.hpp"
#include "myo/quantification/water_t2.hpp"
#include "myo/rendering/figures.hpp"
#include "myo/rendering/scene_export.hpp"
#include "myo/reporting/document.hpp"
#include "myo/reporting/report.hpp"
#include "myo/segmentation/muscle_model.hpp"
#include "myo/segmentation/label_import.hpp"
#include "myo/segmentation/segment.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
using dicom::SeriesInfo;

namespace {

// The report's "change since the previous visit" from compare's arithmetic.
reporting::FollowUp follow_up_of(const Comparison& c) {
  reporting::FollowUp f;
  f.baseline_study_date = c.baseline_study_date;
  f.followup_study_date = c.followup_study_date;
  f.fat_fraction_limit_points = c.limits.fat_fraction_points;
  f.edema_fraction_limit_points = c.limits.edema_fraction_points;
  f.volume_limit_percent = c.limits.volume_percent;
  for (const auto& g : c.groups)
    f.rows.push_back({g.group, g.side, g.fat_fraction_change_points, g.edema_fraction_change_points,
                      g.volume_change_percent, g.flags, g.fat_fraction_previous_pct, g.fat_fraction_current_pct,
                      g.edema_fraction_previous_pct, g.edema_fraction_current_pct, g.fat_fraction_beyond_limits,
                      g.edema_fraction_beyond_limits});
  f.sentences = c.sentences;
  f.months_between = months_between(c);
  return f;
}

// Wall time of each stage, and the process's peak resident memory when it ends (a high-water mark: a stage's
// own peak is where the figure rises).
// Each lap is also told to the progress callback, when there is one.
class StageClock {
 public:
  StageClock(std::map<std::string, double>& sink, std::map<std::string, double>& peak_rss_mib,
             std::function<void(const StageProgress&)> on_stage)
      : sink_(sink), peak_rss_mib_(peak_rss_mib), on_stage_(std::move(on_stage)) {}
  void lap(const std::string& stage) {
    const auto now = std::chrono::steady_clock::now();
    sink_[stage] = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) peak_rss_mib_[stage] = static_cast<double>(usage.ru_maxrss) / 1024.0;
    if (on_stage_) on_stage_({stage, sink_[stage], std::chrono::duration<double>(now - start_).count()});
  }

 private:
  std::map<std::string, double>& sink_;
  std::map<std::string, double>& peak_rss_mib_;
  std::function<void(const StageProgress&)> on_stage_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
};

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

// The volumes of an analysis that become NIfTI files (pointers: null when the study has no such image).
struct VolumeOutputs {
  const segmentation::SegmentationResult& segmentation;
  const quantification::QuantificationResult& quantities;
  const core::ImageVolume* water_t2_ms;
  const core::ImageVolume* water;
  const core::ImageVolume* t1;
  const core::ImageVolume* stir;
  const core::LabelVolume* corrected_labels;  // a reader's corrected map (`myoscope edit`), else null
  const std::string* edit_log_json;           // the log that made it
};

// labels.nii.gz and muscle_labels.nii.gz always; with `maps` the fat-fraction and water T2 maps, the display series
// for `view` and `render` and the edema and bone masks.
void write_volume_outputs(const VolumeOutputs& v, bool maps, const fs::path& out_dir) {
  core::write_labels(v.segmentation.labels, out_dir / "labels.nii.gz");
  if (!v.segmentation.muscle_labels.voxels.empty())
    core::write_labels(v.segmentation.muscle_labels, out_dir / "muscle_labels.nii.gz");
  if (v.corrected_labels) {
    // The corrected map in the values it was edited in (single muscles where the automatic version had them), and
    // the log that made it: the next `myoscope edit` starts from these.
    core::write_labels(*v.corrected_labels, out_dir / "corrected_labels.nii.gz");
    core::write_file_atomically(out_dir / "edit_log.json", *v.edit_log_json);
  }
  if (!maps) return;
  if (const auto& ff = v.quantities.fat_fraction_map_pct) core::write_image(*ff, out_dir / "fat_fraction.nii.gz");
  // Fitted water T2 (ms, 0 where not fitted) on the multi-echo series' own grid, where it was fitted.
  if (v.water_t2_ms) core::write_image(*v.water_t2_ms, out_dir / "water_t2_ms.nii.gz");
  // What `myoscope view` and `myoscope render` show, on the labels' grid (STIR was brought onto the reference grid
  // explicitly); display copies, as 16-bit integers (see write_display_series).
  if (const auto* anatomy = v.water ? v.water : v.t1)
    write_display_series(*anatomy, out_dir / (v.water ? "water.nii.gz" : "t1.nii.gz"));
  if (v.stir) write_display_series(*v.stir, out_dir / "stir.nii.gz");
  if (v.quantities.edema_mask) write_mask(*v.quantities.edema_mask, out_dir / "edema_mask.nii.gz");
  // Bone (femur, pelvis) found by the automatic segmentation: context for the 3D map and the viewer. Absent when the
  // user's labels replaced the segmentation.
  if (!v.segmentation.bone.voxels.empty()) write_mask(v.segmentation.bone, out_dir / "bone.nii.gz");
}

// The automatic segmentation's single muscles with their fat, edema and confidence; each group's confidence is
// its muscles', weighted by volume.
std::vector<reporting::SingleMuscleEntry> single_muscles(const segmentation::SegmentationResult& segmentation,
                                                         const quantification::QuantificationResult& quantities,
                                                         std::vector<quantification::GroupMeasurement>& groups) {
  const auto stats = quantification::label_statistics(
      segmentation.muscle_labels, quantities.fat_fraction_map_pct ? &*quantities.fat_fraction_map_pct : nullptr,
      quantities.edema_mask ? &*quantities.edema_mask : nullptr,
      quantities.edema_assessed_mask ? &*quantities.edema_assessed_mask : nullptr, quantities.coverage);
  const auto& catalog = core::MuscleCatalog::instance();
  std::vector<reporting::SingleMuscleEntry> out;
  std::map<int, std::pair<double, double>> group_confidence;  // group label -> (sum of confidence x volume, volume)
  for (const auto& c : segmentation.confidence) {
    const auto* muscle = catalog.find_muscle(c.muscle);
    if (muscle == nullptr) continue;
    reporting::SingleMuscleEntry e;
    e.name = c.muscle;
    e.group = muscle->group;
    e.side = core::to_string(c.side);
    e.label = muscle->label(c.side);
    e.volume_ml = c.volume_ml;
    e.confidence = c.confidence;
    e.mean_probability = c.mean_probability;
    e.view_agreement = c.view_agreement;
    e.flagged = c.flagged;
    const auto it = std::find_if(stats.begin(), stats.end(), [&](const auto& s) { return s.value == e.label; });
    if (it != stats.end()) {
      e.fat_fraction_pct = it->fat_fraction_pct;
      e.fat_fraction_interior_pct = it->fat_fraction_interior_pct;
      e.edema_fraction_pct = it->edema_fraction_pct;
    }
    if (const auto* group = catalog.find(muscle->group)) {
      auto& [sum, volume] = group_confidence[group->label(c.side)];
      sum += c.confidence * c.volume_ml, volume += c.volume_ml;
    }
    out.push_back(std::move(e));
  }
  for (auto& g : groups)
    if (const auto it = group_confidence.find(g.label); it != group_confidence.end() && it->second.second > 0)
      g.segmentation_confidence = it->second.first / it->second.second;
  return out;
}

// The study's MagneticFieldStrength (0018,0087), tesla: the reference series', else the value most of the study's
// series carry (derived series such as a workstation's water images may lack the tag); 0 when none has it.
double field_strength_t(const SeriesInfo& reference, const std::vector<SeriesInfo>& series) {
  if (reference.magnetic_field_strength_t && *reference.magnetic_field_strength_t > 0)
    return *reference.magnetic_field_strength_t;
  std::map<double, int> votes;
  for (const auto& s : series)
    if (s.magnetic_field_strength_t && *s.magnetic_field_strength_t > 0) ++votes[*s.magnetic_field_strength_t];
  const auto most = std::max_element(votes.begin(), votes.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  return most == votes.end() ? 0.0 : most->first;
}

// The SEG's series: the automatic segmentation's, or a corrected one derived from the automatic SEG and naming the
// reader (`myoscope edit`).
dicom::SegmentationWriteOptions seg_write_options(const AnalyzeOptions& options) {
  dicom::SegmentationWriteOptions seg;
  if (!options.correction) return seg;
  const auto& c = *options.correction;
  seg.series_description = "MyoScope muscle groups, corrected by the reader";
  seg.series_number = 911;
  seg.content_creator_name = c.reader;
  if (!c.automatic_segmentation.empty() && fs::exists(c.automatic_segmentation))
    seg.derived_from = dicom::read_object_identity(c.automatic_segmentation);
  return seg;
}

// Runs the analysis; every output is written into `folder`'s staging folder and committed at the end.
// The measurement report's values, with the channels whose numbers report.json withholds for each group (its
// channel_coverage), so the SR records them as not determined instead of leaving them out unexplained.
std::vector<dicom::SegmentMeasurement> sr_measurements(const quantification::QuantificationResult& quantities,
                                                       const std::vector<reporting::ChannelCoverageEntry>& coverage) {
  auto out = dicom::to_segment_measurements(quantities.groups);
  const bool scanner_map_is_fat = quantities.method.scanner_ff_use == "fat_fraction";
  for (auto& m : out)
    for (const auto& entry : coverage)
      for (const auto& l : entry.labels) {
        if (l.kind != "group" || !l.numbers_withheld || l.name != m.group || l.side != core::to_string(m.side))
          continue;
        m.withheld_channels.push_back(entry.channel == "scanner_fat_fraction" && scanner_map_is_fat ? "fat"
                                                                                                   : entry.channel);
      }
  return out;
}

// The DICOM results for the PACS that need no figures, in the patient's study as new series: SEG, TID 1500 SR and
// the fat-fraction parametric map.
void write_dicom_volumes(const segmentation::SegmentationResult& segmentation,
                         const quantification::QuantificationResult& quantities,
                         const std::vector<reporting::ChannelCoverageEntry>& coverage, const AnalyzeOptions& options,
                         const dicom::ResultContext& pacs, const fs::path& dir) {
  fs::create_directories(dir);
  const auto seg =
      dicom::write_segmentation(segmentation.labels, pacs, dir / "segmentation.dcm", seg_write_options(options));
  dicom::write_measurement_report(sr_measurements(quantities, coverage), pacs, seg, dir / "measurement_report.dcm");
  if (quantities.fat_fraction_map_pct)
    dicom::write_parametric_map(*quantities.fat_fraction_map_pct, "fat_fraction", "%", pacs,
                                dir / "fat_fraction_map.dcm");
}

AnalyzeOutcome analyze_into(const AnalyzeOptions& options, core::OutputFolderTransaction& folder) {
  AnalyzeOutcome outcome;
  reporting::Report report;
  StageClock clock(report.stage_seconds, report.stage_peak_rss_mib, options.on_stage);

  // Scan and load: the series chosen by role, brought onto the reference series' grid.
  auto channels = load_study_channels(options.input, options.role_overrides, options.study_instance_uid);
  clock.lap("load");
  report.stage_seconds["scan"] = channels.scan_seconds;
  report.stage_seconds["load"] = channels.load_seconds;
  // Every warning goes to report.json and the report, and to the terminal once: the loader has already logged its own.
  for (auto& w : channels.warnings) report.warnings.push_back(std::move(w));
  report.problems = channels.problems;
  const auto warn = [&report](std::string text) {
    log::warn("{}", text);
    report.warnings.push_back(std::move(text));
  };
  const dicom::StudyInfo* study = &channels.study;
  report.study.patient_pseudonym = core::patient_pseudonym(
      {study->patient_id, study->issuer_of_patient_id, study->patient_birth_date});
  // Before hours of work: a baseline of another patient is refused now.
  if (!options.baseline.empty())
    check_same_patient(options.baseline, report.study.patient_pseudonym, options.allow_different_patient);
  // A de-identified result keeps no pseudonym that anyone holding the built-in key could test guesses against.
  if (options.deidentify && !core::site_key_configured()) report.study.patient_pseudonym.clear();
  const auto& series = channels.study.series;
  const bool dixon = channels.dixon;
  const SeriesInfo* reference = channels.reference_series;
  const SeriesInfo* fat = channels.fat_series;
  const SeriesInfo* t1 = channels.t1_series;
  const SeriesInfo* stir = channels.stir_series;
  const core::Geometry& grid = channels.reference_grid();
  auto& water_img = channels.water;
  auto& t1_img = channels.t1;
  auto& stir_img = channels.stir;
  const auto& scanner_ff_img = channels.scanner_fat_fraction_pct;
  const auto& t2_map_img = channels.t2_map_ms;
  report.protocol = dixon ? "dixon" : "t1_stir";

  // Segment.
  const auto seg_input = channels.segmentation_input();
  if (channels.fat && !seg_input.fat && options.labels_file.empty())
    warn(fmt::format("segmented from the {} alone: the fat series {} does not cover the middle of every slice",
                     seg_input.t1 ? "T1 series" : "water image", dicom::series_label(*fat)));
  segmentation::SegmentationResult segmentation;
  std::optional<core::LabelVolume> user_labels;  // the user's own values, on the reference grid
  std::vector<segmentation::InputLabel> input_labels;
  segmentation::SegmentationParams seg_params;
  if (!options.labels_file.empty() || options.correction) {
    // The user's segmentation (or the reader's corrected labels) replaces ours; it is brought onto the reference grid
    // explicitly and said so.
    const fs::path file = options.correction ? options.correction->edit_log : options.labels_file;
    if (!options.correction && !fs::exists(file)) throw core::MyoError(file.string(), "label file not found");
    auto conformed = conform_labels(options.correction                       ? options.correction->labels
                                    : dicom::is_dicom_segmentation(file) ? dicom::read_segmentation(file, grid)
                                                                         : read_label_map(file),
                                    grid, file);
    if (conformed.warning) warn(*conformed.warning);
    core::LabelVolume labels = std::move(conformed.labels);
    const auto table = options.label_table.empty() ? std::vector<segmentation::LabelTableEntry>{}
                                                   : segmentation::read_label_table(options.label_table);
    auto imported = segmentation::import_labels(labels, table);
    refuse_unknown_labels(imported.unknown_values, file, options.label_table);
    segmentation.labels = std::move(imported.group_labels);
    segmentation.notes = imported.notes;
    input_labels = std::move(imported.input_labels);
    user_labels = std::move(labels);
    report.segmentation_source = options.correction ? "reader_corrected" : "user_labels";
    if (options.correction) report.correction = detail::describe_correction(*options.correction, *user_labels);
  } else {
    std::optional<segmentation::MuscleModel> model;
    if (!options.model_file.empty()) {
      model = segmentation::MuscleModel::read(options.model_file);
      seg_params.model = &*model;
    }
    segmentation = core::naming_toolkit_failures(
        reference->series_instance_uid, [&] { return segmentation::segment_muscle_groups(seg_input, seg_params); });
  }
  report.segmentation_notes = segmentation.notes;
  report.level_reference_z_mm = segmentation.landmarks.crotch_z_mm;
  for (const auto& w : segmentation.warnings) warn("segmentation: " + w);
  clock.lap("segmentation");

  // Quantify.
  quantification::QuantificationInput q_input;
  q_input.labels = &segmentation.labels;
  q_input.water = seg_input.water;
  q_input.fat = channels.fat ? &*channels.fat : nullptr;
  q_input.t1 = t1_img ? &*t1_img : nullptr;
  q_input.stir = seg_input.stir;
  q_input.stir_acquired_geometry = channels.stir_acquired_geometry ? &*channels.stir_acquired_geometry : nullptr;
  q_input.scanner_fat_fraction_pct = scanner_ff_img ? &*scanner_ff_img : nullptr;
  q_input.t2_map_ms = t2_map_img ? &*t2_map_img : nullptr;
  // Where a channel has no data its voxels are missing, not zero (see load_study_channels).
  q_input.fat_covered = channels.covered("fat");
  q_input.stir_covered = channels.covered("stir");
  q_input.scanner_fat_fraction_covered = channels.covered("scanner_fat_fraction");
  q_input.t2_map_covered = channels.covered("t2_map");
  auto quantities =
      core::naming_toolkit_failures(reference->series_instance_uid, [&] { return quantification::quantify(q_input); });
  clock.lap("quantification");

  // Water T2 from a multi-echo spin-echo series: fitted per voxel on the echoes' own grid, inside the muscle groups
  // only (labels brought there by nearest neighbour), with the Dixon fat fraction (trilinear) fixing the fat share.
  std::optional<core::ImageVolume> water_t2_map;
  if (!channels.echo_train_series.empty()) {
    const auto fit_start = std::chrono::steady_clock::now();
    // Loaded now, after segmentation, and released after the fit. A train that does not hold together (an echo
    // missing at a slice, unequal counts, other positions) is an input error naming the series.
    std::vector<SeriesInfo> echo_infos;
    for (const auto* s : channels.echo_train_series) echo_infos.push_back(*s);
    auto loaded_train = dicom::load_echo_train(echo_infos);
    if (!loaded_train) throw core::MyoError(loaded_train.error());
    const auto train = std::move(loaded_train).value();
    for (const auto& w : train.warnings) report.warnings.push_back(train.description + ": " + w);
    const core::Geometry& echo_grid = train.echoes.front().geometry;
    const auto labels_on_echoes = core::resample_labels_to(segmentation.labels, echo_grid);
    core::MaskVolume muscle(echo_grid, 0);
    for (std::size_t i = 0; i < muscle.voxels.size(); ++i) muscle.voxels[i] = labels_on_echoes.voxels[i] ? 1 : 0;
    std::optional<core::ImageVolume> ff_on_echoes;
    if (quantities.fat_fraction_map_pct && !options.water_t2_monoexponential)
      ff_on_echoes = core::resample_to(*quantities.fat_fraction_map_pct, echo_grid);
    quantification::WaterT2Params t2_params;
    t2_params.skip_first_echo = train.echoes.size() >= 4;  // with fewer, every echo is needed
    t2_params.noise_sigma = quantification::echo_noise_sigma(train.echoes);
    const auto map = quantification::fit_water_t2(train.echoes, train.echo_times_ms, &muscle,
                                                  ff_on_echoes ? &*ff_on_echoes : nullptr, t2_params);
    quantification::WaterT2Method method;
    method.name = ff_on_echoes ? "multi_echo_biexponential_fixed_fat" : "multi_echo_monoexponential";
    method.series = train.description;
    method.echo_times_ms = train.echo_times_ms;
    method.echo_times_used_ms = map.echo_times_used_ms;
    method.first_echo_dropped = t2_params.skip_first_echo;
    method.fat_t2_ms = t2_params.fat_t2_ms;
    method.max_fat_fraction_pct = t2_params.max_fat_fraction_pct;
    method.fat_handling =
        ff_on_echoes
            ? fmt::format("bi-exponential, water T2 free, fat share fixed to the Dixon fat fraction and fat T2 fixed at "
                          "{:g} ms; voxels above {:g} % fat left out",
                          t2_params.fat_t2_ms, t2_params.max_fat_fraction_pct)
            : std::string(options.water_t2_monoexponential
                              ? "mono-exponential (asked for): fat lengthens the apparent T2 of fatty muscle"
                              : "mono-exponential (no Dixon fat fraction): fat lengthens the apparent T2 of fatty muscle");
    method.noise_sigma = t2_params.noise_sigma;
    if (t2_params.noise_sigma)
      method.fat_handling += fmt::format("; echoes corrected for the Rician noise floor (sigma {:.1f} from the background)",
                                         *t2_params.noise_sigma);
    method.fitted_voxels = map.fitted_voxels;
    method.candidate_voxels = map.candidate_voxels;
    // Per group: the median of its fitted voxels; groups with fewer than 10 fitted voxels get none.
    const auto per_label = quantification::water_t2_per_label(labels_on_echoes, map.water_t2_ms);
    for (auto& m : quantities.groups) {
      m.water_t2_ms.reset();
      for (const auto& l : per_label)
        if (l.label == m.label && l.voxel_count >= 10) m.water_t2_ms = l.median_ms;
    }
    if (channels.t2_map_ms)
      warn("both a T2 map and a multi-echo series: water T2 is fitted from the multi-echo series");
    if (!ff_on_echoes && !options.water_t2_monoexponential)
      warn(
          "water T2 fitted mono-exponentially (no Dixon fat fraction): fat inflates it in fatty muscle");
    quantities.method.water_t2_method = method.name;
    method.fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - fit_start).count();
    log::info("water T2: {} of {} muscle voxels fitted from {} echoes in {:.2f} s ({})", map.fitted_voxels,
              map.candidate_voxels, map.echo_times_used_ms.size(), method.fit_seconds, method.name);
    report.water_t2_fit = std::move(method);
    water_t2_map = map.water_t2_ms;
    clock.lap("water_t2");
  }
  if (quantities.method.scanner_ff_use == "cross_check") {
    double sum = 0;
    int count = 0;
    std::string far;  // groups where the two disagree by more than 5 points (a swap the scanner missed, ...)
    for (const auto& m : quantities.groups)
      if (m.fat_fraction_pct && m.scanner_fat_fraction_pct) {
        const double d = *m.fat_fraction_pct - *m.scanner_fat_fraction_pct;
        sum += std::abs(d), ++count;
        if (std::abs(d) > 5.0)
          far += fmt::format("{}{} {} ({:.1f} vs {:.1f} %)", far.empty() ? "" : ", ", m.group,
                             core::to_string(m.side), *m.fat_fraction_pct, *m.scanner_fat_fraction_pct);
      }
    if (!far.empty())
      warn("MyoScope's Dixon fat fraction and the scanner's map disagree by more than 5 points in: " +
                                far);
    if (count > 0 && sum / count > 2.0)
      warn(fmt::format(
          "the scanner's fat-fraction map differs from MyoScope's Dixon fat fraction by {:.1f} points on average "
          "per muscle group (MyoScope's is reported; it corrects the noise floor and water/fat swaps)",
          sum / count));
  }
  for (const auto& s : quantities.method.swap_regions)
    warn(fmt::format(
        "Dixon water/fat swap detected and corrected: {:.0f} ml ({:.0f} ml of muscle) on the {} side{}, z {:.0f} to "
        "{:.0f} mm; fat fractions there use the exchanged images",
        s.volume_ml, s.muscle_volume_ml, s.side, s.side == "both" ? "s" : "", s.z_min_mm, s.z_max_mm));
  for (const auto& note : quantities.method.swap_notes) warn("Dixon water/fat swap check: " + note);

  // Report.
  report.software_name = core::software_name();
  report.software_version = core::software_version();
  report.git_revision = core::git_revision();
  report.threads = core::thread_count();
  report.created_utc = detail::utc_now();
  report.study.study_instance_uid = study->study_instance_uid;
  if (!options.deidentify) report.input_path = fs::absolute(options.input).lexically_normal().string();
  report.study.study_date = study->study_date;
  report.study.study_description = study->study_description;
  report.reference_series_uid = reference->series_instance_uid;
  report.study.magnetic_field_strength_t = field_strength_t(*reference, series);
  if (channels.water_fat_separation) report.water_fat_separation = *channels.water_fat_separation;
  for (const auto& s : series) {
    reporting::SeriesEntry e;
    e.series_instance_uid = s.series_instance_uid;
    e.split_key = s.split_key;
    e.series_number = s.series_number;
    e.description = s.description;
    e.role = dicom::to_string(s.role);
    e.role_reason = s.role_reason;
    e.orientation = s.orientation;
    e.slice_count = s.slice_count;
    const auto same = [&](const SeriesInfo* chosen) {
      return chosen && chosen->series_instance_uid == s.series_instance_uid && chosen->split_key == s.split_key;
    };
    if (same(reference)) e.used_as = "reference";
    else if (dixon && same(fat)) e.used_as = "fat";
    else if (same(t1)) e.used_as = "t1";
    else if (same(stir)) e.used_as = "edema";
    else if (same(channels.t2_map_series)) e.used_as = "water_t2";
    else if (std::any_of(channels.echo_train_series.begin(), channels.echo_train_series.end(), same))
      e.used_as = "water_t2";
    else if (same(channels.fat_fraction_map_series)) e.used_as = dixon ? "fat_fraction_cross_check" : "fat_fraction";
    else if (std::any_of(channels.dixon_echo_series.begin(), channels.dixon_echo_series.end(), same))
      e.used_as = "dixon_echoes";
    if (report.study.manufacturer.empty()) report.study.manufacturer = s.manufacturer;
    report.series.push_back(std::move(e));
  }
  if (report.segmentation_source == "automatic") {
    report.single_muscles = single_muscles(segmentation, quantities, quantities.groups);
    report.segmentation_method = segmentation.method;
    report.confidence_flag_below = segmentation.confidence_flag_below;
  }
  report.muscles = quantities.groups;
  if (user_labels) {
    const auto stats = quantification::label_statistics(
        *user_labels, quantities.fat_fraction_map_pct ? &*quantities.fat_fraction_map_pct : nullptr,
        quantities.edema_mask ? &*quantities.edema_mask : nullptr,
        quantities.edema_assessed_mask ? &*quantities.edema_assessed_mask : nullptr, quantities.coverage);
    for (const auto& in : input_labels) {
      reporting::InputLabelEntry e{in.value, in.name, in.group, in.side, 0, std::nullopt, std::nullopt, std::nullopt};
      const auto it = std::find_if(stats.begin(), stats.end(), [&](const auto& st) { return st.value == in.value; });
      if (it != stats.end()) {
        e.volume_ml = it->volume_ml;
        e.fat_fraction_pct = it->fat_fraction_pct;
        e.fat_fraction_interior_pct = it->fat_fraction_interior_pct;
        e.edema_fraction_pct = it->edema_fraction_pct;
      }
      report.input_labels.push_back(std::move(e));
    }
  }
  report.profiles = quantification::level_profiles(segmentation.labels,
                                                   quantities.fat_fraction_map_pct ? &*quantities.fat_fraction_map_pct : nullptr,
                                                   quantities.edema_mask ? &*quantities.edema_mask : nullptr,
                                                   quantities.edema_assessed_mask ? &*quantities.edema_assessed_mask
                                                                                  : nullptr,
                                                   {}, quantities.coverage);
  report.pattern = quantification::describe_pattern(report.muscles, report.profiles);
  // Channels that miss part of the reference grid: what they miss of each muscle, and which numbers are withheld.
  auto coverage = detail::describe_channel_coverage(channels, segmentation.labels, segmentation.muscle_labels,
                                                    quantities.method.params.min_covered_pct);
  for (auto& w : coverage.warnings) warn(std::move(w));
  report.channel_coverage = std::move(coverage.entries);
  report.quantification_method = quantities.method;
  if (report.muscles.empty()) warn("no muscle group was found in the images");

  // Outputs: written into a staging folder beside the output folder and swapped in whole at the end, so the output
  // folder always holds one complete analysis, the earlier or this one (core::OutputFolderTransaction). The NIfTI
  // files and the DICOM SEG, SR and parametric map need nothing from the figures: they are written on the thread
  // pool while the figures render (which use one core), and waited for before the documents.
  const fs::path& out_dir = folder.staging();
  std::optional<dicom::ResultContext> pacs;
  if (options.write_dicom && !report.muscles.empty()) {
    pacs = dicom::ResultContext{};
    pacs->study = *study;
    pacs->reference_series = *reference;
    pacs->software_version = core::software_version();
    pacs->deidentify = options.deidentify;
  }
  const VolumeOutputs volumes{segmentation,
                              quantities,
                              water_t2_map ? &*water_t2_map : nullptr,
                              water_img ? &*water_img : nullptr,
                              t1_img ? &*t1_img : nullptr,
                              stir_img ? &*stir_img : nullptr,
                              options.correction ? &*user_labels : nullptr,
                              options.correction ? &options.correction->edit_log_json : nullptr};
  const bool render = options.write_figures && !segmentation.labels.voxels.empty() && !report.muscles.empty();
  core::TaskGroup writing;
  // Without figures there is nothing to overlap with: written here, each file compressed on all threads.
  const auto write = [&](const std::function<void()>& task) { render ? writing.run(task) : task(); };
  write([&] { write_volume_outputs(volumes, options.write_maps, out_dir); });
  if (pacs)
    write([&] { write_dicom_volumes(segmentation, quantities, report.channel_coverage, options, *pacs, out_dir / "dicom"); });

  // Figures: need an X display (VTK); without one the analysis still completes and says why figures are missing.
  std::vector<rendering::Figure> figures;
  rendering::FigureInput figure_input;  // the figures', the 3D scene's and the PACS overlay series' layers
  figure_input.labels = &segmentation.labels;
  figure_input.anatomy = water_img ? &*water_img : t1_img ? &*t1_img : nullptr;
  figure_input.fat_fraction_pct = quantities.fat_fraction_map_pct ? &*quantities.fat_fraction_map_pct : nullptr;
  figure_input.stir = seg_input.stir;
  figure_input.edema_mask = quantities.edema_mask ? &*quantities.edema_mask : nullptr;
  figure_input.bone = segmentation.bone.voxels.empty() ? nullptr : &segmentation.bone;
  figure_input.measurements = quantities.groups;
  figure_input.crotch_z_mm = segmentation.landmarks.crotch_z_mm;
  if (render) {
    try {
      figures = rendering::render_study_figures(figure_input, out_dir / "figures");
    } catch (const core::MyoError& e) {
      if (e.kind() != core::ErrorKind::no_display) throw;
      // Less output than asked for is never a success: report.json says what is missing and the exit code is 4.
      const std::string problem = "figures not rendered (report.pdf and report.html without them, no "
                                  "dicom/figures.dcm): " + e.error().message;
      warn(problem);
      report.problems.push_back(problem);
    }
    clock.lap("figures");
  }
  // What the figures left of the writing: its whole time when there are no figures.
  writing.wait();
  reporting::write_measurements_csv(report, out_dir / "measurements.csv");
  clock.lap("outputs");

  // Follow-up: changes against an earlier analysis of the same patient, flagged beyond repeatability.
  std::optional<Comparison> comparison;
  std::optional<rendering::ViewerChange> scene_change;  // report.html's 3D map gains the change colours
  if (!options.baseline.empty()) {
    std::vector<FollowUpMeasurement> now;
    for (const auto& m : report.muscles)
      now.push_back({m.group, core::to_string(m.side), m.volume_ml, m.fat_fraction_pct, m.edema_fraction_pct});
    comparison = compare_with_baseline(options.baseline, now, report.study.study_instance_uid, report.study.study_date);
    core::write_file_atomically(out_dir / "comparison.json", comparison_to_json(*comparison));
    report.change_since_previous = follow_up_of(*comparison);
    scene_change = change_colours(*comparison);
    figure_input.change = &*scene_change;
  }

  // The muscle group surfaces as glTF (no X display needed): report.html's 3D map, and a file for any glTF viewer.
  fs::path scene_glb;
  if (options.write_reports && !segmentation.labels.voxels.empty() && !report.muscles.empty()) {
    scene_glb = rendering::export_scene(figure_input, out_dir / "scene.glb", {}).glb;
    clock.lap("scene");
  }

  // Documents people read: report.pdf and report.html, with the figures just rendered. Identifiers only when the
  // output is not de-identified; never logged. A failure here loses no result: it becomes a warning.
  if (options.write_reports) {
    reporting::ReportExtras extras;
    extras.deidentified = options.deidentify;
    if (!options.deidentify)
      extras.patient = reporting::PatientHeader{study->patient_name, study->patient_id, study->patient_birth_date,
                                                study->accession_number};
    for (const auto& f : figures) extras.figures.push_back({f.path, f.caption});
    extras.scene_glb = scene_glb;
    extras.follow_up = report.change_since_previous;
    try {
      reporting::write_pdf_report(report, extras, out_dir / "report.pdf");
      reporting::write_html_report(report, extras, out_dir / "report.html");
    } catch (const std::exception& e) {
      warn(std::string("report documents skipped: ") + e.what());
    }
    clock.lap("report_documents");
  }

  // The figures as a DICOM secondary capture and what a radiologist reads in the PACS, beside the SEG, SR and
  // parametric map written above.
  if (pacs) {
    const fs::path dir = out_dir / "dicom";
    std::vector<dicom::RgbImage> captures;
    for (const auto& f : figures) {
      if (f.kind != "map3d") continue;  // the 3D maps are what a PACS viewer cannot show otherwise
      auto pixels = rendering::read_figure_rgb(f.path);
      captures.push_back({pixels.width, pixels.height, std::move(pixels.rgb)});
    }
    if (!captures.empty()) dicom::write_secondary_capture(captures, *pacs, dir / "figures.dcm");
    // What a radiologist reads in the PACS: overlay slices, the report as PDF, the edema SEG on the STIR series.
    detail::PacsResultsInput readable{figure_input, out_dir / "report.pdf", options.deidentify, stir,
                                      channels.stir_acquired_geometry};
    detail::write_pacs_results(readable, *pacs, dir);
    clock.lap("dicom_results");
  }
  reporting::write_report_json(report, out_dir / "report.json");
  folder.commit();

  outcome.report_path = options.output / "report.json";
  outcome.warnings = report.warnings;
  // Partial: files were skipped, numbers withheld because a series does not cover the muscle, or outputs missing.
  outcome.exit_code = channels.unreadable_files == 0 && !coverage.numbers_withheld && report.problems.empty()
                          ? core::kExitOk
                          : core::kExitPartial;
  return outcome;
}

}  // namespace

AnalyzeOutcome analyze_study(const AnalyzeOptions& options) {
  refuse_input_replaced_with(options.output, options.input);
  // Held for the whole run: a second run on the same folder is refused at once.
  core::OutputFolderTransaction folder(options.output, written_by_myoscope);
  try {
    return analyze_into(options, folder);
  } catch (const core::MyoError& e) {
    throw folder.in_target_terms(e);
  } catch (const fs::filesystem_error& e) {
    // A folder of the output that could not be made (dicom/, figures/): an output error naming it.
    throw folder.in_target_terms(core::MyoError(e.path1().string(), e.code().message(), core::ErrorKind::output));
  }
}

}  // namespace myo::pipeline
