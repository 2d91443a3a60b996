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
#include <functional>
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
namespace files = core::analysis_files;

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

// Wall time and CPU time (user + system, all threads) of each stage, and the process's peak resident memory when it
// ends (a high-water mark: a stage's own peak is where the figure rises).
// Each lap is also told to the progress callback, when there is one.
class StageClock {
 public:
  StageClock(reporting::Report& report, std::function<void(const StageProgress&)> on_stage)
      : report_(report), on_stage_(std::move(on_stage)) {}
  void lap(const std::string& stage) {
    const auto now = std::chrono::steady_clock::now();
    report_.stage_seconds[stage] = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
      report_.stage_peak_rss_mib[stage] = static_cast<double>(usage.ru_maxrss) / 1024.0;
      const double cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
      report_.stage_cpu_seconds[stage] = cpu - last_cpu_;
      last_cpu_ = cpu;
    }
    if (on_stage_)
      on_stage_({stage, report_.stage_seconds[stage], std::chrono::duration<double>(now - start_).count()});
  }

 private:
  static double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); }
  reporting::Report& report_;
  std::function<void(const StageProgress&)> on_stage_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
  double last_cpu_ = 0;  // the process's CPU seconds at the last lap (from its start at the first)
};

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
      dicom::write_segmentation(segmentation.labels, pacs, dir / files::kDicomSegmentation, seg_write_options(options));
  dicom::write_measurement_report(sr_measurements(quantities, coverage), pacs, seg, dir / "measurement_report.dcm");
  if (quantities.fat_fraction_map_pct)
    dicom::write_parametric_map(*quantities.fat_fraction_map_pct, "fat_fraction", "%", pacs,
                                dir / "fat_fraction_map.dcm");
}

// Logged once, and kept for report.json and the documents.
void warn(reporting::Report& report, std::string text) {
  log::warn("{}", text);
  report.warnings.push_back(std::move(text));
}

// Stage "load" (report.json also times "scan"): the series chosen by role, brought onto the reference series' grid;
// a baseline of another patient is refused now, before hours of work.
StudyChannels load_stage(const AnalyzeOptions& options, reporting::Report& report) {
  auto channels = load_study_channels(options.input, options.role_overrides, options.study_instance_uid);
  // Every warning goes to report.json and the report, and to the terminal once: the loader has already logged its own.
  for (auto& w : channels.warnings) report.warnings.push_back(std::move(w));
  report.problems = channels.problems;
  const auto& study = channels.study;
  report.study.patient_pseudonym =
      core::patient_pseudonym({study.patient_id, study.issuer_of_patient_id, study.patient_birth_date});
  if (!options.baseline.empty())
    check_same_patient(options.baseline, report.study.patient_pseudonym, options.allow_different_patient);
  // A de-identified result keeps no pseudonym that anyone holding the built-in key could test guesses against.
  if (options.deidentify && !core::site_key_configured()) report.study.patient_pseudonym.clear();
  report.protocol = channels.dixon ? "dixon" : "t1_stir";
  return channels;
}

// The muscle groups the quantification measures, and the user's own label values when they replaced ours.
struct Segmented {
  segmentation::SegmentationResult result;
  std::optional<core::LabelVolume> user_labels;  // the user's own values, on the reference grid
  std::vector<segmentation::InputLabel> input_labels;
};

// The user's segmentation (or the reader's corrected labels) replaces ours; it is brought onto the reference grid
// explicitly and said so.
Segmented import_segmentation(const AnalyzeOptions& options, const core::Geometry& grid, reporting::Report& report) {
  const fs::path file = options.correction ? options.correction->edit_log : options.labels_file;
  if (!options.correction && !fs::exists(file)) throw core::MyoError(file.string(), "label file not found");
  auto conformed = conform_labels(options.correction                       ? options.correction->labels
                                  : dicom::is_dicom_segmentation(file) ? dicom::read_segmentation(file, grid)
                                                                       : read_label_map(file),
                                  grid, file);
  if (conformed.warning) warn(report, *conformed.warning);
  const auto table = options.label_table.empty() ? std::vector<segmentation::LabelTableEntry>{}
                                                 : segmentation::read_label_table(options.label_table);
  auto imported = segmentation::import_labels(conformed.labels, table);
  refuse_unknown_labels(imported.unknown_values, file, options.label_table);
  Segmented s;
  s.result.labels = std::move(imported.group_labels);
  s.result.notes = imported.notes;
  s.input_labels = std::move(imported.input_labels);
  s.user_labels = std::move(conformed.labels);
  report.segmentation_source = options.correction ? "reader_corrected" : "user_labels";
  if (options.correction) report.correction = detail::describe_correction(*options.correction, *s.user_labels);
  return s;
}

// The automatic segmentation, with the built-in muscle model or the one given (`--model`).
Segmented segment_automatically(const AnalyzeOptions& options, const StudyChannels& channels,
                                const segmentation::SegmentationInput& input) {
  segmentation::SegmentationParams params;
  std::optional<segmentation::MuscleModel> model;
  if (!options.model_file.empty()) {
    model = segmentation::MuscleModel::read(options.model_file);
    params.model = &*model;
  }
  Segmented s;
  s.result = core::naming_toolkit_failures(channels.reference_series->series_instance_uid,
                                           [&] { return segmentation::segment_muscle_groups(input, params); });
  return s;
}

// Stage "segmentation": the user's labels when given (`--labels`, `myoscope edit`), else the automatic one.
Segmented segmentation_stage(const AnalyzeOptions& options, const StudyChannels& channels,
                             const segmentation::SegmentationInput& input, reporting::Report& report) {
  if (channels.fat && !input.fat && options.labels_file.empty())
    warn(report, fmt::format("segmented from the {} alone: the fat series {} does not cover the middle of every slice",
                             input.t1 ? "T1 series" : "water image", dicom::series_label(*channels.fat_series)));
  auto s = !options.labels_file.empty() || options.correction
               ? import_segmentation(options, channels.reference_grid(), report)
               : segment_automatically(options, channels, input);
  report.segmentation_notes = s.result.notes;
  report.level_reference_z_mm = s.result.landmarks.crotch_z_mm;
  for (const auto& w : s.result.warnings) warn(report, "segmentation: " + w);
  return s;
}

// Stage "quantification": fat fraction, edema and the scanner's maps per group, side and level. Where a channel has
// no data its voxels are missing, not zero (see load_study_channels).
quantification::QuantificationResult quantification_stage(const StudyChannels& channels,
                                                          const segmentation::SegmentationInput& seg_input,
                                                          const core::LabelVolume& labels) {
  quantification::QuantificationInput in;
  in.labels = &labels;
  in.water = seg_input.water;
  in.fat = channels.fat ? &*channels.fat : nullptr;
  in.t1 = channels.t1 ? &*channels.t1 : nullptr;
  in.stir = seg_input.stir;
  in.stir_acquired_geometry = channels.stir_acquired_geometry ? &*channels.stir_acquired_geometry : nullptr;
  in.scanner_fat_fraction_pct = channels.scanner_fat_fraction_pct ? &*channels.scanner_fat_fraction_pct : nullptr;
  in.t2_map_ms = channels.t2_map_ms ? &*channels.t2_map_ms : nullptr;
  in.fat_covered = channels.covered("fat");
  in.stir_covered = channels.covered("stir");
  in.scanner_fat_fraction_covered = channels.covered("scanner_fat_fraction");
  in.t2_map_covered = channels.covered("t2_map");
  return core::naming_toolkit_failures(channels.reference_series->series_instance_uid,
                                       [&] { return quantification::quantify(in); });
}

// The multi-echo train, loaded after segmentation and released after the fit. A train that does not hold together
// (an echo missing at a slice, unequal counts, other positions) is an input error naming the series.
dicom::EchoTrain load_train(const StudyChannels& channels, reporting::Report& report) {
  std::vector<SeriesInfo> infos;
  for (const auto* s : channels.echo_train_series) infos.push_back(*s);
  auto loaded = dicom::load_echo_train(infos);
  if (!loaded) throw core::MyoError(loaded.error());
  auto train = std::move(loaded).value();
  for (const auto& w : train.warnings) report.warnings.push_back(train.description + ": " + w);
  return train;
}

// The fit as report.json's method.water_t2 describes it. `fixed_fat`: the Dixon fat fraction fixed the fat share.
quantification::WaterT2Method describe_fit(const dicom::EchoTrain& train, const quantification::WaterT2Map& map,
                                           const quantification::WaterT2Params& params, bool fixed_fat,
                                           bool mono_asked) {
  quantification::WaterT2Method method;
  method.name = fixed_fat ? "multi_echo_biexponential_fixed_fat" : "multi_echo_monoexponential";
  method.series = train.description;
  method.echo_times_ms = train.echo_times_ms;
  method.echo_times_used_ms = map.echo_times_used_ms;
  method.first_echo_dropped = params.skip_first_echo;
  method.fat_t2_ms = params.fat_t2_ms;
  method.max_fat_fraction_pct = params.max_fat_fraction_pct;
  method.min_group_voxels = params.min_group_voxels;
  method.fat_handling =
      fixed_fat ? fmt::format("bi-exponential, water T2 free, fat share fixed to the Dixon fat fraction and fat T2 "
                              "fixed at {:g} ms; voxels above {:g} % fat left out",
                              params.fat_t2_ms, params.max_fat_fraction_pct)
                : std::string(mono_asked
                                  ? "mono-exponential (asked for): fat lengthens the apparent T2 of fatty muscle"
                                  : "mono-exponential (no Dixon fat fraction): fat lengthens the apparent T2 of fatty "
                                    "muscle");
  method.noise_sigma = params.noise_sigma;
  if (params.noise_sigma)
    method.fat_handling += fmt::format(
        "; echoes corrected for the Rician noise floor (sigma {:.1f} from the background)", *params.noise_sigma);
  method.fitted_voxels = map.fitted_voxels;
  method.candidate_voxels = map.candidate_voxels;
  return method;
}

// Per group: the median of its fitted voxels; a group with fewer than `min_voxels` fitted voxels gets none.
void assign_group_water_t2(const core::LabelVolume& labels, const core::ImageVolume& water_t2_ms,
                           std::size_t min_voxels, std::vector<quantification::GroupMeasurement>& groups) {
  const auto per_label = quantification::water_t2_per_label(labels, water_t2_ms);
  for (auto& m : groups) {
    m.water_t2_ms.reset();
    for (const auto& l : per_label)
      if (l.label == m.label && l.voxel_count >= min_voxels) m.water_t2_ms = l.median_ms;
  }
}

// Stage "water_t2", for a multi-echo spin-echo series: water T2 fitted per voxel on the echoes' own grid, inside the
// muscle groups only (labels brought there by nearest neighbour), with the Dixon fat fraction (trilinear) fixing the
// fat share. Returns the map (ms, 0 where not fitted); sets each group's water T2.
core::ImageVolume water_t2_stage(const AnalyzeOptions& options, const StudyChannels& channels,
                                 const core::LabelVolume& labels, quantification::QuantificationResult& quantities,
                                 reporting::Report& report) {
  const auto fit_start = std::chrono::steady_clock::now();
  const auto train = load_train(channels, report);
  const core::Geometry& echo_grid = train.echoes.front().geometry;
  const auto labels_on_echoes = core::resample_labels_to(labels, echo_grid);
  const auto muscle = core::to_mask(labels_on_echoes);
  std::optional<core::ImageVolume> ff_on_echoes;
  if (quantities.fat_fraction_map_pct && !options.water_t2_monoexponential)
    ff_on_echoes = core::resample_to(*quantities.fat_fraction_map_pct, echo_grid);
  quantification::WaterT2Params params;
  params.skip_first_echo = train.echoes.size() >= 4;  // with fewer, every echo is needed
  params.noise_sigma = quantification::echo_noise_sigma(train.echoes);
  auto map = quantification::fit_water_t2(train.echoes, train.echo_times_ms, &muscle,
                                          ff_on_echoes ? &*ff_on_echoes : nullptr, params);
  auto method = describe_fit(train, map, params, ff_on_echoes.has_value(), options.water_t2_monoexponential);
  assign_group_water_t2(labels_on_echoes, map.water_t2_ms, params.min_group_voxels, quantities.groups);
  if (channels.t2_map_ms)
    warn(report, "both a T2 map and a multi-echo series: water T2 is fitted from the multi-echo series");
  if (!ff_on_echoes && !options.water_t2_monoexponential)
    warn(report, "water T2 fitted mono-exponentially (no Dixon fat fraction): fat inflates it in fatty muscle");
  quantities.method.water_t2_method = method.name;
  method.fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - fit_start).count();
  log::info("water T2: {} of {} muscle voxels fitted from {} echoes in {:.2f} s ({})", map.fitted_voxels,
            map.candidate_voxels, map.echo_times_used_ms.size(), method.fit_seconds, method.name);
  report.water_t2_fit = std::move(method);
  return std::move(map.water_t2_ms);
}

// Where the scanner's fat-fraction map cross-checks MyoScope's Dixon fat fraction: the groups where the two
// disagree (a swap the scanner missed, ...), and a mean disagreement beyond the parameters' limits.
void warn_about_scanner_disagreement(const quantification::QuantificationResult& quantities,
                                     reporting::Report& report) {
  const auto& params = quantities.method.params;
  double sum = 0;
  int count = 0;
  std::string far;
  for (const auto& m : quantities.groups)
    if (m.fat_fraction_pct && m.scanner_fat_fraction_pct) {
      const double d = *m.fat_fraction_pct - *m.scanner_fat_fraction_pct;
      sum += std::abs(d), ++count;
      if (std::abs(d) > params.scanner_ff_group_warn_points)
        far += fmt::format("{}{} {} ({:.1f} vs {:.1f} %)", far.empty() ? "" : ", ", m.group, core::to_string(m.side),
                           *m.fat_fraction_pct, *m.scanner_fat_fraction_pct);
    }
  if (!far.empty())
    warn(report, fmt::format("MyoScope's Dixon fat fraction and the scanner's map disagree by more than {:g} points "
                             "in: {}",
                             params.scanner_ff_group_warn_points, far));
  if (count > 0 && sum / count > params.scanner_ff_mean_warn_points)
    warn(report, fmt::format("the scanner's fat-fraction map differs from MyoScope's Dixon fat fraction by {:.1f} "
                             "points on average per muscle group (MyoScope's is reported; it corrects the noise floor "
                             "and water/fat swaps)",
                             sum / count));
}

// The fat fraction's warnings: the scanner cross-check, and each Dixon water/fat swap found and corrected.
void warn_about_fat_fraction(const quantification::QuantificationResult& quantities, reporting::Report& report) {
  if (quantities.method.scanner_ff_use == "cross_check") warn_about_scanner_disagreement(quantities, report);
  for (const auto& s : quantities.method.swap_regions)
    warn(report, fmt::format("Dixon water/fat swap detected and corrected: {:.0f} ml ({:.0f} ml of muscle) on the {} "
                             "side{}, z {:.0f} to {:.0f} mm; fat fractions there use the exchanged images",
                             s.volume_ml, s.muscle_volume_ml, s.side, s.side == "both" ? "s" : "", s.z_min_mm,
                             s.z_max_mm));
  for (const auto& note : quantities.method.swap_notes) warn(report, "Dixon water/fat swap check: " + note);
}

// What a series of the study was used as in this analysis ("reference", "fat", ...); empty when unused.
std::string used_as(const SeriesInfo& s, const StudyChannels& c) {
  const auto same = [&](const SeriesInfo* chosen) {
    return chosen && chosen->series_instance_uid == s.series_instance_uid && chosen->split_key == s.split_key;
  };
  const auto any = [&](const std::vector<const SeriesInfo*>& list) {
    return std::any_of(list.begin(), list.end(), same);
  };
  if (same(c.reference_series)) return "reference";
  if (c.dixon && same(c.fat_series)) return "fat";
  if (same(c.t1_series)) return "t1";
  if (same(c.stir_series)) return "edema";
  if (same(c.t2_map_series) || any(c.echo_train_series)) return "water_t2";
  if (same(c.fat_fraction_map_series)) return c.dixon ? "fat_fraction_cross_check" : "fat_fraction";
  if (any(c.dixon_echo_series)) return "dixon_echoes";
  return {};
}

// Provenance and the study: software, time, the study's identity and field strength, its series and their use.
void describe_study(const AnalyzeOptions& options, const StudyChannels& channels, reporting::Report& report) {
  const auto& study = channels.study;
  report.software_name = core::software_name();
  report.software_version = core::software_version();
  report.git_revision = core::git_revision();
  report.threads = core::thread_count();
  report.created_utc = detail::utc_now();
  report.study.study_instance_uid = study.study_instance_uid;
  if (!options.deidentify) report.input_path = fs::absolute(options.input).lexically_normal().string();
  report.study.study_date = study.study_date;
  report.study.study_description = study.study_description;
  report.reference_series_uid = channels.reference_series->series_instance_uid;
  report.study.magnetic_field_strength_t = field_strength_t(*channels.reference_series, study.series);
  if (channels.water_fat_separation) report.water_fat_separation = *channels.water_fat_separation;
  for (const auto& s : study.series) {
    report.series.push_back({});
    auto& e = report.series.back();
    e.series_instance_uid = s.series_instance_uid;
    e.split_key = s.split_key;
    e.series_number = s.series_number;
    e.description = s.description;
    e.role = dicom::to_string(s.role);
    e.role_reason = s.role_reason;
    e.orientation = s.orientation;
    e.slice_count = s.slice_count;
    e.used_as = used_as(s, channels);
    if (report.study.manufacturer.empty()) report.study.manufacturer = s.manufacturer;
  }
}

// The user's own labels with their volume, fat and edema (`--labels`, `myoscope edit`).
std::vector<reporting::InputLabelEntry> input_label_entries(const Segmented& segmented,
                                                            const quantification::QuantificationResult& q) {
  const auto stats = quantification::label_statistics(
      *segmented.user_labels, q.fat_fraction_map_pct ? &*q.fat_fraction_map_pct : nullptr,
      q.edema_mask ? &*q.edema_mask : nullptr, q.edema_assessed_mask ? &*q.edema_assessed_mask : nullptr, q.coverage);
  std::vector<reporting::InputLabelEntry> out;
  for (const auto& in : segmented.input_labels) {
    reporting::InputLabelEntry e{in.value, in.name, in.group, in.side, 0, std::nullopt, std::nullopt, std::nullopt};
    const auto it = std::find_if(stats.begin(), stats.end(), [&](const auto& st) { return st.value == in.value; });
    if (it != stats.end()) {
      e.volume_ml = it->volume_ml;
      e.fat_fraction_pct = it->fat_fraction_pct;
      e.fat_fraction_interior_pct = it->fat_fraction_interior_pct;
      e.edema_fraction_pct = it->edema_fraction_pct;
    }
    out.push_back(std::move(e));
  }
  return out;
}

// The measurements: groups, single muscles or the user's labels, level profiles, the pattern, and what each channel
// misses of each muscle. Returns whether numbers were withheld for a channel that does not cover a muscle.
bool describe_results(const StudyChannels& channels, const Segmented& segmented,
                      quantification::QuantificationResult& q, reporting::Report& report) {
  const auto& seg = segmented.result;
  if (report.segmentation_source == "automatic") {
    report.single_muscles = single_muscles(seg, q, q.groups);
    report.segmentation_method = seg.method;
    report.confidence_flag_below = seg.confidence_flag_below;
  }
  report.muscles = q.groups;
  if (segmented.user_labels) report.input_labels = input_label_entries(segmented, q);
  report.profiles = quantification::level_profiles(
      seg.labels, q.fat_fraction_map_pct ? &*q.fat_fraction_map_pct : nullptr, q.edema_mask ? &*q.edema_mask : nullptr,
      q.edema_assessed_mask ? &*q.edema_assessed_mask : nullptr, {}, q.coverage);
  report.pattern = quantification::describe_pattern(report.muscles, report.profiles);
  auto coverage =
      detail::describe_channel_coverage(channels, seg.labels, seg.muscle_labels, q.method.params.min_covered_pct);
  for (auto& w : coverage.warnings) warn(report, std::move(w));
  report.channel_coverage = std::move(coverage.entries);
  report.quantification_method = q.method;
  if (report.muscles.empty()) warn(report, "no muscle group was found in the images");
  return coverage.numbers_withheld;
}

// What the measuring stages leave for the output stages.
struct MeasuredStudy {
  const StudyChannels& channels;
  const segmentation::SegmentationInput& seg_input;
  const Segmented& segmented;
  const quantification::QuantificationResult& quantities;
  const core::ImageVolume* water_t2_ms;  // null without a multi-echo series
};

// The NIfTI files of the analysis (AnalysisFolder's writer).
AnalysisVolumes analysis_volumes(const MeasuredStudy& m, const AnalyzeOptions& options) {
  const auto& c = m.channels;
  const auto& q = m.quantities;
  AnalysisVolumes v;
  v.labels = &m.segmented.result.labels;
  v.muscle_labels = &m.segmented.result.muscle_labels;
  v.fat_fraction_pct = q.fat_fraction_map_pct ? &*q.fat_fraction_map_pct : nullptr;
  v.water_t2_ms = m.water_t2_ms;
  v.water = c.water ? &*c.water : nullptr;
  v.t1 = c.t1 ? &*c.t1 : nullptr;
  v.stir = c.stir ? &*c.stir : nullptr;
  v.edema_mask = q.edema_mask ? &*q.edema_mask : nullptr;
  v.bone = &m.segmented.result.bone;
  v.corrected_labels = options.correction ? &*m.segmented.user_labels : nullptr;
  v.edit_log_json = options.correction ? &options.correction->edit_log_json : nullptr;
  return v;
}

// The layers of the figures, the 3D scene and the PACS overlay series.
rendering::FigureInput figure_input(const MeasuredStudy& m) {
  const auto& c = m.channels;
  const auto& q = m.quantities;
  const auto& seg = m.segmented.result;
  rendering::FigureInput in;
  in.labels = &seg.labels;
  in.anatomy = c.water ? &*c.water : c.t1 ? &*c.t1 : nullptr;
  in.fat_fraction_pct = q.fat_fraction_map_pct ? &*q.fat_fraction_map_pct : nullptr;
  in.stir = m.seg_input.stir;
  in.edema_mask = q.edema_mask ? &*q.edema_mask : nullptr;
  in.bone = seg.bone.voxels.empty() ? nullptr : &seg.bone;
  in.measurements = q.groups;
  in.crotch_z_mm = seg.landmarks.crotch_z_mm;
  return in;
}

// The study's context for DICOM results in the patient's study; none when not asked for or nothing was measured.
std::optional<dicom::ResultContext> pacs_context(const AnalyzeOptions& options, const StudyChannels& channels,
                                                 const reporting::Report& report) {
  if (!options.write_dicom || report.muscles.empty()) return std::nullopt;
  dicom::ResultContext pacs;
  pacs.study = channels.study;
  pacs.reference_series = *channels.reference_series;
  pacs.software_version = core::software_version();
  pacs.deidentify = options.deidentify;
  return pacs;
}

// Stage "figures": needs an X display (VTK); without one the analysis still completes and says why figures are
// missing. Less output than asked for is never a success: report.json lists it as a problem (exit code 4).
std::vector<rendering::Figure> figures_stage(const rendering::FigureInput& input, const fs::path& dir,
                                             reporting::Report& report) {
  try {
    return rendering::render_study_figures(input, dir / files::kFigures);
  } catch (const core::MyoError& e) {
    if (e.kind() != core::ErrorKind::no_display) throw;
    const std::string problem = "figures not rendered (report.pdf and report.html without them, no "
                                "dicom/figures.dcm): " + e.error().message;
    warn(report, problem);
    report.problems.push_back(problem);
    return {};
  }
}

// Follow-up: changes against an earlier analysis of the same patient, flagged beyond repeatability
// (comparison.json, and the report's "change since the previous visit").
std::optional<Comparison> follow_up(const AnalyzeOptions& options, reporting::Report& report,
                                    const fs::path& dir) {
  if (options.baseline.empty()) return std::nullopt;
  std::vector<FollowUpMeasurement> now;
  for (const auto& m : report.muscles)
    now.push_back({m.group, core::to_string(m.side), m.volume_ml, m.fat_fraction_pct, m.edema_fraction_pct});
  auto comparison =
      compare_with_baseline(options.baseline, now, report.study.study_instance_uid, report.study.study_date);
  core::write_file_atomically(dir / files::kComparison, comparison_to_json(comparison));
  report.change_since_previous = follow_up_of(comparison);
  return comparison;
}

// What the documents show besides the report: identifiers only when the output is not de-identified (never logged),
// the figures just rendered and the 3D scene.
struct DocumentInputs {
  const std::vector<rendering::Figure>& figures;
  core::TaskGroup& scene;     // making scene.glb, which report.html embeds
  const fs::path& scene_glb;  // read once `scene` is done
};

// The error text of `write`, if it throws; documents are never worth failing the analysis for.
std::optional<std::string> failure_of(const std::function<void()>& write) {
  try {
    write();
  } catch (const std::exception& e) {
    return e.what();
  }
  return std::nullopt;
}

// Stage "report_documents": report.pdf here and report.html on the pool beside it (once scene.glb is made). A failure
// here loses no result: it becomes a warning.
void documents_stage(const AnalyzeOptions& options, const dicom::StudyInfo& study, const DocumentInputs& inputs,
                     reporting::Report& report, const fs::path& dir) {
  reporting::ReportExtras extras;
  extras.deidentified = options.deidentify;
  if (!options.deidentify)
    extras.patient = reporting::PatientHeader{study.patient_name, study.patient_id, study.patient_birth_date,
                                              study.accession_number};
  for (const auto& f : inputs.figures) extras.figures.push_back({f.path, f.caption});
  std::optional<std::string> html_failure;
  core::TaskGroup html;
  html.run([&] {
    inputs.scene.wait();  // a failed scene fails the analysis, as any missing output that is not a document
    auto with_scene = extras;
    with_scene.scene_glb = inputs.scene_glb;
    html_failure = failure_of([&] { reporting::write_html_report(report, with_scene, dir / files::kReportHtml); });
  });
  const auto pdf_failure = failure_of([&] { reporting::write_pdf_report(report, extras, dir / files::kReportPdf); });
  html.wait();
  if (pdf_failure) warn(report, "report.pdf not written: " + *pdf_failure);
  if (html_failure) warn(report, "report.html not written: " + *html_failure);
}

// The inputs of the PACS results (overlay series, edema SEG, report.dcm).
detail::PacsResultsInput pacs_results_input(const AnalyzeOptions& options, const StudyChannels& channels,
                                            const rendering::FigureInput& layers, const fs::path& out_dir) {
  return {layers, out_dir / files::kReportPdf, options.deidentify, channels.stir_series,
          channels.stir_acquired_geometry};
}

// Stage "dicom_results": the 3D maps as a DICOM secondary capture (what a PACS viewer cannot show otherwise), and
// report.pdf as Encapsulated PDF; the rest of what a radiologist reads in the PACS (overlay slices, the edema SEG on
// the STIR series) was written meanwhile by `layers`, beside the SEG, SR and parametric map written with the volumes.
void dicom_results_stage(const AnalyzeOptions& options, const StudyChannels& channels,
                         const rendering::FigureInput& layers, const std::vector<rendering::Figure>& figures,
                         const dicom::ResultContext& pacs, const fs::path& out_dir) {
  const fs::path dir = out_dir / files::kDicom;
  std::vector<dicom::RgbImage> captures;
  for (const auto& f : figures) {
    if (f.kind != "map3d") continue;
    auto pixels = rendering::read_figure_rgb(f.path);
    captures.push_back({pixels.width, pixels.height, std::move(pixels.rgb)});
  }
  if (!captures.empty()) dicom::write_secondary_capture(captures, pacs, dir / "figures.dcm");
  detail::write_pacs_report(pacs_results_input(options, channels, layers, out_dir), pacs, dir);
}

// The muscle group surfaces as glTF (no X display needed): report.html's 3D map, and a file for any glTF viewer.
// With a previous visit its meshes also carry the change colours.
struct SceneExport {
  SceneExport(const rendering::FigureInput& layers, const std::optional<Comparison>& comparison)
      : change(comparison ? std::optional(change_colours(*comparison)) : std::nullopt), input(layers) {
    input.change = change ? &*change : nullptr;
  }
  void start(const fs::path& dir) {
    making.run([this, dir] { glb = rendering::export_scene(input, dir / files::kScene, {}).glb; });
  }
  std::optional<rendering::ViewerChange> change;
  rendering::FigureInput input;
  fs::path glb;  // read once `making` is done
  core::TaskGroup making;
};

// The output stages, into the staging folder `dir`: "figures", "outputs" (NIfTI volumes, DICOM SEG, SR and
// parametric map, measurements.csv), "report_documents" (with scene.glb) and "dicom_results". The figures render on
// this thread (the 3D maps through OpenGL, the rest composed on the CPU); what needs nothing from them is queued on
// the thread pool first and runs beside them: the volumes (NIfTI, SEG, SR, parametric map), the 3D scene, then the
// overlay series and edema SEG of the DICOM results. The 3D maps and the scene share one build of the label surfaces.
// The overlay series letters its slices as the figures do, through VTK's text renderer, which is not thread-safe: the
// rendering library holds one lock around every use of it.
void output_stages(const AnalyzeOptions& options, const MeasuredStudy& m, reporting::Report& report,
                   StageClock& clock, const fs::path& dir) {
  const auto pacs = pacs_context(options, m.channels, report);
  const auto volumes = analysis_volumes(m, options);
  const rendering::SurfaceCache surfaces;  // built once for the 3D maps and scene.glb, by whichever needs them first
  auto layers = figure_input(m);
  layers.surfaces = &surfaces;
  const bool measured = !m.segmented.result.labels.voxels.empty() && !report.muscles.empty();
  const bool render = options.write_figures && measured;
  core::TaskGroup writing;
  // Without figures there is nothing to overlap with: written here, each file compressed on all threads.
  const auto write = [&](const std::function<void()>& task) { render ? writing.run(task) : task(); };
  write([&] { write_analysis_volumes(volumes, options.write_maps, dir); });
  if (pacs)
    write([&] {
      write_dicom_volumes(m.segmented.result, m.quantities, report.channel_coverage, options, *pacs,
                          dir / files::kDicom);
    });
  SceneExport scene(layers, follow_up(options, report, dir));
  if (options.write_reports && measured) scene.start(dir);
  core::TaskGroup pacs_layers;
  if (pacs)
    pacs_layers.run([&] {
      detail::write_pacs_layers(pacs_results_input(options, m.channels, layers, dir), *pacs, dir / files::kDicom);
    });
  std::vector<rendering::Figure> figures;
  if (render) {
    figures = figures_stage(layers, dir, report);
    clock.lap("figures");
  }
  writing.wait();  // what the figures left of the writing: its whole time when there are no figures
  reporting::write_measurements_csv(report, dir / files::kMeasurements);
  clock.lap("outputs");
  if (options.write_reports) {
    documents_stage(options, m.channels.study, {figures, scene.making, scene.glb}, report, dir);
    clock.lap("report_documents");  // with scene.glb, made meanwhile
  }
  if (pacs) {
    pacs_layers.wait();
    dicom_results_stage(options, m.channels, layers, figures, *pacs, dir);
    clock.lap("dicom_results");
  }
}

// One study's analysis as its stages, each timed under its name in report.json's provenance.stage_seconds:
// load (and scan), segmentation, quantification, water_t2 (with a multi-echo series), then the output stages.
// Every output is written into `folder`'s staging folder and committed at the end.
AnalyzeOutcome analyze_into(const AnalyzeOptions& options, core::OutputFolderTransaction& folder) {
  reporting::Report report;
  StageClock clock(report, options.on_stage);
  const auto channels = load_stage(options, report);
  clock.lap("load");
  report.stage_seconds["scan"] = channels.scan_seconds;  // the loader times scanning and loading apart
  report.stage_seconds["load"] = channels.load_seconds;
  const auto seg_input = channels.segmentation_input();
  const auto segmented = segmentation_stage(options, channels, seg_input, report);
  clock.lap("segmentation");
  auto quantities = quantification_stage(channels, seg_input, segmented.result.labels);
  clock.lap("quantification");
  std::optional<core::ImageVolume> water_t2_ms;
  if (!channels.echo_train_series.empty()) {
    water_t2_ms = water_t2_stage(options, channels, segmented.result.labels, quantities, report);
    clock.lap("water_t2");
  }
  warn_about_fat_fraction(quantities, report);
  describe_study(options, channels, report);
  const bool numbers_withheld = describe_results(channels, segmented, quantities, report);

  const MeasuredStudy measured{channels, seg_input, segmented, quantities, water_t2_ms ? &*water_t2_ms : nullptr};
  output_stages(options, measured, report, clock, folder.staging());
  reporting::write_report_json(report, folder.staging() / files::kReport);
  folder.commit();

  AnalyzeOutcome outcome;
  outcome.report_path = options.output / files::kReport;
  outcome.warnings = report.warnings;
  // Partial: files were skipped, numbers withheld because a series does not cover the muscle, or outputs missing.
  outcome.exit_code = channels.unreadable_files == 0 && !numbers_withheld && report.problems.empty()
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
