#include "myo/pipeline/study_channels.hpp"
#include "myo/pipeline/analyze.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/resample.hpp"
#include "myo/core/statistics.hpp"
#include "myo/core/toolkit_errors.hpp"
#include "myo/dicom/load.hpp"
#include "myo/quantification/water_fat_separation.hpp"
#include "raw_dixon.hpp"

namespace myo::pipeline {
namespace {

using dicom::SeriesInfo;
using dicom::SeriesRole;

void apply_overrides(std::vector<SeriesInfo>& series, const std::vector<std::string>& overrides) {
  for (const auto& text : overrides) {
    if (const auto problem = role_override_problem(text); !problem.empty()) throw core::MyoError("--role", problem);
    const auto eq = text.find('=');
    const std::string key = text.substr(0, eq);
    const auto role = dicom::role_from_string(text.substr(eq + 1));
    bool matched = false;
    for (auto& s : series) {
      if (s.series_instance_uid == key || std::to_string(s.series_number) == key) {
        // A phase image told apart only by its reason (Siemens ImageType P) stays one when the reason is replaced.
        if (dicom::is_phase_part(s)) s.complex_component = "PHASE";
        s.role = *role;
        s.role_reason = "overridden on the command line";
        // Echoes named on the command line form one train.
        s.echo_train = *role == SeriesRole::t2_multi_echo || *role == SeriesRole::dixon_echo ? "command line" : "";
        matched = true;
      }
    }
    if (!matched) throw core::MyoError("--role", "no series with number or UID '" + key + "' in the study");
  }
}

// The segmentation and the per-muscle measurements need volumes: a series of one or two slices (a localizer-like
// T1, a single test slice) cannot be segmented, and ITK refuses to smooth or resample it.
constexpr std::size_t kMinVolumeSlices = 3;

void require_volume(const SeriesInfo* s, const char* used_as) {
  if (s == nullptr || s->slice_count >= kMinVolumeSlices) return;
  throw core::MyoError(
      s->series_instance_uid,
      fmt::format("series {} ('{}'), the {}, has {} slice{}: at least {} are needed to analyse it", s->series_number,
                  s->description, used_as, s->slice_count, s->slice_count == 1 ? "" : "s", kMinVolumeSlices));
}

// Brings a channel onto the reference grid, recording where it has data. A channel on another grid that covers all of
// the reference is resampled and said so (debug); what one covering part of it misses is for analyze to say.
core::ImageVolume onto_grid(const core::ImageVolume& volume, const core::Geometry& grid, const std::string& channel,
                            const SeriesInfo& info, std::vector<ChannelCoverage>& coverage) {
  ChannelCoverage c{channel, &info, core::grid_coverage(volume.geometry, grid), std::nullopt};
  if (!c.grid.complete()) {
    c.covered = core::covered_voxels(volume.geometry, grid);
  } else if (!c.grid.same_grid) {
    log::debug("{} series {}: resampled onto the reference grid from {} (covers all of it)", channel,
               dicom::series_label(info), volume.geometry.describe());
  }
  coverage.push_back(std::move(c));
  return core::naming_toolkit_failures(info.series_instance_uid, [&] { return core::resample_to(volume, grid); });
}

// A study UID that two patients share (a PACS or anonymiser error): analysing one of them would silently drop the
// other's series, and choosing between them by UID is impossible. The message counts series per patient and names
// no identifier.
void refuse_shared_study_uid(const std::vector<dicom::StudyInfo>& studies, const std::string& study_uid,
                             const std::filesystem::path& input) {
  std::string counts;
  int patients = 0;
  for (const auto& s : studies) {
    if (s.study_instance_uid != study_uid) continue;
    ++patients;
    counts += fmt::format("{}patient {}: {} series", counts.empty() ? "" : ", ", patients, s.series.size());
  }
  if (patients > 1)
    throw core::MyoError(input.string(),
                         fmt::format("study {} is shared by {} patients ({}); give an input folder that holds only "
                                     "one patient's files (see `myoscope scan`)",
                                     study_uid, patients, counts));
}

// Water and fat computed from raw echoes into `out`. When they cannot be separated (no field strength, echoes that
// do not hold together) and the study has a T1 series, false and a warning: the T1 estimate is better than no result.
bool take_raw_dixon(StudyChannels& out, const std::vector<SeriesInfo>& series, const std::vector<std::size_t>& set,
                    bool t1_available, const std::function<void(std::string)>& warn) {
  std::vector<SeriesInfo> parts;
  for (const auto i : set) parts.push_back(series[i]);
  detail::RawDixon raw;
  try {
    raw = detail::dixon_from_echoes(parts);
  } catch (const core::MyoError& e) {
    if (!t1_available || e.kind() != core::ErrorKind::input) throw;
    out.problems.push_back(
        fmt::format("{}: {}; no fat fraction, fat estimated from the T1 series instead", e.error().subject, e.error().message));
    warn(out.problems.back());
    return false;
  }
  for (const auto i : set) out.dixon_echo_series.push_back(&series[i]);
  for (auto& w : raw.warnings) out.warnings.push_back(std::move(w));
  warn(fmt::format("{}: no water/fat images in the study; water and fat computed from {} raw echoes", raw.method.series,
                   raw.method.echo_times_ms.size()));
  out.water_fat_separation = std::make_shared<const quantification::WaterFatSeparationMethod>(raw.method);
  out.water = std::move(raw.water);
  out.fat = std::move(raw.fat);
  out.dixon = true;
  return true;
}

// Warnings of this file's own go to the terminal too, as the series loader's do (analyze prints none of these).
void warn(StudyChannels& out, std::string text) {
  log::warn("{}", text);
  out.warnings.push_back(std::move(text));
}

void record_unreadable(const std::vector<dicom::FileProblem>& problems, StudyChannels& out) {
  out.unreadable_files = problems.size();
  for (const auto& problem : problems) {
    const std::string warning = problem.path.string() + ": " + problem.reason;
    log::warn("skipped {}", warning);
    out.warnings.push_back("skipped unreadable file " + warning);
  }
}

// The study to analyse: the one with `study_uid`, else the only one under the input.
const dicom::StudyInfo& pick_study(const dicom::ScanResult& scan, const std::string& study_uid,
                                   const std::filesystem::path& input) {
  if (scan.studies.empty()) throw core::MyoError(input.string(), "no DICOM images found");
  const dicom::StudyInfo* study = &scan.studies.front();
  if (!study_uid.empty()) {
    const auto it = std::find_if(scan.studies.begin(), scan.studies.end(),
                                 [&](const auto& s) { return s.study_instance_uid == study_uid; });
    if (it == scan.studies.end()) throw core::MyoError(input.string(), "no study with the requested UID");
    refuse_shared_study_uid(scan.studies, study_uid, input);
    study = &*it;
  } else if (scan.studies.size() > 1) {
    refuse_shared_study_uid(scan.studies, study->study_instance_uid, input);
    throw core::MyoError(input.string(), fmt::format("holds {} studies; choose one with --study UID (see `myoscope scan`)",
                                                     scan.studies.size()));
  }
  return *study;
}

// The group of `groups` whose first series is preferred (the acquisition with the most slices, axial first), among
// those of at least `min_size` series.
std::optional<std::vector<std::size_t>> preferred_group(const std::vector<SeriesInfo>& series,
                                                        const std::vector<std::vector<std::size_t>>& groups,
                                                        std::size_t min_size) {
  const std::vector<std::size_t>* best = nullptr;
  for (const auto& g : groups) {
    if (g.size() < min_size) continue;
    if (!best || dicom::preferred_series(series[g.front()], series[best->front()])) best = &g;
  }
  if (!best) return std::nullopt;
  return *best;
}

// The series chosen by role, and the raw Dixon echoes to separate when the scanner's water and fat are missing.
struct ChannelPlan {
  dicom::ChosenSeries chosen;
  std::optional<std::vector<std::size_t>> echo_set;
};

// Dixon water/fat if present (reference = water), else raw echoes, else T1 (reference), plus STIR.
ChannelPlan plan_channels(StudyChannels& out, const std::filesystem::path& input) {
  const auto& series = out.study.series;
  ChannelPlan plan{dicom::choose_series(series), std::nullopt};
  const auto& c = plan.chosen;
  out.dixon = c.water && c.fat;
  if (!out.dixon) plan.echo_set = preferred_group(series, dicom::find_dixon_echo_sets(series), 1);
  const SeriesInfo* reference = out.dixon ? c.water : plan.echo_set ? &series[plan.echo_set->front()] : c.t1;
  if (!reference)
    throw core::MyoError(input.string(),
                         "no Dixon water/fat pair, no raw Dixon echoes and no T1 series found: nothing to segment (see "
                         "`myoscope scan`; override roles with --role SERIES=ROLE)");
  out.reference_series = reference;
  out.fat_series = out.dixon ? c.fat : nullptr;
  out.t1_series = c.t1;
  out.stir_series = c.stir;
  require_volume(reference, "reference series");
  require_volume(out.fat_series, "Dixon fat series");
  require_volume(c.t1, "T1 series");
  require_volume(c.stir, "STIR series");
  return plan;
}

// Loads series as volumes; table positions (a pelvis and a thigh station of one contrast) are stitched into one
// volume before use. The loader's warnings go to `out`.
class SeriesLoader {
 public:
  explicit SeriesLoader(StudyChannels& out) : out_(out), stations_(dicom::find_stations(out.study.series)) {}

  dicom::LoadedSeries load(const SeriesInfo& info) {
    const auto& series = out_.study.series;
    const auto index = static_cast<std::size_t>(&info - series.data());
    for (const auto& group : stations_) {
      if (std::find(group.begin(), group.end(), index) == group.end()) continue;
      std::vector<dicom::LoadedSeries> parts;
      for (const auto i : group) parts.push_back(load_one(series[i]));
      auto stitched = dicom::stitch_series(parts);
      if (!stitched) throw core::MyoError(stitched.error());
      warn(out_, fmt::format("{}: {} table positions stitched into one volume", info.description, group.size()));
      return std::move(stitched).value();
    }
    return load_one(info);
  }

 private:
  dicom::LoadedSeries load_one(const SeriesInfo& info) {
    auto loaded = dicom::load_series(info);
    if (!loaded) throw core::MyoError(loaded.error());
    for (const auto& w : loaded.value().warnings) out_.warnings.push_back(info.description + ": " + w);
    return std::move(loaded).value();
  }

  StudyChannels& out_;
  std::vector<std::vector<std::size_t>> stations_;
};

// Vendors store fat fraction as a fraction, in percent or in tenths of a percent (Siemens, GE): the scale is read
// from the map itself (subcutaneous fat is ~90 %), and said. An empty map is not used.
void take_scanner_fat_fraction(StudyChannels& out, SeriesLoader& loader, const SeriesInfo& ff_map,
                               const core::Geometry& grid) {
  auto map = onto_grid(loader.load(ff_map).volume, grid, "scanner_fat_fraction", ff_map, out.coverage);
  std::vector<float> positive;
  for (std::size_t i = 0; i < map.voxels.size(); i += 11)
    if (map.voxels[i] > 0) positive.push_back(map.voxels[i]);
  if (positive.size() <= 1000) {
    warn(out, ff_map.description + ": scanner fat-fraction map is empty; not used");
    out.coverage.pop_back();  // recorded by onto_grid just above: the map is not used
    return;
  }
  const double high = core::percentile(positive, 0.99);
  const double scale = high > 150 ? 0.1 : high > 1.5 ? 1.0 : 100.0;
  for (auto& v : map.voxels) v = static_cast<float>(v * scale);
  warn(out, fmt::format("{}: scanner fat-fraction map read as {}", ff_map.description,
                        scale == 0.1 ? "tenths of a percent" : scale == 1.0 ? "percent" : "a fraction"));
  out.scanner_fat_fraction_pct = std::move(map);
  out.fat_fraction_map_series = &ff_map;
}

// The reference image (and with Dixon the fat) on the reference grid; returns that grid. From raw echoes the
// computed water is the reference, on the echoes' grid; when they cannot be separated the T1 series becomes it.
core::Geometry load_reference(StudyChannels& out, SeriesLoader& loader, ChannelPlan& plan) {
  const auto& c = plan.chosen;
  const auto warn_out = [&out](std::string text) { warn(out, std::move(text)); };
  if (plan.echo_set && !take_raw_dixon(out, out.study.series, *plan.echo_set, c.t1 != nullptr, warn_out)) {
    plan.echo_set.reset();
    out.reference_series = c.t1;
  }
  if (plan.echo_set) {
    if (c.t1) out.t1 = onto_grid(loader.load(*c.t1).volume, out.water->geometry, "t1", *c.t1, out.coverage);
    return out.water->geometry;
  }
  auto reference = loader.load(*out.reference_series);
  const core::Geometry grid = reference.volume.geometry;
  if (out.dixon) {
    out.water = std::move(reference.volume);
    out.fat = onto_grid(loader.load(*c.fat).volume, grid, "fat", *c.fat, out.coverage);
    if (c.t1) out.t1 = onto_grid(loader.load(*c.t1).volume, grid, "t1", *c.t1, out.coverage);
  } else {
    out.t1 = std::move(reference.volume);  // without Dixon the reference is the T1 series
  }
  return grid;
}

// Every channel onto the reference grid, in the order of StudyChannels::coverage.
void load_channels(StudyChannels& out, ChannelPlan plan) {
  SeriesLoader loader(out);
  const auto& c = plan.chosen;
  const core::Geometry grid = load_reference(out, loader, plan);
  if (c.stir) {
    auto loaded = loader.load(*c.stir);
    out.stir_acquired_geometry = loaded.volume.geometry;
    out.stir = onto_grid(loaded.volume, grid, "stir", *c.stir, out.coverage);
  }
  if (c.fat_fraction_map) take_scanner_fat_fraction(out, loader, *c.fat_fraction_map, grid);
  if (c.t2_map) {
    out.t2_map_ms = onto_grid(loader.load(*c.t2_map).volume, grid, "t2_map", *c.t2_map, out.coverage);
    out.t2_map_series = c.t2_map;
  }
}

}  // namespace

std::string role_override_problem(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return "expected SERIES=ROLE (series number or UID), got '" + text + "'";
  const std::string role = text.substr(eq + 1);
  if (dicom::role_from_string(role)) return {};
  return "unknown role '" + role + "' in '" + text + "'; valid roles: " + dicom::role_names();
}

StudyChannels load_study_channels(const std::filesystem::path& input, const std::vector<std::string>& role_overrides,
                                  const std::string& study_uid) {
  StudyChannels out;
  const auto start = std::chrono::steady_clock::now();
  const auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  if (!std::filesystem::exists(input)) throw core::MyoError(input.string(), "input does not exist");
  const auto scan = dicom::scan(input);
  out.scan_seconds = seconds_since(start);
  const auto load_start = std::chrono::steady_clock::now();
  record_unreadable(scan.problems, out);
  out.study = pick_study(scan, study_uid, input);
  apply_overrides(out.study.series, role_overrides);
  load_channels(out, plan_channels(out, input));
  // Multi-echo spin echo for water T2: the train with the most slices (axial first); loaded by the fit.
  if (const auto train = preferred_group(out.study.series, dicom::find_echo_trains(out.study.series), 2))
    for (const auto i : *train) out.echo_train_series.push_back(&out.study.series[i]);
  out.load_seconds = seconds_since(load_start);
  return out;
}

}  // namespace myo::pipeline
