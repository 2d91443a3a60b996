#include "myo/dicom/convert.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "myo/core/exit_codes.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/version.hpp"
#include "series_json.hpp"
#include "text_util.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;

namespace {

std::string unique_stem(const std::string& stem, std::set<std::string>& used) {
  std::string candidate = stem;
  for (int n = 2; used.count(candidate) != 0; ++n) candidate = fmt::format("{}_{}", stem, n);
  used.insert(candidate);
  return candidate;
}

// The ".nii.gz" or ".nii" beside the ".json" of one output stem.
ConvertedSeries output_paths(const std::string& stem, const ConvertOptions& options) {
  ConvertedSeries out;
  out.nifti_path = stem + (options.gzip ? ".nii.gz" : ".nii");
  out.json_path = stem + ".json";
  return out;
}

// dcm2niix records a 4D file's time step as the repetition time (pixdim[4], seconds). Values are stored as the
// scanner stored them (int16/uint16 with scl_slope/scl_inter) when every slice shares one rescale, else as float32.
void write_volumes(const LoadedVolumes& loaded, const fs::path& path, const ConvertOptions& options) {
  const double time_step_s = loaded.info.repetition_time_ms.value_or(0.0) / 1000.0;
  if (options.native_integers && loaded.shared_rescale) {
    core::write_image_series_as_integers(loaded.volumes, path, time_step_s, *loaded.shared_rescale, options.nifti);
    return;
  }
  core::write_image_series(loaded.volumes, path, time_step_s, options.nifti);
}

// Writes the NIfTI and sidecar of one output stem and records it, or the failure (an output error, exit code 5).
void write_converted(const LoadedVolumes& loaded, const StudyInfo& study, const std::string& stem,
                     const ConvertOptions& options, ConvertResult& result) {
  auto out = output_paths(stem, options);
  out.info = loaded.info;
  out.warnings = loaded.warnings;
  out.volumes = loaded.volumes.size();
  try {
    fs::create_directories(out.nifti_path.parent_path());
    write_volumes(loaded, out.nifti_path, options);
    core::write_file_atomically(out.json_path, sidecar_json(loaded, study));
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    result.output_error = true;
    result.failures.push_back({out.nifti_path.string(), e.what()});
    return;
  }
  log::info("wrote {}", out.nifti_path.string());
  result.converted.push_back(std::move(out));
}

// BIDS' PhaseEncodingAxis from (0018,1312), and PhaseEncodingDirection with its sign where the vendor records the
// polarity (Siemens, GE); never guessed. Our grid keeps DICOM's row and column order, so the sign is the polarity's
// (dcm2niix flips the rows: its "j-" is our "j").
void add_phase_encoding(nlohmann::json& j, const LoadedVolumes& loaded) {
  const auto& pe = loaded.in_plane_phase_encoding;
  const std::string axis = pe == "ROW" ? "i" : (pe == "COL" || pe == "COLUMN") ? "j" : "";
  if (axis.empty()) return;
  j["PhaseEncodingAxis"] = axis;
  if (loaded.phase_encoding_positive) j["PhaseEncodingDirection"] = axis + (*loaded.phase_encoding_positive ? "" : "-");
}

// BIDS keys in BIDS units (seconds, degrees, tesla), as dcm2niix writes them; absent values are left out.
void add_bids_keys(nlohmann::json& j, const LoadedVolumes& loaded) {
  const auto& s = loaded.info;
  const auto seconds = [](const std::optional<double>& ms) { return *ms / 1000.0; };
  if (s.echo_time_ms) j["EchoTime"] = seconds(s.echo_time_ms);
  if (s.repetition_time_ms) j["RepetitionTime"] = seconds(s.repetition_time_ms);
  if (s.inversion_time_ms) j["InversionTime"] = seconds(s.inversion_time_ms);
  if (loaded.flip_angle_deg) j["FlipAngle"] = *loaded.flip_angle_deg;
  if (s.magnetic_field_strength_t) j["MagneticFieldStrength"] = *s.magnetic_field_strength_t;
  add_phase_encoding(j, loaded);
  if (loaded.volumes.size() > 1) {
    nlohmann::json echoes = nlohmann::json::array();
    for (const auto& te : loaded.echo_times_ms) echoes.push_back(te ? nlohmann::json(*te / 1000.0) : nlohmann::json(nullptr));
    j["EchoTimes"] = echoes;
    j["TemporalPositions"] = loaded.temporal_positions;
    j["Volumes"] = loaded.volumes.size();
  }
}

// One station's volume `v` as a 3D series, for stitch_series.
LoadedSeries station_volume(const LoadedVolumes& station, std::size_t v) {
  return LoadedSeries{station.info, station.volumes[v], station.warnings};
}

// Stitches the stations volume by volume: 4D stations (time points, repeats) must hold the same number of volumes,
// else the group is refused naming the series, never cut to the shortest.
core::Result<LoadedVolumes> stitch_stations(const std::vector<LoadedVolumes>& stations) {
  const auto& first = stations.front();
  for (const auto& s : stations) {
    if (s.volumes.size() != first.volumes.size()) {
      return core::Error{"series " + s.info.series_instance_uid,
                         fmt::format("station {} holds {} volume(s) where station {} holds {}: 4D stations are stitched "
                                     "volume by volume and need the same number; not stitched",
                                     series_label(s.info), s.volumes.size(), series_label(first.info), first.volumes.size())};
    }
  }
  LoadedVolumes out = first;
  out.volumes.clear();
  for (std::size_t v = 0; v < first.volumes.size(); ++v) {
    std::vector<LoadedSeries> parts;
    for (const auto& s : stations) parts.push_back(station_volume(s, v));
    auto stitched = stitch_series(parts);
    if (!stitched) return stitched.error();
    if (v == 0) {
      out.info = stitched.value().info;
      out.warnings = stitched.value().warnings;
    }
    out.volumes.push_back(std::move(stitched.value().volume));
  }
  for (const auto& s : stations) {
    const auto same = [](const auto& a, const auto& b) { return a && b && a->slope == b->slope && a->intercept == b->intercept; };
    if (!same(s.shared_rescale, first.shared_rescale)) out.shared_rescale.reset();
  }
  return out;
}

// Loaded stations of one study by series index, kept from the per-series conversion so that stitching reads each
// station once.
using LoadedStations = std::map<std::size_t, LoadedVolumes>;

// Writes one stitched file per group of table positions (4D when the stations are); failures are reported like any
// other series. A group with a station that failed to load is left out (that failure is already reported).
void stitch_study(const StudyInfo& study, const std::vector<std::vector<std::size_t>>& groups, LoadedStations& loaded,
                  const fs::path& folder, const ConvertOptions& options, std::set<std::string>& used,
                  ConvertResult& result) {
  for (const auto& group : groups) {
    std::vector<LoadedVolumes> stations;
    for (const auto index : group) {
      const auto it = loaded.find(index);
      if (it == loaded.end()) break;
      stations.push_back(std::move(it->second));
      loaded.erase(it);
    }
    if (stations.size() != group.size()) continue;
    auto stitched = stitch_stations(stations);
    if (!stitched) {
      log::error("{}", stitched.error().what());
      result.failures.push_back(stitched.error());
      continue;
    }
    const auto stem = unique_stem((folder / (series_file_stem(study.series[group.front()]) + "_stitched")).string(), used);
    write_converted(stitched.value(), study, stem, options, result);
  }
}

// Loads and writes one series; the loaded volumes are returned when they are wanted for stitching, else dropped.
// The output name is taken only for a series that loads, as names of failed series are never used.
std::optional<LoadedVolumes> convert_series(const SeriesInfo& series, const StudyInfo& study, const fs::path& folder,
                                            const ConvertOptions& options, bool keep, std::set<std::string>& used,
                                            ConvertResult& result) {
  auto loaded = load_series_volumes(series, options.load);
  if (!loaded && series.role == SeriesRole::localizer) {
    // A 3-plane localizer is several small stacks in one series: nothing to analyse, nothing wrong.
    log::info("skipped localizer: {}", loaded.error().what());
    result.skipped.push_back(loaded.error());
    return std::nullopt;
  }
  if (!loaded) {
    log::error("{}", loaded.error().what());
    result.failures.push_back(loaded.error());
    return std::nullopt;
  }
  write_converted(loaded.value(), study, unique_stem((folder / series_file_stem(series)).string(), used), options, result);
  if (!keep) return std::nullopt;
  return std::move(loaded).value();
}

// Converts every series of one study into `folder`, then (when asked) stitches its table positions.
void convert_study(const StudyInfo& study, const fs::path& folder, const ConvertOptions& options,
                   std::set<std::string>& used, ConvertResult& result) {
  const auto groups = options.stitch_stations ? find_stations(study.series) : std::vector<std::vector<std::size_t>>{};
  std::set<std::size_t> stations;
  for (const auto& group : groups) stations.insert(group.begin(), group.end());
  LoadedStations loaded;
  for (std::size_t i = 0; i < study.series.size(); ++i) {
    const auto& series = study.series[i];
    if (options.skip_localizers && series.role == SeriesRole::localizer) continue;
    auto kept = convert_series(series, study, folder, options, stations.count(i) != 0, used, result);
    if (kept) loaded.emplace(i, std::move(*kept));
  }
  stitch_study(study, groups, loaded, folder, options, used, result);
}

}  // namespace

std::string series_file_stem(const SeriesInfo& s) {
  std::string stem = fmt::format("{}_{}", s.series_number, core::sanitize_path_component(s.description, "series"));
  if (!s.split_key.empty()) stem += "_" + core::sanitize_path_component(describe_series(s), "part");
  return core::sanitize_path_component(stem, "series");
}

std::string sidecar_json(const LoadedVolumes& loaded, const StudyInfo& study) {
  const auto& s = loaded.info;
  const auto& g = loaded.volumes.front().geometry;
  nlohmann::json j;
  detail::put_series_fields(j, s, detail::SeriesJsonKeys::sidecar);
  j["StudyInstanceUID"] = study.study_instance_uid;
  j["StudyDate"] = study.study_date;
  j["ProtocolName"] = s.protocol_name;
  j["SequenceVariant"] = s.sequence_variant;
  j["ImageType"] = detail::split_values(s.image_type);  // an array, as dcm2niix writes it
  j["Geometry"] = {{"size", g.size},
                   {"spacing_mm", g.spacing_mm},
                   {"origin_lps_mm", g.origin_mm},
                   {"direction_lps_row_major", g.direction}};
  j["Warnings"] = loaded.warnings;
  add_bids_keys(j, loaded);
  j["ConversionSoftware"] = core::software_name();
  j["ConversionSoftwareVersion"] = core::software_version();
  // Tag values need not be UTF-8 (ISO_IR 100 exports): invalid bytes become U+FFFD instead of an exception.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

ConvertResult convert(const fs::path& input, const ConvertOptions& options) {
  ConvertResult result;
  ScanOptions scan_options = options.scan;
  scan_options.check_channel_coverage = false;  // every series is written on its own grid
  result.scan = scan(input, scan_options);
  std::error_code ec;
  fs::create_directories(options.output_dir, ec);
  if (ec) {
    result.output_error = true;
    result.failures.push_back({options.output_dir.string(), "cannot create output folder: " + ec.message()});
    return result;
  }
  std::set<std::string> used;
  const bool several_studies = result.scan.studies.size() > 1;
  for (std::size_t st = 0; st < result.scan.studies.size(); ++st) {
    const auto& study = result.scan.studies[st];
    // Several studies go to numbered subfolders (study date only: no patient data in names).
    const fs::path folder = several_studies
                                ? options.output_dir / core::sanitize_path_component(fmt::format("study{}_{}", st + 1, study.study_date))
                                : options.output_dir;
    convert_study(study, folder, options, used, result);
  }
  return result;
}

int convert_exit_code(const ConvertResult& result) {
  if (result.output_error) return core::kExitOutputError;
  if (result.converted.empty()) return core::kExitInputError;
  if (!result.failures.empty() || !result.scan.problems.empty()) return core::kExitPartial;
  return core::kExitOk;
}

std::string format_convert_summary(const ConvertResult& result) {
  std::string out;
  for (const auto& c : result.converted) {
    const auto volumes = c.volumes > 1 ? fmt::format(" x {} volumes", c.volumes) : std::string();
    out += fmt::format("wrote {}  [{}; {} slices{}]\n", c.nifti_path.string(), to_string(c.info.role), c.info.slice_count, volumes);
    for (const auto& w : c.warnings) out += fmt::format("  warning: {}\n", w);
  }
  for (const auto& f : result.failures) out += fmt::format("FAILED {}\n", f.what());
  for (const auto& f : result.skipped) out += fmt::format("skipped localizer {}\n", f.what());
  for (const auto& p : result.scan.problems) out += fmt::format("unreadable {}: {}\n", p.path.string(), p.reason);
  out += fmt::format("{} volume(s) written, {} failed, {} unreadable file(s)\n", result.converted.size(),
                     result.failures.size(), result.scan.problems.size());
  return out;
}

}  // namespace myo::dicom
