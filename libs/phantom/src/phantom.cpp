// Study generator: builds the synthetic body, samples it into the series of a vendor's hip-and-thigh protocol,
// writes them as classic DICOM, and writes the known answers (labels + per-group statistics) beside them.
#include "myo/phantom/phantom.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "anatomy.hpp"
#include "myo/core/calendar.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/version.hpp"
#include "myo/dicom/write.hpp"
#include "render.hpp"

namespace myo::phantom {

const char* to_string(Scenario scenario) {
  switch (scenario) {
    case Scenario::healthy: return "healthy";
    case Scenario::imnm: return "imnm";
    case Scenario::ibm: return "ibm";
    case Scenario::dm: return "dm";
  }
  return "imnm";
}

std::optional<Scenario> scenario_from_string(std::string_view text) {
  for (const Scenario s : {Scenario::healthy, Scenario::imnm, Scenario::ibm, Scenario::dm})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

namespace {

using dicom::SeriesRole;
using dicom::Vendor;

// Local helpers: the library's to_string(Vendor/SeriesRole) live in the reader's series_role.cpp.
const char* vendor_name(Vendor v) {
  switch (v) {
    case Vendor::siemens: return "siemens";
    case Vendor::philips: return "philips";
    case Vendor::ge: return "ge";
    case Vendor::unknown: break;
  }
  return "unknown";
}

const char* role_name(SeriesRole r) {
  switch (r) {
    case SeriesRole::dixon_water: return "dixon_water";
    case SeriesRole::dixon_fat: return "dixon_fat";
    case SeriesRole::dixon_in_phase: return "dixon_in_phase";
    case SeriesRole::dixon_opposed_phase: return "dixon_opposed_phase";
    case SeriesRole::stir: return "stir";
    case SeriesRole::t1: return "t1";
    case SeriesRole::t2: return "t2";
    case SeriesRole::fat_fraction_map: return "fat_fraction_map";
    case SeriesRole::t2_map: return "t2_map";
    case SeriesRole::t2_multi_echo: return "t2_multi_echo";
    case SeriesRole::dixon_echo: return "dixon_echo";
    case SeriesRole::localizer: return "localizer";
    case SeriesRole::other: break;
  }
  return "other";
}

constexpr double kSwapRadiusMm = 70, kSwapLevelMm = -250;  // --swap-region: ball at mid-thigh (body frame z)
constexpr double kRawEchoSpacingMs = 1.15;  // raw Dixon echoes: fat and water opposed, then in phase, ... at 3 T

// A raw Dixon phase image (radians) in the vendor's stored units: Siemens 8192 per cycle (rescaled -4096..4094), GE
// milliradians, Philips radians.
core::ImageVolume phase_in_vendor_units(core::ImageVolume phase, Vendor vendor) {
  const double factor = vendor == Vendor::ge ? 1000.0 : vendor == Vendor::philips ? 1.0 : 4096.0 / 3.141592653589793;
  for (auto& v : phase.voxels) v = static_cast<float>(std::clamp(v * factor, -4096.0, 4094.0));
  return phase;
}

int even(double value) { return std::max(2, static_cast<int>(std::lround(value / 2.0)) * 2); }

// Axial stack: rows along +y (posterior), columns along +x (left), slices from inferior to superior.
core::Geometry axial(double fov_x, double fov_y, double pixel, double z_lo, double z_hi, double spacing_z,
                     double centre_x, double centre_y) {
  core::Geometry g;
  const int nx = even(fov_x / pixel), ny = even(fov_y / pixel);
  const int nz = std::max(1, static_cast<int>(std::floor((z_hi - z_lo) / spacing_z)) + 1);
  g.size = {static_cast<std::size_t>(nx), static_cast<std::size_t>(ny), static_cast<std::size_t>(nz)};
  g.spacing_mm = {pixel, pixel, spacing_z};
  g.direction = core::direction_from_cosines({1, 0, 0}, {0, 1, 0});
  g.origin_mm = {centre_x - (nx - 1) * pixel / 2.0, centre_y - (ny - 1) * pixel / 2.0, z_lo};
  return g;
}

// Coronal stack: columns along +x, rows towards the feet (-z), slices from anterior to posterior.
core::Geometry coronal(double fov_x, double fov_z, double pixel, double y_lo, double y_hi, double spacing_y,
                       double centre_x, double centre_z) {
  core::Geometry g;
  const int nx = even(fov_x / pixel), nz = even(fov_z / pixel);
  const int ny = std::max(1, static_cast<int>(std::floor((y_hi - y_lo) / spacing_y)) + 1);
  g.size = {static_cast<std::size_t>(nx), static_cast<std::size_t>(nz), static_cast<std::size_t>(ny)};
  g.spacing_mm = {pixel, pixel, spacing_y};
  g.direction = core::direction_from_cosines({1, 0, 0}, {0, 0, -1});
  g.origin_mm = {centre_x - (nx - 1) * pixel / 2.0, y_lo, centre_z + (nz - 1) * pixel / 2.0};
  return g;
}

// Sagittal stack: columns along +y, rows towards the feet, slices from patient left to right (normal -x).
core::Geometry sagittal(double fov_y, double fov_z, double pixel, double x_hi, double x_lo, double spacing_x,
                        double centre_y, double centre_z) {
  core::Geometry g;
  const int ny = even(fov_y / pixel), nz = even(fov_z / pixel);
  const int nx = std::max(1, static_cast<int>(std::floor((x_hi - x_lo) / spacing_x)) + 1);
  g.size = {static_cast<std::size_t>(ny), static_cast<std::size_t>(nz), static_cast<std::size_t>(nx)};
  g.spacing_mm = {pixel, pixel, spacing_x};
  g.direction = core::direction_from_cosines({0, 1, 0}, {0, 0, -1});
  g.origin_mm = {x_hi, centre_y - (ny - 1) * pixel / 2.0, centre_z + (nz - 1) * pixel / 2.0};
  return g;
}

struct SeriesPlan {
  std::vector<std::pair<SeriesRole, const core::ImageVolume*>> images;
  std::vector<double> echo_times_ms;  // per image, for multi-echo series (echo numbers follow)
  std::vector<int> echo_numbers;      // per image when set (magnitude and phase of one echo share its number)
  std::vector<bool> phase;            // per image when set: a phase image
  dicom::SeriesTags tags;
  std::string description;  // resolved for the truth file
  std::string orientation;
  std::size_t files = 0;
};

// The writer names axial series by the vendor's conventions; the coronal STIR needs its own name.
std::string coronal_stir_description(Vendor vendor) {
  switch (vendor) {
    case Vendor::philips: return "STIR_TSE_COR";
    case Vendor::ge: return "Cor STIR";
    default: return "t2_tirm_cor_stir";
  }
}

// FNV-1a: a stable folder name from a UID (std::hash is not guaranteed to be stable across library versions).
std::uint32_t fnv1a(const std::string& text) {
  std::uint32_t h = 2166136261U;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 16777619U;
  }
  return h;
}

nlohmann::json geometry_json(const core::Geometry& g) {
  return {{"size", g.size}, {"spacing_mm", g.spacing_mm}, {"origin_mm", g.origin_mm}, {"direction", g.direction}};
}

}  // namespace

PhantomResult generate_study(const PhantomParams& params, const std::filesystem::path& output_directory) {
  const auto started = std::chrono::steady_clock::now();
  if (params.dixon_voxel_mm <= 0.3 || params.clinical_pixel_mm <= 0.3)
    throw core::MyoError(output_directory.string(), "voxel sizes must be above 0.3 mm");
  const Vendor vendor = params.vendor == Vendor::unknown ? Vendor::siemens : params.vendor;
  if (params.visit < 1 || (params.visit > 1) != (params.months_after_first > 0) || params.months_after_first > 600)
    throw core::MyoError(output_directory.string(), "a later visit (2 or more) needs 1 to 600 months after the first, "
                                                    "and the first visit none",
                         core::ErrorKind::usage);
  const detail::Anatomy anatomy(params.seed, params.scenario, params.touching_thighs, params.visit,
                                params.months_after_first);
  const std::string key = fmt::format("myoscope-phantom/{}/{}/{}/{}/{}/{}/{}/{}", vendor_name(vendor),
                                      to_string(params.scenario), params.seed, params.dixon, params.coronal_stir,
                                      params.dixon_voxel_mm, params.clinical_pixel_mm, params.noise_level) +
                          (params.swap_region ? "/swap" : "") + (params.scanner_fat_fraction ? "/ff" : "") +
                          (params.t2_multi_echo ? fmt::format("/mese{}x{}", params.echo_count, params.echo_spacing_ms) : "") +
                          (params.touching_thighs ? "/touching" : "") +
                          (params.raw_echoes > 0 ? fmt::format("/raw{}", params.raw_echoes) : "") +
                          (params.visit > 1 ? fmt::format("/visit{}/{}", params.visit, params.months_after_first) : "");
  if (params.t2_multi_echo && (params.echo_count < 3 || params.echo_count > static_cast<int>(detail::kMaxEchoes) ||
                               params.echo_spacing_ms <= 0))
    throw core::MyoError(output_directory.string(),
                         fmt::format("a multi-echo series needs 3 to {} echoes and a positive spacing", detail::kMaxEchoes));
  if (params.raw_echoes != 0 && (params.raw_echoes < 2 || params.raw_echoes > 6 || !params.dixon))
    throw core::MyoError(output_directory.string(), "raw Dixon echoes need 2 to 6 echoes and a Dixon protocol");
  std::vector<double> raw_echo_times;
  for (int e = 1; e <= params.raw_echoes; ++e) raw_echo_times.push_back(kRawEchoSpacingMs * e);
  std::vector<double> echo_times;
  if (params.t2_multi_echo)
    for (int e = 1; e <= params.echo_count; ++e) echo_times.push_back(e * params.echo_spacing_ms);
  // A later visit has noise of its own.
  const std::uint64_t base_seed =
      0x51ed270b27ULL * (params.seed + 1) + (params.visit > 1 ? 0x9e3779b97f4a7c15ULL * static_cast<unsigned>(params.visit) : 0);

  // Field of view centred on the table (x = 0, y = +10), covering the distal thigh to above the iliac crest.
  const double z_lo = -395, z_hi = 135, table_y = 10;
  const double dixon_pixel = params.dixon_voxel_mm;
  const core::Geometry dixon_geometry = axial(480, 360, dixon_pixel, z_lo, z_hi, 2 * dixon_pixel, 0, table_y);
  const core::Geometry clinical_geometry =
      axial(440, 330, params.clinical_pixel_mm, z_lo + 2, z_hi - 2, 7.0, 0, table_y);  // 6 mm slices, 1 mm gap
  const double loc_pixel = std::max(2.0, params.clinical_pixel_mm);
  const core::Geometry loc_axial = axial(500, 500, loc_pixel, -250, 50, 150, 0, table_y);
  const core::Geometry loc_coronal = coronal(500, 560, loc_pixel, -30, 30, 30, 0, -130);
  const core::Geometry loc_sagittal = sagittal(500, 560, loc_pixel, 90, -90, 90, table_y, -130);
  const core::Geometry cor_geometry =
      coronal(460, 560, params.clinical_pixel_mm * 1.15, -110, 130, 6.0, 0, -130);  // 5 mm slices, 1 mm gap

  const unsigned threads = params.threads;
  detail::RenderRequest localizer_request;
  localizer_request.localizer = true;
  localizer_request.noise_level = params.noise_level;
  localizer_request.threads = threads;
  auto loc_request_for = [&](const core::Geometry& g, std::uint64_t salt) {
    auto r = localizer_request;
    r.geometry = g;
    r.slice_thickness_mm = 7.0;
    r.seed = base_seed + salt;
    return r;
  };
  const detail::Rendered loc_a = detail::render(anatomy, loc_request_for(loc_sagittal, 11));
  const detail::Rendered loc_b = detail::render(anatomy, loc_request_for(loc_coronal, 12));
  const detail::Rendered loc_c = detail::render(anatomy, loc_request_for(loc_axial, 13));

  const double stir_ti = vendor == Vendor::siemens ? 220 : vendor == Vendor::philips ? 230 : 210;
  detail::Rendered dixon;
  if (params.dixon) {
    detail::RenderRequest r;
    r.geometry = dixon_geometry;
    r.dixon = true;
    r.truth = true;
    r.noise_level = params.noise_level;
    r.seed = base_seed + 2;
    r.threads = threads;
    if (params.swap_region) {
      r.swap_radius_mm = kSwapRadiusMm;
      r.swap_centre_mm = anatomy.right_thigh_lateral_point(kSwapLevelMm);
    }
    r.raw_echo_times_ms = raw_echo_times;
    r.field_bump_centre_mm = anatomy.right_thigh_lateral_point(kSwapLevelMm);
    dixon = detail::render(anatomy, r);
  }
  core::ImageVolume scanner_ff;
  if (params.dixon && params.scanner_fat_fraction) {
    // What the scanner computes from its magnitude images (noise floor and any swap included).
    const double full_scale = vendor == Vendor::philips ? 100.0 : 1000.0;
    scanner_ff = core::ImageVolume(dixon.water.geometry, 0.0F);
    for (std::size_t i = 0; i < scanner_ff.voxels.size(); ++i) {
      const double w = dixon.water.voxels[i], f = dixon.fat.voxels[i];
      scanner_ff.voxels[i] = w + f > 50 ? static_cast<float>(std::round(full_scale * f / (w + f))) : 0.0F;
    }
  }
  detail::Rendered clinical;
  {
    detail::RenderRequest r;
    r.geometry = clinical_geometry;
    r.slice_thickness_mm = 6.0;
    r.t1 = true;
    r.stir = true;
    r.truth = !params.dixon;
    r.stir_ti_ms = stir_ti;
    r.echo_times_ms = echo_times;
    r.noise_level = params.noise_level;
    r.seed = base_seed + 3;
    r.threads = threads;
    clinical = detail::render(anatomy, r);
  }
  detail::Rendered cor;
  if (params.coronal_stir) {
    detail::RenderRequest r;
    r.geometry = cor_geometry;
    r.slice_thickness_mm = 5.0;
    r.stir = true;
    r.stir_ti_ms = stir_ti;
    r.noise_level = params.noise_level;
    r.seed = base_seed + 4;
    r.threads = threads;
    cor = detail::render(anatomy, r);
  }
  const auto rendered_at = std::chrono::steady_clock::now();

  // Protocol as the vendor exports it.
  dicom::PatientStudyTags study;
  study.study_instance_uid = dicom::uid_from_key(key + "/study");
  study.frame_of_reference_uid = dicom::uid_from_key(key + "/frame");
  study.patient_id = fmt::format("PHANTOM{:04d}", params.seed % 10000);
  study.accession_number = fmt::format("ACC{:06d}", params.seed % 1000000);
  study.study_description = "MR HIPS AND THIGHS";
  if (params.visit > 1) {
    const auto first = core::parse_dicom_date(study.study_date);
    study.study_date = core::to_dicom_date(core::date_from_days(
        core::days_since_epoch(*first) + std::lround(params.months_after_first * core::kDaysPerMonth)));
    study.accession_number = fmt::format("ACC{:06d}", (params.seed * 100 + static_cast<unsigned>(params.visit)) % 1000000);
  }

  std::vector<SeriesPlan> plans;
  int series_time_min = 0;
  const auto add_plan = [&](std::vector<std::pair<SeriesRole, const core::ImageVolume*>> images, int number,
                            const std::string& description, bool three_d, bool localizer, std::optional<double> te,
                            std::optional<double> tr, std::optional<double> ti, double flip,
                            std::optional<double> thickness, const std::string& orientation) {
    SeriesPlan p;
    p.images = std::move(images);
    p.tags.vendor = vendor;
    p.tags.series_number = number;
    p.tags.series_description = description;
    p.tags.echo_time_ms = te;
    p.tags.repetition_time_ms = tr;
    p.tags.inversion_time_ms = ti;
    p.tags.flip_angle_deg = flip;
    p.tags.three_d = three_d;
    p.tags.localizer = localizer;
    p.tags.slice_thickness_mm = thickness;
    p.tags.series_instance_uid = dicom::uid_from_key(fmt::format("{}/series/{}", key, number));
    p.tags.sop_instance_uid_prefix = p.tags.series_instance_uid;
    series_time_min += 4;
    p.tags.series_time = fmt::format("{:02d}{:02d}00", 9 + series_time_min / 60, series_time_min % 60);
    p.orientation = orientation;
    p.description = description.empty() ? dicom::conventional_description(vendor, p.images.front().first, three_d,
                                                                           localizer)
                                        : description;
    plans.push_back(std::move(p));
  };
  const bool philips = vendor == Vendor::philips;
  const int n_loc = philips ? 101 : 1;
  const auto number = [&](int index) { return philips ? (index + 1) * 100 + 1 : index + 1; };
  add_plan({{SeriesRole::localizer, &loc_a.localizer}, {SeriesRole::localizer, &loc_b.localizer},
            {SeriesRole::localizer, &loc_c.localizer}},
           n_loc, "", false, true, 3.7, 7.5, std::nullopt, 20, 7.0, "three-plane");
  int index = 1;
  std::vector<core::ImageVolume> raw_phase;  // the raw echoes' phase in the vendor's units (outlives the writing)
  for (const auto& phase : dixon.raw_phase_rad) raw_phase.push_back(phase_in_vendor_units(phase, vendor));
  if (params.dixon && params.raw_echoes > 0) {
    // Raw echoes instead of the scanner's reconstructions. Siemens: a magnitude and a phase series, every echo in
    // each; Philips: one series with every echo's magnitude and phase; GE: one series per echo holding both.
    const auto echo_plan = [&](const std::vector<std::size_t>& echoes, const std::vector<bool>& phases,
                               const std::string& description) {
      std::vector<std::pair<SeriesRole, const core::ImageVolume*>> images;
      std::vector<double> tes;
      std::vector<int> numbers;
      std::vector<bool> phase_flags;
      for (const auto e : echoes)
        for (const bool phase : phases) {
          images.emplace_back(SeriesRole::dixon_echo, phase ? &raw_phase[e] : &dixon.raw_magnitude[e]);
          tes.push_back(raw_echo_times[e]);
          numbers.push_back(static_cast<int>(e) + 1);
          phase_flags.push_back(phase);
        }
      add_plan(images, number(index++), description, true, false, tes.front(), 6.5, std::nullopt, 10, std::nullopt,
               "axial");
      plans.back().echo_times_ms = tes;
      plans.back().echo_numbers = numbers;
      plans.back().phase = phase_flags;
    };
    std::vector<std::size_t> all(raw_echo_times.size());
    for (std::size_t e = 0; e < all.size(); ++e) all[e] = e;
    if (vendor == Vendor::ge) {
      for (const auto e : all) echo_plan({e}, {false, true}, fmt::format("ORIG Dixon TE {:g}", raw_echo_times[e]));
    } else if (philips) {
      echo_plan(all, {false, true}, "");
    } else {
      echo_plan(all, {false}, "");
      echo_plan(all, {true}, "");
    }
  } else if (params.dixon) {
    const double te_opp = 1.23, te_in = 2.46;
    if (philips) {
      // mDIXON: one series with all four image types.
      add_plan({{SeriesRole::dixon_water, &dixon.water},
                {SeriesRole::dixon_fat, &dixon.fat},
                {SeriesRole::dixon_in_phase, &dixon.in_phase},
                {SeriesRole::dixon_opposed_phase, &dixon.opposed_phase}},
               number(index++), "", true, false, te_opp, 6.5, std::nullopt, 10, std::nullopt, "axial");
    } else {
      // Siemens numbers opp, in, F, W consecutively; GE LAVA-Flex likewise one series per image type.
      const std::vector<std::pair<SeriesRole, const core::ImageVolume*>> order{
          {SeriesRole::dixon_opposed_phase, &dixon.opposed_phase},
          {SeriesRole::dixon_in_phase, &dixon.in_phase},
          {SeriesRole::dixon_fat, &dixon.fat},
          {SeriesRole::dixon_water, &dixon.water}};
      for (const auto& [role, volume] : order)
        add_plan({{role, volume}}, number(index++), "", true, false,
                 role == SeriesRole::dixon_opposed_phase ? te_opp : te_in, 6.5, std::nullopt, 10, std::nullopt,
                 "axial");
    }
  }
  if (params.dixon && params.scanner_fat_fraction)
    add_plan({{SeriesRole::fat_fraction_map, &scanner_ff}}, number(index++), "", true, false, 2.46, 6.5, std::nullopt,
             10, std::nullopt, "axial");
  add_plan({{SeriesRole::t1, &clinical.t1}}, number(index++), "", false, false, 12.0, 600.0, std::nullopt, 150, 6.0,
           "axial");
  add_plan({{SeriesRole::stir, &clinical.stir}}, number(index++), "", false, false, 50.0, 4500.0, stir_ti, 150, 6.0,
           "axial");
  if (params.coronal_stir)
    add_plan({{SeriesRole::stir, &cor.stir}}, number(index++), coronal_stir_description(vendor),
             false, false, 50.0, 4500.0, stir_ti, 150, 5.0, "coronal");
  if (params.t2_multi_echo) {
    const double tr = detail::kMeseTrMs;
    if (vendor == Vendor::ge) {
      // One series per echo, sharing TR and geometry.
      for (std::size_t e = 0; e < echo_times.size(); ++e) {
        add_plan({{SeriesRole::t2_multi_echo, &clinical.echoes[e]}}, number(index++),
                 "", false, false, echo_times[e], tr, std::nullopt, 180, 6.0,
                 "axial");
        plans.back().echo_times_ms = {echo_times[e]};
      }
    } else {
      std::vector<std::pair<SeriesRole, const core::ImageVolume*>> images;
      for (const auto& echo : clinical.echoes) images.emplace_back(SeriesRole::t2_multi_echo, &echo);
      add_plan(images, number(index++), "", false, false, echo_times.front(), tr, std::nullopt, 180, 6.0, "axial");
      plans.back().echo_times_ms = echo_times;
    }
  }

  // Folder layout of real media exports: Siemens/GE one folder per series with opaque names, Philips one flat
  // DICOM folder of IM_nnnn files.
  const std::filesystem::path dicom_dir = output_directory / "dicom";
  std::error_code ec;
  if (std::filesystem::exists(dicom_dir) && !std::filesystem::is_empty(dicom_dir)) {
    // Reruns must not mix with an earlier study, but only a folder this generator made may be replaced: never
    // delete DICOM a user happens to keep under the same name.
    const auto previous = output_directory / "truth" / "truth.json";
    bool ours = false;
    if (std::filesystem::exists(previous)) {
      const auto j = nlohmann::json::parse(core::read_text_file(previous), nullptr, false);
      ours = !j.is_discarded() && j.value("schema", "") == "myoscope-phantom-truth";
    }
    if (!ours)
      throw core::MyoError(dicom_dir.string(),
                           "already holds files not made by 'myoscope phantom'; choose an empty output folder");
    std::filesystem::remove_all(dicom_dir, ec);
    if (ec) throw core::MyoError(dicom_dir.string(), "cannot remove the previous study: " + ec.message());
  }
  PhantomResult result;
  result.dicom_directory = dicom_dir;
  for (auto& p : plans) {
    std::vector<dicom::ImageComponent> components;
    for (std::size_t n = 0; n < p.images.size(); ++n) {
      const auto& [role, volume] = p.images[n];
      dicom::ImageComponent c;
      c.role = role;
      c.volume = volume;
      if (!p.phase.empty()) c.phase = p.phase[n];
      if (!p.echo_numbers.empty()) {
        c.echo_time_ms = p.echo_times_ms[n];
        c.echo_number = p.echo_numbers[n];
      } else if (!p.echo_times_ms.empty()) {
        c.echo_time_ms = p.echo_times_ms[n];
        // One series per echo (GE) numbers each echo 1, as such exports do; a train in one series counts up.
        c.echo_number = p.echo_times_ms.size() == 1 ? 1 : static_cast<int>(n) + 1;
      } else if (philips && p.tags.three_d) {
        c.echo_time_ms = role == SeriesRole::dixon_in_phase ? 2.46 : 1.23;
        c.echo_number = role == SeriesRole::dixon_in_phase ? 2 : 1;
      } else if (role == SeriesRole::dixon_in_phase) {
        c.echo_number = 2;
      }
      components.push_back(c);
    }
    std::filesystem::path dir;
    switch (vendor) {
      case Vendor::philips: dir = dicom_dir / "DICOM"; break;
      case Vendor::ge: dir = dicom_dir / fmt::format("S{:05d}", p.tags.series_number); break;
      default:
        dir = dicom_dir / fmt::format("{:08X}", fnv1a(p.tags.series_instance_uid));
        break;
    }
    const auto files = dicom::write_series(components, study, p.tags, dir);
    p.files = files.size();
    result.files.insert(result.files.end(), files.begin(), files.end());
  }
  const auto written_at = std::chrono::steady_clock::now();

  // Truth: labels in the reference geometry and per-group statistics over the labelled voxels.
  const detail::Rendered& reference = params.dixon ? dixon : clinical;
  PhantomTruth& truth = result.truth;
  truth.labels = reference.labels;
  const auto& catalog = core::MuscleCatalog::instance();
  const int max_label = catalog.max_label();
  std::vector<double> count(static_cast<std::size_t>(max_label + 1), 0), ff_sum(count), voxel_ff_sum(count),
      edema(count), fat_replaced(count);
  std::vector<std::vector<float>> water_t2(count.size());
  for (std::size_t i = 0; i < truth.labels.voxels.size(); ++i) {
    const auto label = truth.labels.voxels[i];
    if (label == 0 || label > max_label) continue;
    count[label] += 1;
    ff_sum[label] += reference.truth_fat_fraction[i];
    voxel_ff_sum[label] += reference.truth_voxel_fat_fraction[i];
    edema[label] += reference.truth_edema[i];
    if (reference.truth_fat_fraction[i] > 0.5F) fat_replaced[label] += 1;
    if (params.t2_multi_echo && reference.truth_water_t2_ms[i] > 0) water_t2[label].push_back(reference.truth_water_t2_ms[i]);
  }
  const double voxel_ml = truth.labels.geometry.voxel_volume_ml();
  for (std::size_t g = 0; g < catalog.groups().size(); ++g) {
    const auto& group = catalog.groups()[g];
    for (const core::Side side : {core::Side::right, core::Side::left}) {
      const auto label = static_cast<std::size_t>(group.label(side));
      const auto& target = anatomy.disease()[g][side == core::Side::right ? 0 : 1];
      GroupSideTruth t;
      t.group = group.name;
      t.side = core::to_string(side);
      t.label = group.label(side);
      t.volume_ml = count[label] * voxel_ml;
      t.fat_fraction_pct = count[label] > 0 ? 100.0 * ff_sum[label] / count[label] : 0.0;
      t.fat_fraction_voxel_pct = count[label] > 0 ? 100.0 * voxel_ff_sum[label] / count[label] : 0.0;
      t.edema_fraction_pct = count[label] > 0 ? 100.0 * edema[label] / count[label] : 0.0;
      t.fat_replaced_share_pct = count[label] > 0 ? 100.0 * fat_replaced[label] / count[label] : 0.0;
      t.target_fat_fraction_pct = 100.0 * target.fat_fraction;
      t.target_edema_pct = 100.0 * target.edema_fraction;
      if (auto& v = water_t2[label]; !v.empty()) {
        double sum = 0;
        for (const float x : v) sum += x;
        t.water_t2_mean_ms = sum / static_cast<double>(v.size());
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
        t.water_t2_ms = v[v.size() / 2];
      }
      truth.groups.push_back(t);
    }
  }
  // With raw echoes the reference is the water computed from them, on their grid: the first echo's series.
  const SeriesRole reference_role =
      params.dixon ? (params.raw_echoes > 0 ? SeriesRole::dixon_echo : SeriesRole::dixon_water) : SeriesRole::t1;
  const SeriesPlan* reference_plan = nullptr;
  for (const auto& p : plans)
    for (const auto& image : p.images)
      if (image.first == reference_role && !reference_plan) reference_plan = &p;

  nlohmann::json j;
  j["schema"] = "myoscope-phantom-truth";
  j["schema_version"] = 1;
  j["software"] = {{"name", core::software_name()}, {"version", core::software_version()},
                   {"git", core::git_revision()}};
  j["parameters"] = {{"vendor", vendor_name(vendor)},
                     {"scenario", to_string(params.scenario)},
                     {"seed", params.seed},
                     {"dixon", params.dixon},
                     {"coronal_stir", params.coronal_stir},
                     {"noise_level", params.noise_level},
                     {"dixon_voxel_mm", params.dixon_voxel_mm},
                     {"clinical_pixel_mm", params.clinical_pixel_mm}};
  j["parameters"]["scanner_fat_fraction"] = params.scanner_fat_fraction;
  if (params.t2_multi_echo)
    j["parameters"]["t2_multi_echo"] = {{"echo_times_ms", echo_times},
                                        {"repetition_time_ms", detail::kMeseTrMs},
                                        {"muscle_water_t2_ms", detail::kMuscleWaterT2Ms},
                                        {"edema_water_t2_ms", detail::kEdemaWaterT2Ms},
                                        {"fat_t2_ms", detail::kMeseFatT2Ms},
                                        {"decay", "bi-exponential water + fat by the voxel fat fraction; no stimulated echoes"}};
  j["parameters"]["touching_thighs"] = params.touching_thighs;
  j["parameters"]["visit"] = {{"number", params.visit}, {"months_after_first", params.months_after_first},
                              {"study_date", study.study_date}};
  if (params.raw_echoes > 0) {
    const auto c = anatomy.right_thigh_lateral_point(kSwapLevelMm);
    j["parameters"]["raw_echoes"] = {
        {"echo_times_ms", raw_echo_times},
        {"field_strength_t", 3.0},
        {"fat_spectrum", "six-peak (Hamilton 2011)"},
        {"r2star_per_s", detail::kRawEchoR2s},
        {"field_map", fmt::format("smooth background plus a {:g} Hz Gaussian bump (sigma {:g} mm) centred at ({:.1f}, "
                                  "{:.1f}, {:.1f}) mm", detail::kFieldBumpHz, detail::kFieldBumpSigmaMm, c[0], c[1], c[2])},
        {"images", "magnitude and phase per echo instead of the scanner's water/fat/in-phase/opposed-phase series"}};
  }
  if (params.swap_region) {
    const auto c = anatomy.right_thigh_lateral_point(kSwapLevelMm);
    j["parameters"]["swap_region"] = {{"centre_mm", {c[0], c[1], c[2]}}, {"radius_mm", kSwapRadiusMm},
                                      {"images", "Dixon water and fat exchanged inside the ball; truth unchanged"}};
  }
  const auto& body = anatomy.body();
  j["body"] = {{"subcutaneous_fat_mm", body.fat_mm},     {"body_scale", body.body_scale},
               {"muscle_bulk", body.muscle_bulk},        {"table_offset_mm", {body.offset_x, body.offset_y, body.offset_z}},
               {"rotation_deg", body.rotation_deg},      {"coordinates", "LPS mm; patient right is -x"}};
  nlohmann::json protocol = nlohmann::json::array();
  for (const auto& p : plans) {
    nlohmann::json roles = nlohmann::json::array();
    for (const auto& image : p.images) roles.push_back(role_name(image.first));
    protocol.push_back({{"series_number", p.tags.series_number},
                        {"series_description", p.description},
                        {"series_instance_uid", p.tags.series_instance_uid},
                        {"roles", roles},
                        {"orientation", p.orientation},
                        {"three_d", p.tags.three_d},
                        {"files", p.files},
                        {"geometry", geometry_json(p.images.front().second->geometry)}});
  }
  j["protocol"] = protocol;
  for (const auto& p : plans) truth.series_descriptions.push_back(p.description);
  if (reference_plan != nullptr) truth.reference_series_description = reference_plan->description;
  j["reference"] = {{"series_number", reference_plan ? reference_plan->tags.series_number : 0},
                    {"series_description", truth.reference_series_description},
                    {"role", params.dixon ? "dixon_water" : "t1"},
                    {"geometry", geometry_json(truth.labels.geometry)},
                    {"labels_file", "labels.nii.gz"}};
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& t : truth.groups) {
    groups.push_back({{"group", t.group},
                      {"side", t.side},
                      {"label", t.label},
                      {"volume_ml", t.volume_ml},
                      {"fat_fraction_pct", t.fat_fraction_pct},
                      {"fat_fraction_voxel_pct", t.fat_fraction_voxel_pct},
                      {"edema_fraction_pct", t.edema_fraction_pct},
                      {"fat_replaced_share_pct", t.fat_replaced_share_pct},
                      {"target_fat_fraction_pct", t.target_fat_fraction_pct},
                      {"target_edema_pct", t.target_edema_pct}});
    if (t.water_t2_ms) {
      groups.back()["water_t2_ms"] = *t.water_t2_ms;
      groups.back()["water_t2_mean_ms"] = *t.water_t2_mean_ms;
    }
  }
  j["groups"] = groups;

  const std::filesystem::path truth_dir = output_directory / "truth";
  std::filesystem::create_directories(truth_dir, ec);
  if (ec) throw core::MyoError(truth_dir.string(), "cannot create folder: " + ec.message());
  core::write_labels(truth.labels, truth_dir / "labels.nii.gz");
  core::write_file_atomically(truth_dir / "truth.json", j.dump(2) + "\n");

  const auto finished = std::chrono::steady_clock::now();
  const auto seconds = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  log::info("phantom: {} {} seed {}: {} files; render {:.1f} s, write {:.1f} s, truth {:.1f} s",
            vendor_name(vendor), to_string(params.scenario), params.seed, result.files.size(),
            seconds(started, rendered_at), seconds(rendered_at, written_at), seconds(written_at, finished));
  return result;
}

}  // namespace myo::phantom
