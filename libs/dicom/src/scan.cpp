// Scanning: find files, read headers in parallel, group patient -> study -> series, split series that hold several
// volumes, and decide roles.
#include "myo/dicom/scan.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <system_error>
#include <tuple>
#include <cstdint>
#include <variant>

#include <fmt/format.h>

#include "dicom_io.hpp"
#include "header.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/parallel.hpp"
#include "scan_internal.hpp"
#include "stack.hpp"
#include "text_util.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;
using detail::FileHeader;
using detail::FrameHeader;

namespace {

struct NotDicom {};
struct NonImage {};
using FileOutcome = std::variant<NotDicom, NonImage, FileHeader, FileProblem>;

// An empty file named as DICOM is an image lost on the way (a copy that failed), not a stray file to ignore.
bool empty_dicom_file(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::error_code ec;
  return (extension == ".dcm" || extension == ".dicom" || extension == ".ima") && fs::file_size(path, ec) == 0 && !ec;
}

FileOutcome examine_file(const fs::path& path) {
  const auto kind = detail::sniff_file(path);
  if (kind == detail::FileKind::not_dicom && empty_dicom_file(path)) return FileProblem{path, "empty file (0 bytes)"};
  if (kind == detail::FileKind::not_dicom) return NotDicom{};
  try {
    const auto file = detail::read_dicom(path, kind, /*header_only=*/true);
    OFString media_class;
    // A DICOMDIR inside a scanned folder: the files it lists are found by the folder walk itself.
    // (Files without meta header have no MediaStorageSOPClassUID: that is not an error.)
    if (file->getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, media_class).good() &&
        media_class == UID_MediaStorageDirectoryStorage) {
      return NonImage{};
    }
    DcmDataset& dataset = *file->getDataset();
    if (!dataset.tagExists(DCM_Rows)) {
      // Structured reports, presentation states, ... are DICOM but no images; a file that only had the magic
      // bytes and no readable attributes is broken.
      if (dataset.tagExists(DCM_SOPClassUID) || dataset.tagExists(DCM_SeriesInstanceUID)) return NonImage{};
      return FileProblem{path, "looks like DICOM but holds no readable attributes"};
    }
    auto header = detail::parse_header(dataset, path);
    const DcmXfer xfer(dataset.getOriginalXfer());
    header.transfer_syntax_uid = xfer.getXferID();
    if (kind == detail::FileKind::dicom && !xfer.isEncapsulated() && header.bits_allocated > 0) {
      // Header-only reading cannot see a cut-off pixel block; the file size can.
      const auto needed = static_cast<std::uintmax_t>(header.rows) * static_cast<std::uintmax_t>(header.columns) *
                          static_cast<std::uintmax_t>(header.samples_per_pixel) *
                          static_cast<std::uintmax_t>(header.number_of_frames) *
                          static_cast<std::uintmax_t>(header.bits_allocated) / 8U;
      std::error_code ec;
      const auto size = fs::file_size(path, ec);
      if (!ec && size < needed) {
        return FileProblem{path, fmt::format("truncated: pixel data needs {} bytes but the file has only {}", needed, size)};
      }
    }
    return header;
  } catch (const core::MyoError& e) {
    return FileProblem{path, e.error().message};
  } catch (const std::exception& e) {
    return FileProblem{path, std::string("unreadable: ") + e.what()};
  }
}

// Paths listed by a DICOMDIR (ReferencedFileID components are relative to the DICOMDIR's folder, upper case on
// media, while the copied files may be lower case).
std::vector<fs::path> dicomdir_references(const fs::path& dicomdir, std::vector<FileProblem>& problems) {
  std::vector<fs::path> out;
  try {
    const auto file = detail::read_dicom(dicomdir, detail::FileKind::dicom, false);
    DcmSequenceOfItems* records = nullptr;
    if (file->getDataset()->findAndGetSequence(DCM_DirectoryRecordSequence, records).bad() || records == nullptr) {
      problems.push_back({dicomdir, "DICOMDIR without DirectoryRecordSequence"});
      return out;
    }
    for (unsigned long i = 0; i < records->card(); ++i) {
      DcmItem* record = records->getItem(i);
      OFString id;
      if (record == nullptr || record->findAndGetOFStringArray(DCM_ReferencedFileID, id).bad() || id.empty()) continue;
      fs::path p = dicomdir.parent_path();
      for (const auto& part : detail::split_values(id.c_str())) p /= part;
      if (!fs::exists(p)) {
        fs::path lower = dicomdir.parent_path();
        for (const auto& part : detail::split_values(id.c_str())) lower /= detail::to_lower(part);
        if (fs::exists(lower)) p = lower;
      }
      if (!fs::exists(p)) {
        problems.push_back({p, "listed in DICOMDIR but missing"});
        continue;
      }
      out.push_back(p);
    }
  } catch (const core::MyoError& e) {
    problems.push_back({dicomdir, e.error().message});
  }
  return out;
}

bool is_dicomdir_name(const fs::path& p) { return detail::to_upper(p.filename().string()) == "DICOMDIR"; }

std::vector<fs::path> collect_files(const fs::path& root, const ScanOptions& options, std::vector<FileProblem>& problems) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_regular_file(root, ec)) {
    if (is_dicomdir_name(root)) return dicomdir_references(root, problems);
    files.push_back(root);
    return files;
  }
  if (!fs::is_directory(root, ec)) {
    problems.push_back({root, "no such file or folder"});
    return files;
  }
  const auto add = [&](const fs::directory_entry& entry) {
    std::error_code e2;
    if (entry.is_regular_file(e2)) files.push_back(entry.path());
  };
  if (options.recursive) {
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      add(*it);
    }
  } else {
    for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) add(*it);
  }
  if (ec) problems.push_back({root, "folder walk stopped: " + ec.message()});
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<FileOutcome> examine_all(const std::vector<fs::path>& files, unsigned threads) {
  std::vector<FileOutcome> outcomes(files.size());
  core::parallel_for(
      static_cast<int>(files.size()),
      [&](int i) { outcomes[static_cast<std::size_t>(i)] = examine_file(files[static_cast<std::size_t>(i)]); }, threads);
  return outcomes;
}

struct FrameRef {
  const FileHeader* file;
  const FrameHeader* frame;
};

std::string common_or_mixed(const std::vector<FrameRef>& frames, std::string (*get)(const FrameRef&)) {
  std::set<std::string> values;
  for (const auto& f : frames) values.insert(get(f));
  if (values.size() == 1) return *values.begin();
  return fmt::format("{}", fmt::join(values, " | "));
}

// Acquisition order of the frames, as load_series_volumes deals repeated positions to volumes.
std::vector<std::size_t> acquisition_rank(const std::vector<FrameRef>& frames) {
  std::vector<detail::AcquisitionKey> keys;
  keys.reserve(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& h = *frames[i].file;
    keys.push_back(detail::acquisition_key(h, static_cast<std::size_t>(frames[i].frame - h.frames.data()), i));
  }
  return detail::acquisition_rank(keys);
}

// What tells the volumes of a 4D series apart, from the first frame of each.
std::string what_varies(const std::vector<FrameRef>& frames, const std::vector<std::vector<std::size_t>>& volumes) {
  std::set<std::pair<int, double>> echoes;
  std::set<int> temporal;
  for (const auto& v : volumes) {
    const auto& f = *frames[v.front()].frame;
    echoes.insert({f.echo_number, f.echo_time_ms.value_or(0.0)});
    temporal.insert(f.temporal_index);
  }
  if (echoes.size() > 1 && temporal.size() > 1) return "echo and temporal position";
  if (echoes.size() > 1) return "echo";
  if (temporal.size() > 1) return "temporal position";
  return "repeat";
}

SeriesInfo make_series(const std::vector<FrameRef>& frames, const std::string& split_key) {
  const FileHeader& h = *frames.front().file;
  const FrameHeader& f0 = *frames.front().frame;
  SeriesInfo s;
  s.series_instance_uid = h.series_uid;
  s.split_key = split_key;
  s.series_number = h.series_number;
  s.description = h.series_description;
  s.protocol_name = h.protocol_name;
  s.modality = h.modality;
  s.manufacturer = h.manufacturer;
  s.vendor = vendor_from_manufacturer(h.manufacturer);
  s.image_type = common_or_mixed(frames, [](const FrameRef& r) { return r.frame->image_type; });
  s.complex_component = common_or_mixed(frames, [](const FrameRef& r) { return r.frame->complex_component; });
  s.sequence_name = h.sequence_name;
  s.scanning_sequence = h.scanning_sequence;
  s.sequence_variant = h.sequence_variant;
  s.echo_time_ms = f0.echo_time_ms;
  s.repetition_time_ms = f0.repetition_time_ms;
  s.inversion_time_ms = f0.inversion_time_ms;
  s.multi_frame = h.multi_frame;
  s.magnetic_field_strength_t = h.field_strength_t;
  s.slice_count = frames.size();
  s.rows_columns = {h.frame_rows, h.frame_columns};
  if (f0.pixel_spacing) s.pixel_spacing_mm = *f0.pixel_spacing;
  s.slice_thickness_mm = f0.slice_thickness_mm;
  std::set<fs::path> files;
  for (const auto& f : frames) files.insert(f.file->path);
  s.files.assign(files.begin(), files.end());

  std::vector<detail::SliceGeometry> geometry;
  geometry.reserve(frames.size());
  for (const auto& f : frames) {
    geometry.push_back({f.frame->position, f.frame->orientation, f.frame->pixel_spacing, f.file->frame_rows, f.file->frame_columns});
  }
  s.orientation_count = detail::count_orientations(geometry);
  if (s.orientation_count == 1 && f0.orientation &&
      std::all_of(frames.begin(), frames.end(), [](const FrameRef& r) { return r.frame->position.has_value(); })) {
    const auto& o = *f0.orientation;
    const core::Vec3 normal = core::normalized(core::cross({o[0], o[1], o[2]}, {o[3], o[4], o[5]}));
    double lo = std::numeric_limits<double>::max();
    double hi = std::numeric_limits<double>::lowest();
    for (const auto& f : frames) {
      const double d = core::dot(*f.frame->position, normal);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    s.slice_normal = normal;
    s.extent_along_normal_mm = std::array<double, 2>{lo, hi};
  }
  if (s.orientation_count > 1) {
    s.orientation = "mixed";
  } else if (f0.orientation) {
    s.orientation = detail::orientation_label(*f0.orientation);
  } else {
    s.orientation = "unknown";
  }
  // Report geometry problems now (the scan table shows them), without reading pixels.
  if (s.orientation_count <= 1) {
    const auto split = detail::split_into_volumes(geometry, acquisition_rank(frames));
    const bool four_d = split.volumes.size() > 1 && split.error.empty();
    if (four_d) {
      s.volume_count = split.volumes.size();
      s.volumes_vary_by = what_varies(frames, split.volumes);
      s.slice_count = split.volumes.front().size();
      std::vector<detail::SliceGeometry> first_volume;
      for (const auto i : split.volumes.front()) first_volume.push_back(geometry[i]);
      geometry = std::move(first_volume);
    }
    const auto plan = detail::plan_stack(geometry);
    if (plan.errors.empty()) s.geometry = plan.geometry;
    if (!split.error.empty()) s.problems.push_back(split.error);
    for (const auto& e : plan.errors) s.problems.push_back(e);
    for (const auto& w : plan.warnings) s.problems.push_back("warning: " + w);
  } else {
    s.problems.push_back(fmt::format("mixed orientations ({} different ImageOrientationPatient values)", s.orientation_count));
  }

  RoleEvidence evidence;
  evidence.vendor = s.vendor;
  evidence.image_type = s.image_type;
  evidence.philips_image_type = h.philips_image_type;
  evidence.siemens_image_type_text = f0.siemens_image_type_text;
  evidence.complex_component = s.complex_component;
  evidence.description = s.description;
  evidence.protocol_name = s.protocol_name;
  evidence.sequence_name = s.sequence_name;
  evidence.scanning_sequence = s.scanning_sequence;
  evidence.sequence_variant = s.sequence_variant;
  evidence.scan_options = h.scan_options;
  evidence.echo_time_ms = s.echo_time_ms;
  evidence.repetition_time_ms = s.repetition_time_ms;
  evidence.inversion_time_ms = s.inversion_time_ms;
  evidence.slice_count = s.slice_count;
  evidence.orientation_count = std::max<std::size_t>(1, s.orientation_count);
  const auto decision = detect_role(evidence);
  s.role = decision.role;
  s.role_reason = decision.reason;
  return s;
}

// Philips mDIXON exports may carry the in-phase and opposed-phase echoes with nothing but their echo times to tell
// them apart (dcm2niix issue 1022: ImageType T1\MIXED for both). When a Dixon-type series splits into magnitude
// echoes that no tag identified, the echo time decides: fat and water precess apart by ~3.4 ppm, i.e. one full cycle
// every 1/(3.4e-6 * 42.577 MHz/T * B0) ms (2.3 ms at 3 T, 4.6 ms at 1.5 T); whole cycles are in phase, half cycles
// opposed. Ambiguous echo times (neither within 0.15 cycle) keep role `other`.
void assign_echo_phase_roles(std::vector<SeriesInfo>& out, std::size_t first, const std::optional<double>& field_t) {
  if (!field_t || *field_t < 0.2) return;
  const std::string d = detail::to_upper(out[first].description + " " + out[first].protocol_name);
  const bool dixon_context = detail::contains_word(d, "DIXON") || detail::contains_word(d, "MDIXON") ||
                             detail::contains_word(d, "IDEAL") || d.find("FLEX") != std::string::npos;
  if (!dixon_context) return;
  const double cycle_ms = 1000.0 / (3.4e-6 * 42.577e6 * *field_t);
  for (std::size_t i = first; i < out.size(); ++i) {
    auto& s = out[i];
    const bool undecided = s.role == SeriesRole::other && s.role_reason == "no role-defining tags";
    const auto complex = detail::to_upper(s.complex_component);
    if (!undecided || !s.echo_time_ms || (!complex.empty() && complex != "MAGNITUDE")) continue;
    const double cycles = *s.echo_time_ms / cycle_ms;
    const double fraction = cycles - std::floor(cycles);
    if (std::abs(fraction - 0.5) < 0.15) {
      s.role = SeriesRole::dixon_opposed_phase;
    } else if (fraction < 0.15 || fraction > 0.85) {
      s.role = SeriesRole::dixon_in_phase;
    } else {
      continue;
    }
    s.role_reason = fmt::format("Dixon-type series, untyped magnitude echo at TE {:g} ms = {:.2f} fat-water cycles at {:g} T",
                                *s.echo_time_ms, cycles, *field_t);
  }
}


// Multi-echo spin echo (T2 mapping: Siemens se_mc, Philips multi-echo SE "MSE", GE T2Map): several echo times at the
// same slice positions. Echo candidates are magnitude spin-echo images (ScanningSequence SE, no IR) with an echo
// time whose role is no Dixon, fat-fraction, STIR or localizer role; three or more distinct echo times make a train
// (a PD/T2 dual echo keeps its single-echo roles). See vendor_conventions.md.
bool echo_candidate(const SeriesInfo& s) {
  if (!s.echo_time_ms || s.slice_count == 0) return false;
  const auto complex = detail::to_upper(s.complex_component);
  if (!complex.empty() && complex != "MAGNITUDE") return false;
  if (s.role_reason.rfind("phase image", 0) == 0) return false;
  switch (s.role) {
    case SeriesRole::t1:
    case SeriesRole::t2:
    case SeriesRole::t2_map:
    case SeriesRole::t2_multi_echo:
    case SeriesRole::other: break;
    default: return false;
  }
  const auto scanning = detail::split_values(detail::to_upper(s.scanning_sequence));
  const auto has = [&](const char* t) { return std::find(scanning.begin(), scanning.end(), t) != scanning.end(); };
  return has("SE") && !has("IR");
}

std::string echo_range_text(const std::vector<double>& tes) {
  return fmt::format("{} echo times, TE {:g} to {:g} ms", tes.size(), tes.front(), tes.back());
}

void mark_echo_train(std::vector<SeriesInfo>& out, const std::vector<std::size_t>& members, const std::string& train,
                     const std::string& how) {
  std::vector<double> tes;
  for (const auto i : members) tes.push_back(*out[i].echo_time_ms);
  std::sort(tes.begin(), tes.end());
  for (const auto i : members) {
    out[i].role = SeriesRole::t2_multi_echo;
    out[i].role_reason = fmt::format("multi-echo spin echo (ScanningSequence {}): {} {}", out[i].scanning_sequence,
                                     echo_range_text(tes), how);
    out[i].echo_train = train;
  }
}

// One SeriesInstanceUID split by echo time (Siemens se_mc, Philips MSE): the parts of one image type are the echoes.
void assign_echo_train_in_series(std::vector<SeriesInfo>& out, std::size_t first) {
  std::map<std::string, std::vector<std::size_t>> by_type;  // split key without its TE
  for (std::size_t i = first; i < out.size(); ++i) {
    if (!echo_candidate(out[i])) continue;
    std::string type = out[i].split_key;
    if (const auto te = type.find("|TE="); te != std::string::npos) type.erase(te);
    by_type[type].push_back(i);
  }
  for (const auto& [type, members] : by_type) {
    std::set<double> tes;
    for (const auto i : members) tes.insert(*out[i].echo_time_ms);
    if (tes.size() < 3 || tes.size() != members.size()) continue;
    const auto& s = out[members.front()];
    mark_echo_train(out, members, fmt::format("{}|{}|{}", s.series_instance_uid, s.series_number, type),
                    "in one series");
  }
}

// Same scanner, in-plane grid and slice orientation: slices of one series could sit beside the other's.
bool same_slice_grid(const SeriesInfo& a, const SeriesInfo& b) {
  return a.vendor == b.vendor && a.rows_columns == b.rows_columns &&
         std::abs(a.pixel_spacing_mm[0] - b.pixel_spacing_mm[0]) < 1e-3 &&
         std::abs(a.pixel_spacing_mm[1] - b.pixel_spacing_mm[1]) < 1e-3 && a.slice_normal && b.slice_normal &&
         core::dot(*a.slice_normal, *b.slice_normal) > 1.0 - 1e-6;
}

// One series per echo (some exports): single-echo spin-echo series with the same description, sequence name, TR,
// in-plane grid and slice normal, overlapping along it, with three or more distinct, evenly spaced echo times (a
// clinical PD, T2 and T2 fat-sat on one grid are different series with uneven TEs, not a train).
void assign_echo_trains_across_series(std::vector<SeriesInfo>& out) {
  std::vector<bool> used(out.size(), false);
  const auto same_train = [](const SeriesInfo& a, const SeriesInfo& b) {
    if (!a.repetition_time_ms || !b.repetition_time_ms) return false;
    if (std::abs(*a.repetition_time_ms - *b.repetition_time_ms) > 1e-3 * std::max(1.0, *a.repetition_time_ms))
      return false;
    const auto& ea = *a.extent_along_normal_mm;
    const auto& eb = *b.extent_along_normal_mm;
    return a.description == b.description && a.sequence_name == b.sequence_name && same_slice_grid(a, b) &&
           ea[0] <= eb[1] + 1e-3 && eb[0] <= ea[1] + 1e-3;
  };
  const auto single = [&](std::size_t i) {
    return out[i].split_key.empty() && out[i].role != SeriesRole::t2_multi_echo && echo_candidate(out[i]) &&
           out[i].slice_normal && out[i].extent_along_normal_mm;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (used[i] || !single(i)) continue;
    std::vector<std::size_t> members{i};
    for (std::size_t j = i + 1; j < out.size(); ++j)
      if (!used[j] && single(j) && same_train(out[i], out[j])) members.push_back(j);
    std::set<double> tes;
    for (const auto k : members) tes.insert(*out[k].echo_time_ms);
    if (tes.size() < 3 || tes.size() != members.size()) continue;
    double min_gap = 1e300, max_gap = 0;
    for (auto it = std::next(tes.begin()); it != tes.end(); ++it) {
      min_gap = std::min(min_gap, *it - *std::prev(it));
      max_gap = std::max(max_gap, *it - *std::prev(it));
    }
    if (max_gap > 1.5 * min_gap) continue;
    std::vector<std::string> numbers;
    for (const auto k : members) {
      used[k] = true;
      numbers.push_back(std::to_string(out[k].series_number));
    }
    mark_echo_train(out, members, "series " + fmt::format("{}", fmt::join(numbers, "+")),
                    fmt::format("in {} series (one per echo) sharing TR and geometry", members.size()));
  }
}

// Raw Dixon echoes (role dixon_echo): magnitude and phase of a multi-echo gradient echo at two or more echo times,
// from one series (Philips, all echoes), one series per echo (GE: magnitude and phase inside) or one series per
// echo and image type (Siemens exports of separate acquisitions). Parts belong together when they lie on one slice
// grid with the same slice count, extent and TR; each echo time needs exactly one magnitude and one phase part.
// The echo times must tell fat from water at the field strength (MagneticFieldStrength): spacing within a period of
// fat's main peak (3.4 ppm) and not every echo in phase. See vendor_conventions.md.
bool dixon_echo_candidate(const SeriesInfo& s) {
  if (!s.echo_time_ms || s.slice_count < 2 || !s.slice_normal || !s.extent_along_normal_mm) return false;
  if (!s.magnetic_field_strength_t || *s.magnetic_field_strength_t < 0.2) return false;
  const auto complex = detail::to_upper(s.complex_component);
  if (!complex.empty() && complex != "MAGNITUDE" && complex != "PHASE") return false;
  switch (s.role) {
    case SeriesRole::other:
    case SeriesRole::t1:
    case SeriesRole::t2:
    case SeriesRole::dixon_in_phase:
    case SeriesRole::dixon_opposed_phase: break;
    default: return false;
  }
  const auto scanning = detail::split_values(detail::to_upper(s.scanning_sequence));
  const auto has = [&](const char* t) { return std::find(scanning.begin(), scanning.end(), t) != scanning.end(); };
  return !has("SE") && !has("IR");
}

bool same_dixon_acquisition(const SeriesInfo& a, const SeriesInfo& b) {
  const auto close = [](const std::optional<double>& x, const std::optional<double>& y, double tolerance) {
    return x.has_value() == y.has_value() && (!x || std::abs(*x - *y) <= tolerance * std::max(1.0, std::abs(*x)));
  };
  const auto& ea = *a.extent_along_normal_mm;
  const auto& eb = *b.extent_along_normal_mm;
  return same_slice_grid(a, b) && a.slice_count == b.slice_count && a.multi_frame == b.multi_frame &&
         close(a.repetition_time_ms, b.repetition_time_ms, 1e-3) &&
         close(a.magnetic_field_strength_t, b.magnetic_field_strength_t, 1e-3) && std::abs(ea[0] - eb[0]) < 0.5 &&
         std::abs(ea[1] - eb[1]) < 0.5;
}

// Why these echo times cannot give water and fat (empty when they can), with fat's main peak alone.
std::string dixon_echo_times_problem(const std::vector<double>& tes, double field_t) {
  const double cycle_ms = 1000.0 / (3.4e-6 * 42.577478e6 * field_t);
  double spacing = 1e9;
  for (std::size_t n = 1; n < tes.size(); ++n) spacing = std::min(spacing, tes[n] - tes[n - 1]);
  if (spacing > 1.05 * cycle_ms)
    return fmt::format("echoes {:.2f} ms apart, more than fat's period of {:.2f} ms", spacing, cycle_ms);
  const bool all_in_phase = std::all_of(tes.begin(), tes.end(), [&](double te) {
    const double cycles = te / cycle_ms;
    return std::abs(cycles - std::round(cycles)) < 0.15;
  });
  return all_in_phase ? "every echo has fat and water in phase" : "";
}

void assign_dixon_echo_sets(std::vector<SeriesInfo>& out) {
  std::vector<bool> used(out.size(), false);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (used[i] || !dixon_echo_candidate(out[i])) continue;
    std::vector<std::size_t> members{i};
    for (std::size_t j = i + 1; j < out.size(); ++j)
      if (!used[j] && dixon_echo_candidate(out[j]) && same_dixon_acquisition(out[i], out[j])) members.push_back(j);
    std::map<double, std::pair<std::vector<std::size_t>, std::vector<std::size_t>>> by_te;  // magnitude, phase
    for (const auto k : members) {
      auto& [magnitude, phase] = by_te[std::round(*out[k].echo_time_ms * 1000.0) / 1000.0];
      (is_phase_part(out[k]) ? phase : magnitude).push_back(k);
    }
    std::vector<double> tes;
    std::vector<std::size_t> parts;
    for (const auto& [te, pair] : by_te)
      if (pair.first.size() == 1 && pair.second.size() == 1) {
        tes.push_back(te);
        parts.push_back(pair.first.front());
        parts.push_back(pair.second.front());
      }
    if (tes.size() < 2 || !dixon_echo_times_problem(tes, *out[i].magnetic_field_strength_t).empty()) continue;
    std::set<int> numbers;
    for (const auto k : parts) numbers.insert(out[k].series_number);
    const std::string train = fmt::format("gre|{}|{}", out[parts.front()].series_instance_uid, fmt::join(numbers, "+"));
    for (const auto k : parts) {
      used[k] = true;
      // Siemens marks phase only in ImageType (P): the part keeps what it is once its role reason is replaced.
      if (is_phase_part(out[k])) out[k].complex_component = "PHASE";
      out[k].role = SeriesRole::dixon_echo;
      out[k].role_reason =
          fmt::format("multi-echo gradient echo ({} of {} echoes, TE {:g} to {:g} ms at {:g} T, magnitude and phase): "
                      "Dixon from raw echoes",
                      out[k].complex_component == "PHASE" ? "phase" : "magnitude", tes.size(), tes.front(), tes.back(),
                      *out[k].magnetic_field_strength_t);
      out[k].echo_train = train;
    }
  }
}

}  // namespace

bool is_phase_part(const SeriesInfo& s) {
  return detail::to_upper(s.complex_component) == "PHASE" || s.role_reason.rfind("phase image", 0) == 0;
}

namespace detail {

std::vector<SeriesInfo> build_series(const std::vector<const FileHeader*>& headers) {
  // Group frames by SeriesInstanceUID, then by frame signature (image type / complex component / echo time).
  // SeriesNumber joins the UID in the key: anonymisers and test exports reuse one UID for different series, and
  // mixing them would stack unrelated images.
  std::map<std::pair<std::string, int>, std::map<std::string, std::vector<FrameRef>>> by_series;
  for (const FileHeader* h : headers) {
    for (const auto& frame : h->frames) {
      by_series[{h->series_uid, h->series_number}][frame_signature(frame)].push_back({h, &frame});
    }
  }
  std::vector<SeriesInfo> out;
  for (auto& [key, parts] : by_series) {
    const bool split = parts.size() > 1;
    const auto first = out.size();
    for (auto& [signature, frames] : parts) out.push_back(make_series(frames, split ? signature : std::string{}));
    if (split) {
      const auto& h = *parts.begin()->second.front().file;
      assign_echo_phase_roles(out, first, h.field_strength_t);
      assign_echo_train_in_series(out, first);
    }
  }
  assign_echo_trains_across_series(out);
  assign_dixon_echo_sets(out);
  std::stable_sort(out.begin(), out.end(), [](const SeriesInfo& a, const SeriesInfo& b) {
    if (a.series_number != b.series_number) return a.series_number < b.series_number;
    if (a.series_instance_uid != b.series_instance_uid) return a.series_instance_uid < b.series_instance_uid;
    return a.echo_time_ms.value_or(0) < b.echo_time_ms.value_or(0);
  });
  return out;
}

}  // namespace detail

std::vector<std::vector<std::size_t>> find_stations(const std::vector<SeriesInfo>& series) {
  const auto same_contrast = [](const SeriesInfo& a, const SeriesInfo& b) {
    const auto close = [](const std::optional<double>& x, const std::optional<double>& y) {
      return x.has_value() == y.has_value() && (!x || std::abs(*x - *y) < 1e-3);
    };
    return a.role == b.role && a.image_type == b.image_type && close(a.echo_time_ms, b.echo_time_ms) &&
           close(a.repetition_time_ms, b.repetition_time_ms) && same_slice_grid(a, b);
  };
  std::vector<std::vector<std::size_t>> groups;
  std::vector<bool> used(series.size(), false);
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (used[i] || !series[i].extent_along_normal_mm || series[i].slice_count < 2 ||
        series[i].role == SeriesRole::localizer) {
      continue;
    }
    std::vector<std::size_t> group{i};
    for (std::size_t j = i + 1; j < series.size(); ++j) {
      if (!used[j] && series[j].extent_along_normal_mm && series[j].slice_count >= 2 && same_contrast(series[i], series[j])) {
        group.push_back(j);
      }
    }
    std::sort(group.begin(), group.end(), [&](std::size_t a, std::size_t b) {
      return (*series[a].extent_along_normal_mm)[0] < (*series[b].extent_along_normal_mm)[0];
    });
    // Chain neighbours that touch or overlap; identical extents are repeats of one station, not stations.
    std::vector<std::size_t> chain{group.front()};
    for (std::size_t n = 1; n < group.size(); ++n) {
      const auto& prev = series[chain.back()];
      const auto& cur = series[group[n]];
      const auto& pe = *prev.extent_along_normal_mm;
      const auto& ce = *cur.extent_along_normal_mm;
      const double spacing = (pe[1] - pe[0]) / static_cast<double>(prev.slice_count - 1);
      const bool repeat = std::abs(pe[0] - ce[0]) < 0.5 * spacing && std::abs(pe[1] - ce[1]) < 0.5 * spacing;
      const bool touching = ce[0] <= pe[1] + 1.5 * spacing;
      if (!repeat && touching) chain.push_back(group[n]);
    }
    if (chain.size() >= 2) {
      for (const auto k : chain) used[k] = true;
      groups.push_back(chain);
    }
  }
  return groups;
}

std::vector<std::vector<std::size_t>> find_echo_trains(const std::vector<SeriesInfo>& series) {
  std::map<std::string, std::vector<std::size_t>> trains;
  for (std::size_t i = 0; i < series.size(); ++i)
    if (series[i].role == SeriesRole::t2_multi_echo && !series[i].echo_train.empty())
      trains[series[i].echo_train].push_back(i);
  std::vector<std::vector<std::size_t>> out;
  for (auto& [key, members] : trains) {
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return series[a].echo_time_ms.value_or(0) < series[b].echo_time_ms.value_or(0);
    });
    out.push_back(members);
  }
  return out;
}

std::vector<std::vector<std::size_t>> find_dixon_echo_sets(const std::vector<SeriesInfo>& series) {
  std::map<std::string, std::vector<std::size_t>> sets;
  for (std::size_t i = 0; i < series.size(); ++i)
    if (series[i].role == SeriesRole::dixon_echo && !series[i].echo_train.empty()) sets[series[i].echo_train].push_back(i);
  std::vector<std::vector<std::size_t>> out;
  for (auto& [key, members] : sets) {
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      const double ta = series[a].echo_time_ms.value_or(0), tb = series[b].echo_time_ms.value_or(0);
      return ta != tb ? ta < tb : !is_phase_part(series[a]) && is_phase_part(series[b]);
    });
    out.push_back(members);
  }
  return out;
}

ScanResult scan(const fs::path& path, const ScanOptions& options) {
  detail::register_codecs();
  ScanResult result;
  const auto files = collect_files(path, options, result.problems);
  result.files_examined = files.size();
  auto outcomes = examine_all(files, options.threads);

  // Patient -> study: a study UID reused for two patients (a PACS error) must not merge their images.
  struct StudyKey {
    std::string patient;
    std::string study;
    bool operator<(const StudyKey& o) const { return std::tie(patient, study) < std::tie(o.patient, o.study); }
  };
  std::map<StudyKey, std::vector<const FileHeader*>> studies;
  // The same instance twice (a DICOMDIR export plus a loose copy, a re-sent series) would look like duplicated
  // slices: keep the first copy of each SOPInstanceUID.
  std::set<std::string> seen_instances;
  std::map<std::string, fs::path> instance_paths;  // UID|series number -> first file, to name reused UIDs
  std::size_t duplicate_copies = 0;
  for (auto& outcome : outcomes) {
    if (std::holds_alternative<NotDicom>(outcome)) continue;
    if (std::holds_alternative<NonImage>(outcome)) {
      ++result.dicom_files;
      continue;
    }
    if (auto* problem = std::get_if<FileProblem>(&outcome)) {
      log::warn("{}: {}", problem->path.string(), problem->reason);
      result.problems.push_back(*problem);
      continue;
    }
    const auto& header = std::get<FileHeader>(outcome);
    ++result.dicom_files;
    // Same instance, same series number, same file size and same position: a copy. (Test and anonymised sets
    // reuse one SOPInstanceUID for different series, e.g. dcm_qa_12bit, and broken exports for different slices of
    // one series, whose files have the same size: the UID alone is not enough, and dropping such a slice as a
    // "copy" made the series look like it had a missing slice.)
    std::error_code size_error;
    const auto size = fs::file_size(header.path, size_error);
    const auto& first_position = header.frames.empty() ? std::optional<core::Vec3>() : header.frames.front().position;
    const std::string position =
        first_position ? fmt::format("{:.3f},{:.3f},{:.3f}", (*first_position)[0], (*first_position)[1], (*first_position)[2]) : "";
    const auto instance_key =
        fmt::format("{}|{}|{}|{}", header.sop_instance_uid, header.series_number, size_error ? 0 : size, position);
    if (!header.sop_instance_uid.empty() && !seen_instances.insert(instance_key).second) {
      ++duplicate_copies;
      log::debug("{}: another copy of an instance already read; ignored", header.path.string());
      continue;
    }
    if (!header.sop_instance_uid.empty()) {
      const auto [it, first] = instance_paths.emplace(header.sop_instance_uid + "|" + std::to_string(header.series_number), header.path);
      if (!first) {
        log::warn("{}: reuses the SOPInstanceUID of {} for a different image; both are kept", header.path.string(),
                  it->second.string());
      }
    }
    // Patient identity as `analyze --baseline` and `compare` check it (ID, issuer, birth date), and the name.
    const auto patient = header.patient_id + '\x1f' + header.issuer_of_patient_id + '\x1f' +
                         header.patient_birth_date + '\x1f' + header.patient_name;
    studies[{patient, header.study_uid}].push_back(&header);
  }
  for (const auto& [key, headers] : studies) {
    const FileHeader& h = *headers.front();
    StudyInfo study;
    study.study_instance_uid = h.study_uid;
    study.study_date = h.study_date;
    study.study_description = h.study_description;
    study.accession_number = h.accession_number;
    study.patient_id = h.patient_id;
    study.patient_name = h.patient_name;
    study.patient_birth_date = h.patient_birth_date;
    study.issuer_of_patient_id = h.issuer_of_patient_id;
    study.patient_sex = h.patient_sex;
    study.institution_name = h.institution;
    study.series = detail::build_series(headers);
    if (options.check_channel_coverage) detail::add_coverage_problems(study);
    result.studies.push_back(std::move(study));
  }
  std::stable_sort(result.studies.begin(), result.studies.end(), [](const StudyInfo& a, const StudyInfo& b) {
    return std::tie(a.patient_id, a.study_date, a.study_instance_uid) < std::tie(b.patient_id, b.study_date, b.study_instance_uid);
  });
  if (duplicate_copies > 0) log::info("scan: {} duplicate copies of instances ignored", duplicate_copies);
  std::size_t series_count = 0;
  for (const auto& s : result.studies) series_count += s.series.size();
  log::info("scan: {} files, {} DICOM, {} studies, {} series, {} unreadable file(s), {} series problem(s)",
            result.files_examined, result.dicom_files, result.studies.size(), series_count, result.problems.size(),
            series_problem_count(result));
  return result;
}

std::size_t series_problem_count(const ScanResult& result) {
  std::size_t count = 0;
  for (const auto& study : result.studies)
    for (const auto& s : study.series) count += s.problems.size();
  return count;
}

}  // namespace myo::dicom
