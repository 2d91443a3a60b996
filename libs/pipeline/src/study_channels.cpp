#include "myo/pipeline/study_channels.hpp"
#include "myo/pipeline/analyze.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>

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
  auto scan = dicom::scan(input);
  out.scan_seconds = seconds_since(start);
  const auto load_start = std::chrono::steady_clock::now();
  out.unreadable_files = scan.problems.size();
  for (const auto& problem : scan.problems) {
    const std::string warning = problem.path.string() + ": " + problem.reason;
    log::warn("skipped {}", warning);
    out.warnings.push_back("skipped unreadable file " + warning);
  }
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
  out.study = *study;
  auto& series = out.study.series;
  apply_overrides(series, role_overrides);

  // Dixon water/fat if present (reference = water), else T1 (reference), plus STIR.
  const auto chosen = dicom::choose_series(series);
  const SeriesInfo* water = chosen.water;
  const SeriesInfo* fat = chosen.fat;
  const SeriesInfo* t1 = chosen.t1;
  const SeriesInfo* stir = chosen.stir;
  const SeriesInfo* ff_map = chosen.fat_fraction_map;
  const SeriesInfo* t2_map = chosen.t2_map;
  out.dixon = water && fat;
  // Without the scanner's water and fat: raw echoes, the acquisition with the most slices (axial first).
  const std::vector<std::size_t>* echo_set = nullptr;
  const auto echo_sets = dicom::find_dixon_echo_sets(series);
  if (!out.dixon)
    for (const auto& set : echo_sets)
      if (!echo_set || dicom::preferred_series(series[set.front()], series[echo_set->front()])) echo_set = &set;
  const SeriesInfo* reference = out.dixon ? water : echo_set ? &series[echo_set->front()] : t1;
  if (!reference)
    throw core::MyoError(input.string(),
                         "no Dixon water/fat pair, no raw Dixon echoes and no T1 series found: nothing to segment (see "
                         "`myoscope scan`; override roles with --role SERIES=ROLE)");
  out.reference_series = reference;
  out.fat_series = out.dixon ? fat : nullptr;
  out.t1_series = t1;
  out.stir_series = stir;
  require_volume(reference, "reference series");
  require_volume(out.fat_series, "Dixon fat series");
  require_volume(t1, "T1 series");
  require_volume(stir, "STIR series");

  // Warnings of this function's own go to the terminal too, as the series loader's do (analyze prints none of these).
  const auto warn = [&out](std::string text) {
    log::warn("{}", text);
    out.warnings.push_back(std::move(text));
  };
  // Table positions (a pelvis and a thigh station of one contrast) are stitched into one volume before use.
  const auto stations = dicom::find_stations(series);
  const auto load_one = [&](const SeriesInfo& info) {
    auto loaded = dicom::load_series(info);
    if (!loaded) throw core::MyoError(loaded.error());
    for (const auto& w : loaded.value().warnings) out.warnings.push_back(info.description + ": " + w);
    return std::move(loaded).value();
  };
  const auto load = [&](const SeriesInfo& info) {
    const auto index = static_cast<std::size_t>(&info - series.data());
    for (const auto& group : stations) {
      if (std::find(group.begin(), group.end(), index) == group.end()) continue;
      std::vector<dicom::LoadedSeries> parts;
      for (const auto i : group) parts.push_back(load_one(series[i]));
      auto stitched = dicom::stitch_series(parts);
      if (!stitched) throw core::MyoError(stitched.error());
      warn(fmt::format("{}: {} table positions stitched into one volume", info.description, group.size()));
      return std::move(stitched).value();
    }
    return load_one(info);
  };
  core::Geometry grid;
  // Dixon from raw echoes: the computed water is the reference, on the echoes' grid.
  if (echo_set && !take_raw_dixon(out, series, *echo_set, t1 != nullptr, warn)) {
    echo_set = nullptr;
    reference = out.reference_series = t1;
  }
  if (echo_set) grid = out.water->geometry;
  auto reference_series = echo_set ? dicom::LoadedSeries{} : load(*reference);
  if (!echo_set) grid = reference_series.volume.geometry;
  if (out.dixon && !echo_set) {
    out.water = std::move(reference_series.volume);
    out.fat = onto_grid(load(*fat).volume, grid, "fat", *fat, out.coverage);
  }
  if (t1)
    out.t1 = (t1 == reference) ? std::move(reference_series.volume)
                               : onto_grid(load(*t1).volume, grid, "t1", *t1, out.coverage);
  if (stir) {
    auto loaded = load(*stir);
    out.stir_acquired_geometry = loaded.volume.geometry;
    out.stir = onto_grid(loaded.volume, grid, "stir", *stir, out.coverage);
  }
  if (ff_map) {
    // Vendors store fat fraction as a fraction, in percent or in tenths of a percent (Siemens, GE): the scale is
    // read from the map itself (subcutaneous fat is ~90 %), and said.
    auto map = onto_grid(load(*ff_map).volume, grid, "scanner_fat_fraction", *ff_map, out.coverage);
    std::vector<float> positive;
    for (std::size_t i = 0; i < map.voxels.size(); i += 11)
      if (map.voxels[i] > 0) positive.push_back(map.voxels[i]);
    if (positive.size() > 1000) {
      const double high = core::percentile(positive, 0.99);
      const double scale = high > 150 ? 0.1 : high > 1.5 ? 1.0 : 100.0;
      for (auto& v : map.voxels) v = static_cast<float>(v * scale);
      warn(fmt::format("{}: scanner fat-fraction map read as {}", ff_map->description,
                       scale == 0.1 ? "tenths of a percent" : scale == 1.0 ? "percent" : "a fraction"));
      out.scanner_fat_fraction_pct = std::move(map);
      out.fat_fraction_map_series = ff_map;
    } else {
      warn(ff_map->description + ": scanner fat-fraction map is empty; not used");
      out.coverage.pop_back();  // recorded by onto_grid just above: the map is not used
    }
  }
  if (t2_map) {
    out.t2_map_ms = onto_grid(load(*t2_map).volume, grid, "t2_map", *t2_map, out.coverage);
    out.t2_map_series = t2_map;
  }
  // Multi-echo spin echo for water T2: the train with the most slices (axial first); loaded by the fit.
  const auto trains = dicom::find_echo_trains(series);
  const std::vector<std::size_t>* train = nullptr;
  for (const auto& t : trains) {
    if (t.size() < 2) continue;
    if (!train || dicom::preferred_series(series[t.front()], series[train->front()])) train = &t;
  }
  if (train)
    for (const auto i : *train) out.echo_train_series.push_back(&series[i]);
  out.load_seconds = seconds_since(load_start);
  return out;
}

}  // namespace myo::pipeline
