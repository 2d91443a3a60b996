// Study generator: builds the synthetic body, samples it into the series of a vendor's hip-and-thigh protocol,
// writes them as classic DICOM, and writes the known answers (labels + per-group statistics) beside them.
#include "myo/phantom/phantom.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "anatomy.hpp"
#include "myo/core/calendar.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/phantom/vendor_series.hpp"
#include "render.hpp"
#include "study_plan.hpp"
#include "truth.hpp"

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

namespace detail {

using dicom::SeriesRole;
using dicom::Vendor;

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

}  // namespace detail

namespace {

using dicom::SeriesRole;
using dicom::Vendor;
using detail::SeriesPlan;
using detail::StudySetup;


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

}  // namespace

namespace {

using detail::kRawEchoSpacingMs;
using detail::kSwapLevelMm;
using detail::kSwapRadiusMm;
using detail::Rendered;

void check_parameters(const PhantomParams& params, const std::filesystem::path& output_directory) {
  if (params.dixon_voxel_mm <= 0.3 || params.clinical_pixel_mm <= 0.3)
    throw core::MyoError(output_directory.string(), "voxel sizes must be above 0.3 mm");
  if (params.visit < 1 || (params.visit > 1) != (params.months_after_first > 0) || params.months_after_first > 600)
    throw core::MyoError(output_directory.string(), "a later visit (2 or more) needs 1 to 600 months after the first, "
                                                    "and the first visit none",
                         core::ErrorKind::usage);
  if (params.t2_multi_echo && (params.echo_count < 3 || params.echo_count > static_cast<int>(detail::kMaxEchoes) ||
                               params.echo_spacing_ms <= 0))
    throw core::MyoError(output_directory.string(),
                         fmt::format("a multi-echo series needs 3 to {} echoes and a positive spacing", detail::kMaxEchoes));
  if (params.raw_echoes != 0 && (params.raw_echoes < 2 || params.raw_echoes > 6 || !params.dixon))
    throw core::MyoError(output_directory.string(), "raw Dixon echoes need 2 to 6 echoes and a Dixon protocol");
}

// Every UID derives from this key: the same parameters give the same study.
std::string study_key(const PhantomParams& params, Vendor vendor) {
  return fmt::format("myoscope-phantom/{}/{}/{}/{}/{}/{}/{}/{}", detail::vendor_name(vendor),
                     to_string(params.scenario), params.seed, params.dixon, params.coronal_stir,
                     params.dixon_voxel_mm, params.clinical_pixel_mm, params.noise_level) +
         (params.swap_region ? "/swap" : "") + (params.scanner_fat_fraction ? "/ff" : "") +
         (params.t2_multi_echo ? fmt::format("/mese{}x{}", params.echo_count, params.echo_spacing_ms) : "") +
         (params.touching_thighs ? "/touching" : "") +
         (params.raw_echoes > 0 ? fmt::format("/raw{}", params.raw_echoes) : "") +
         (params.visit > 1 ? fmt::format("/visit{}/{}", params.visit, params.months_after_first) : "");
}

StudySetup study_setup(const PhantomParams& params) {
  const Vendor vendor = params.vendor == Vendor::unknown ? Vendor::siemens : params.vendor;
  // A later visit has noise of its own.
  const std::uint64_t base_seed = 0x51ed270b27ULL * (params.seed + 1) +
                                  (params.visit > 1 ? 0x9e3779b97f4a7c15ULL * static_cast<unsigned>(params.visit) : 0);
  StudySetup setup{params, vendor, study_key(params, vendor), base_seed, {}, {}};
  for (int e = 1; e <= params.raw_echoes; ++e) setup.raw_echo_times_ms.push_back(kRawEchoSpacingMs * e);
  if (params.t2_multi_echo)
    for (int e = 1; e <= params.echo_count; ++e) setup.echo_times_ms.push_back(e * params.echo_spacing_ms);
  return setup;
}

// The series grids of the protocol: field of view centred on the table (x = 0, y = +10), from the distal thigh to
// above the iliac crest.
struct ProtocolGrids {
  core::Geometry dixon, clinical, loc_axial, loc_coronal, loc_sagittal, coronal_stir;
};

ProtocolGrids protocol_grids(const PhantomParams& params) {
  const double z_lo = -395, z_hi = 135, table_y = 10;
  const double loc_pixel = std::max(2.0, params.clinical_pixel_mm);
  ProtocolGrids g;
  g.dixon = axial(480, 360, params.dixon_voxel_mm, z_lo, z_hi, 2 * params.dixon_voxel_mm, 0, table_y);
  g.clinical = axial(440, 330, params.clinical_pixel_mm, z_lo + 2, z_hi - 2, 7.0, 0, table_y);  // 6 mm, 1 mm gap
  g.loc_axial = axial(500, 500, loc_pixel, -250, 50, 150, 0, table_y);
  g.loc_coronal = coronal(500, 560, loc_pixel, -30, 30, 30, 0, -130);
  g.loc_sagittal = sagittal(500, 560, loc_pixel, 90, -90, 90, table_y, -130);
  g.coronal_stir = coronal(460, 560, params.clinical_pixel_mm * 1.15, -110, 130, 6.0, 0, -130);  // 5 mm, 1 mm gap
  return g;
}

// Every image of the study, rendered from the anatomy.
struct StudyImages {
  Rendered loc_sagittal, loc_coronal, loc_axial, dixon, clinical, coronal;
  core::ImageVolume scanner_ff;
  std::vector<core::ImageVolume> raw_phase;  // the raw echoes' phase in the vendor's units
};

double stir_ti_ms(Vendor vendor) { return vendor == Vendor::siemens ? 220 : vendor == Vendor::philips ? 230 : 210; }

detail::RenderRequest request(const StudySetup& setup, const core::Geometry& g, std::uint64_t salt) {
  detail::RenderRequest r;
  r.geometry = g;
  r.noise_level = setup.params.noise_level;
  r.seed = setup.base_seed + salt;
  r.threads = setup.params.threads;
  return r;
}

Rendered render_localizer(const detail::Anatomy& anatomy, const StudySetup& setup, const core::Geometry& g,
                          std::uint64_t salt) {
  auto r = request(setup, g, salt);
  r.localizer = true;
  r.slice_thickness_mm = 7.0;
  return detail::render(anatomy, r);
}

Rendered render_dixon(const detail::Anatomy& anatomy, const StudySetup& setup, const core::Geometry& g) {
  auto r = request(setup, g, 2);
  r.dixon = true;
  r.truth = true;
  if (setup.params.swap_region) {
    r.swap_radius_mm = kSwapRadiusMm;
    r.swap_centre_mm = anatomy.right_thigh_lateral_point(kSwapLevelMm);
  }
  r.raw_echo_times_ms = setup.raw_echo_times_ms;
  r.field_bump_centre_mm = anatomy.right_thigh_lateral_point(kSwapLevelMm);
  return detail::render(anatomy, r);
}

// What the scanner computes from its magnitude images (noise floor and any swap included).
core::ImageVolume scanner_fat_fraction(const Rendered& dixon, Vendor vendor) {
  const double full_scale = vendor == Vendor::philips ? 100.0 : 1000.0;
  core::ImageVolume ff(dixon.water.geometry, 0.0F);
  for (std::size_t i = 0; i < ff.voxels.size(); ++i) {
    const double w = dixon.water.voxels[i], f = dixon.fat.voxels[i];
    ff.voxels[i] = w + f > 50 ? static_cast<float>(std::round(full_scale * f / (w + f))) : 0.0F;
  }
  return ff;
}

Rendered render_clinical(const detail::Anatomy& anatomy, const StudySetup& setup, const core::Geometry& g) {
  auto r = request(setup, g, 3);
  r.slice_thickness_mm = 6.0;
  r.t1 = true;
  r.stir = true;
  r.truth = !setup.params.dixon;
  r.stir_ti_ms = stir_ti_ms(setup.vendor);
  r.echo_times_ms = setup.echo_times_ms;
  return detail::render(anatomy, r);
}

Rendered render_coronal_stir(const detail::Anatomy& anatomy, const StudySetup& setup, const core::Geometry& g) {
  auto r = request(setup, g, 4);
  r.slice_thickness_mm = 5.0;
  r.stir = true;
  r.stir_ti_ms = stir_ti_ms(setup.vendor);
  return detail::render(anatomy, r);
}

StudyImages render_study(const detail::Anatomy& anatomy, const StudySetup& setup) {
  const PhantomParams& params = setup.params;
  const ProtocolGrids grids = protocol_grids(params);
  StudyImages images;
  images.loc_sagittal = render_localizer(anatomy, setup, grids.loc_sagittal, 11);
  images.loc_coronal = render_localizer(anatomy, setup, grids.loc_coronal, 12);
  images.loc_axial = render_localizer(anatomy, setup, grids.loc_axial, 13);
  if (params.dixon) images.dixon = render_dixon(anatomy, setup, grids.dixon);
  if (params.dixon && params.scanner_fat_fraction) images.scanner_ff = scanner_fat_fraction(images.dixon, setup.vendor);
  images.clinical = render_clinical(anatomy, setup, grids.clinical);
  if (params.coronal_stir) images.coronal = render_coronal_stir(anatomy, setup, grids.coronal_stir);
  for (const auto& phase : images.dixon.raw_phase_rad)
    images.raw_phase.push_back(phase_in_vendor_units(phase, setup.vendor));
  return images;
}

// Patient and study tags; a later visit moves the date on and gets its own accession number.
dicom::PatientStudyTags study_tags(const StudySetup& setup) {
  const PhantomParams& params = setup.params;
  dicom::PatientStudyTags study;
  study.study_instance_uid = dicom::uid_from_key(setup.key + "/study");
  study.frame_of_reference_uid = dicom::uid_from_key(setup.key + "/frame");
  study.patient_id = fmt::format("PHANTOM{:04d}", params.seed % 10000);
  study.accession_number = fmt::format("ACC{:06d}", params.seed % 1000000);
  study.study_description = "MR HIPS AND THIGHS";
  if (params.visit > 1) {
    const auto first = core::parse_dicom_date(study.study_date);
    study.study_date = core::to_dicom_date(core::date_from_days(
        core::days_since_epoch(*first) + std::lround(params.months_after_first * core::kDaysPerMonth)));
    study.accession_number =
        fmt::format("ACC{:06d}", (params.seed * 100 + static_cast<unsigned>(params.visit)) % 1000000);
  }
  return study;
}

using Images = std::vector<std::pair<SeriesRole, const core::ImageVolume*>>;

// How one series is acquired (the tags it gets besides the vendor's conventions).
struct Acquisition {
  std::string description;  // empty: the vendor's conventional description
  bool three_d = false;
  bool localizer = false;
  std::optional<double> te_ms, tr_ms, ti_ms;
  double flip_deg = 0;
  std::optional<double> thickness_mm;
  std::string orientation = "axial";
};

// The Dixon protocol's 3D gradient echo (raw echoes and the scanner's fat fraction map too).
Acquisition dixon_gradient_echo(double te_ms) {
  Acquisition a;
  a.three_d = true;
  a.te_ms = te_ms;
  a.tr_ms = 6.5;
  a.flip_deg = 10;
  return a;
}

// The three-plane gradient-echo localizer.
Acquisition localizer() {
  Acquisition a;
  a.localizer = true;
  a.te_ms = 3.7;
  a.tr_ms = 7.5;
  a.flip_deg = 20;
  a.thickness_mm = 7.0;
  a.orientation = "three-plane";
  return a;
}

// The 2D spin-echo series (T1, STIR, multi-echo) on the clinical grid.
Acquisition spin_echo(double te_ms, double tr_ms, double flip_deg, double thickness_mm) {
  Acquisition a;
  a.te_ms = te_ms;
  a.tr_ms = tr_ms;
  a.flip_deg = flip_deg;
  a.thickness_mm = thickness_mm;
  return a;
}

// The series of the vendor's protocol in acquisition order: numbers (Philips 101, 201, ...), times 4 min apart.
class Protocol {
 public:
  explicit Protocol(const StudySetup& setup) : setup_(setup) {}

  [[nodiscard]] bool philips() const { return setup_.vendor == Vendor::philips; }

  SeriesPlan& add(Images images, const Acquisition& a) {
    const int number = philips() ? (index_ + 1) * 100 + 1 : index_ + 1;
    ++index_;
    SeriesPlan p;
    p.images = std::move(images);
    p.tags.vendor = setup_.vendor;
    p.tags.series_number = number;
    p.tags.series_description = a.description;
    p.tags.echo_time_ms = a.te_ms;
    p.tags.repetition_time_ms = a.tr_ms;
    p.tags.inversion_time_ms = a.ti_ms;
    p.tags.flip_angle_deg = a.flip_deg;
    p.tags.three_d = a.three_d;
    p.tags.localizer = a.localizer;
    p.tags.slice_thickness_mm = a.thickness_mm;
    p.tags.series_instance_uid = dicom::uid_from_key(fmt::format("{}/series/{}", setup_.key, number));
    p.tags.sop_instance_uid_prefix = p.tags.series_instance_uid;
    minutes_ += 4;
    p.tags.series_time = fmt::format("{:02d}{:02d}00", 9 + minutes_ / 60, minutes_ % 60);
    p.orientation = a.orientation;
    p.description = a.description.empty()
                        ? conventional_description(setup_.vendor, p.images.front().first, a.three_d, a.localizer)
                        : a.description;
    plans.push_back(std::move(p));
    return plans.back();
  }

  std::vector<SeriesPlan> plans;

 private:
  const StudySetup& setup_;
  int index_ = 0;
  int minutes_ = 0;
};

// Raw echoes instead of the scanner's reconstructions. Siemens: a magnitude and a phase series, every echo in each;
// Philips: one series with every echo's magnitude and phase; GE: one series per echo holding both.
void plan_raw_echoes(Protocol& protocol, const StudySetup& setup, const StudyImages& images) {
  const auto& tes = setup.raw_echo_times_ms;
  const auto echo_plan = [&](const std::vector<std::size_t>& echoes, const std::vector<bool>& phases,
                             const std::string& description) {
    Images series;
    SeriesPlan plan_echoes;
    for (const auto e : echoes)
      for (const bool phase : phases) {
        series.emplace_back(SeriesRole::dixon_echo, phase ? &images.raw_phase[e] : &images.dixon.raw_magnitude[e]);
        plan_echoes.echo_times_ms.push_back(tes[e]);
        plan_echoes.echo_numbers.push_back(static_cast<int>(e) + 1);
        plan_echoes.phase.push_back(phase);
      }
    Acquisition acquisition = dixon_gradient_echo(plan_echoes.echo_times_ms.front());
    acquisition.description = description;
    SeriesPlan& p = protocol.add(series, acquisition);
    p.echo_times_ms = plan_echoes.echo_times_ms;
    p.echo_numbers = plan_echoes.echo_numbers;
    p.phase = plan_echoes.phase;
  };
  std::vector<std::size_t> all(tes.size());
  for (std::size_t e = 0; e < all.size(); ++e) all[e] = e;
  if (setup.vendor == Vendor::ge) {
    for (const auto e : all) echo_plan({e}, {false, true}, fmt::format("ORIG Dixon TE {:g}", tes[e]));
  } else if (protocol.philips()) {
    echo_plan(all, {false, true}, "");
  } else {
    echo_plan(all, {false}, "");
    echo_plan(all, {true}, "");
  }
}

void plan_dixon(Protocol& protocol, const StudyImages& images) {
  const double te_opp = 1.23, te_in = 2.46;
  const Rendered& dixon = images.dixon;
  if (protocol.philips()) {
    // mDIXON: one series with all four image types.
    protocol.add({{SeriesRole::dixon_water, &dixon.water},
                  {SeriesRole::dixon_fat, &dixon.fat},
                  {SeriesRole::dixon_in_phase, &dixon.in_phase},
                  {SeriesRole::dixon_opposed_phase, &dixon.opposed_phase}},
                 dixon_gradient_echo(te_opp));
    return;
  }
  // Siemens numbers opp, in, F, W consecutively; GE LAVA-Flex likewise one series per image type.
  const Images order{{SeriesRole::dixon_opposed_phase, &dixon.opposed_phase},
                     {SeriesRole::dixon_in_phase, &dixon.in_phase},
                     {SeriesRole::dixon_fat, &dixon.fat},
                     {SeriesRole::dixon_water, &dixon.water}};
  for (const auto& [role, volume] : order)
    protocol.add({{role, volume}}, dixon_gradient_echo(role == SeriesRole::dixon_opposed_phase ? te_opp : te_in));
}

// Multi-echo spin echo: GE one series per echo sharing TR and geometry, the others one series of every echo.
void plan_multi_echo(Protocol& protocol, const StudySetup& setup, const StudyImages& images) {
  const auto& tes = setup.echo_times_ms;
  const Acquisition echo = spin_echo(tes.front(), detail::kMeseTrMs, 180, 6.0);
  if (setup.vendor == Vendor::ge) {
    for (std::size_t e = 0; e < tes.size(); ++e) {
      Acquisition one = echo;
      one.te_ms = tes[e];
      protocol.add({{SeriesRole::t2_multi_echo, &images.clinical.echoes[e]}}, one).echo_times_ms = {tes[e]};
    }
    return;
  }
  Images series;
  for (const auto& volume : images.clinical.echoes) series.emplace_back(SeriesRole::t2_multi_echo, &volume);
  protocol.add(series, echo).echo_times_ms = tes;
}

std::vector<SeriesPlan> plan_protocol(const StudySetup& setup, const StudyImages& images) {
  const PhantomParams& params = setup.params;
  Protocol protocol(setup);
  protocol.add({{SeriesRole::localizer, &images.loc_sagittal.localizer},
                {SeriesRole::localizer, &images.loc_coronal.localizer},
                {SeriesRole::localizer, &images.loc_axial.localizer}},
               localizer());
  if (params.dixon && params.raw_echoes > 0) plan_raw_echoes(protocol, setup, images);
  else if (params.dixon) plan_dixon(protocol, images);
  if (params.dixon && params.scanner_fat_fraction)
    protocol.add({{SeriesRole::fat_fraction_map, &images.scanner_ff}},
                 dixon_gradient_echo(2.46));
  protocol.add({{SeriesRole::t1, &images.clinical.t1}}, spin_echo(12.0, 600.0, 150, 6.0));
  Acquisition stir = spin_echo(50.0, 4500.0, 150, 6.0);
  stir.ti_ms = stir_ti_ms(setup.vendor);
  protocol.add({{SeriesRole::stir, &images.clinical.stir}}, stir);
  if (params.coronal_stir) {
    stir.description = coronal_stir_description(setup.vendor);
    stir.thickness_mm = 5.0;
    stir.orientation = "coronal";
    protocol.add({{SeriesRole::stir, &images.coronal.stir}}, stir);
  }
  if (params.t2_multi_echo) plan_multi_echo(protocol, setup, images);
  return std::move(protocol.plans);
}

// Reruns must not mix with an earlier study, but only a folder this generator made may be replaced: never delete
// DICOM a user happens to keep under the same name.
void clear_previous_study(const std::filesystem::path& output_directory, const std::filesystem::path& dicom_dir) {
  if (!std::filesystem::exists(dicom_dir) || std::filesystem::is_empty(dicom_dir)) return;
  const auto previous = output_directory / "truth" / "truth.json";
  bool ours = false;
  if (std::filesystem::exists(previous)) {
    const auto j = nlohmann::json::parse(core::read_text_file(previous), nullptr, false);
    ours = !j.is_discarded() && j.value("schema", "") == "myoscope-phantom-truth";
  }
  if (!ours)
    throw core::MyoError(dicom_dir.string(),
                         "already holds files not made by 'myoscope phantom'; choose an empty output folder");
  std::error_code ec;
  std::filesystem::remove_all(dicom_dir, ec);
  if (ec) throw core::MyoError(dicom_dir.string(), "cannot remove the previous study: " + ec.message());
}

std::vector<ImageComponent> components_for(const SeriesPlan& p, bool philips) {
  std::vector<ImageComponent> components;
  for (std::size_t n = 0; n < p.images.size(); ++n) {
    const auto& [role, volume] = p.images[n];
    ImageComponent c;
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
  return components;
}

// Folder layout of real media exports: Siemens/GE one folder per series with opaque names, Philips one flat DICOM
// folder of IM_nnnn files.
std::filesystem::path series_folder(const std::filesystem::path& dicom_dir, Vendor vendor, const SeriesPlan& p) {
  switch (vendor) {
    case Vendor::philips: return dicom_dir / "DICOM";
    case Vendor::ge: return dicom_dir / fmt::format("S{:05d}", p.tags.series_number);
    default: return dicom_dir / fmt::format("{:08X}", fnv1a(p.tags.series_instance_uid));
  }
}

void write_study(std::vector<SeriesPlan>& plans, Vendor vendor, const dicom::PatientStudyTags& study,
                 const std::filesystem::path& dicom_dir, PhantomResult& result) {
  result.dicom_directory = dicom_dir;
  for (auto& p : plans) {
    const auto files = write_vendor_series(components_for(p, vendor == Vendor::philips), study, p.tags,
                                           series_folder(dicom_dir, vendor, p));
    p.files = files.size();
    result.files.insert(result.files.end(), files.begin(), files.end());
  }
}

void write_truth(const nlohmann::json& document, const core::LabelVolume& labels,
                 const std::filesystem::path& output_directory) {
  const std::filesystem::path truth_dir = output_directory / "truth";
  std::error_code ec;
  std::filesystem::create_directories(truth_dir, ec);
  if (ec) throw core::MyoError(truth_dir.string(), "cannot create folder: " + ec.message());
  core::write_labels(labels, truth_dir / "labels.nii.gz");
  core::write_file_atomically(truth_dir / "truth.json", document.dump(2) + "\n");
}

}  // namespace

PhantomResult generate_study(const PhantomParams& params, const std::filesystem::path& output_directory) {
  const auto started = std::chrono::steady_clock::now();
  check_parameters(params, output_directory);
  const StudySetup setup = study_setup(params);
  const detail::Anatomy anatomy(params.seed, params.scenario, params.touching_thighs, params.visit,
                                params.months_after_first);
  const StudyImages images = render_study(anatomy, setup);
  const auto rendered_at = std::chrono::steady_clock::now();

  const dicom::PatientStudyTags study = study_tags(setup);
  std::vector<SeriesPlan> plans = plan_protocol(setup, images);
  const std::filesystem::path dicom_dir = output_directory / "dicom";
  clear_previous_study(output_directory, dicom_dir);
  PhantomResult result;
  write_study(plans, setup.vendor, study, dicom_dir, result);
  const auto written_at = std::chrono::steady_clock::now();

  // Truth: labels in the reference geometry and per-group statistics over the labelled voxels.
  detail::add_group_truth(params.dixon ? images.dixon : images.clinical, anatomy, params.t2_multi_echo, result.truth);
  const SeriesPlan* reference_plan = detail::describe_series(plans, params, result.truth);
  write_truth(detail::truth_document(setup, study, anatomy, plans, reference_plan, result.truth), result.truth.labels,
              output_directory);

  const auto finished = std::chrono::steady_clock::now();
  const auto seconds = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  log::info("phantom: {} {} seed {}: {} files; render {:.1f} s, write {:.1f} s, truth {:.1f} s",
            detail::vendor_name(setup.vendor), to_string(params.scenario), params.seed, result.files.size(),
            seconds(started, rendered_at), seconds(rendered_at, written_at), seconds(written_at, finished));
  return result;
}

}  // namespace myo::phantom
