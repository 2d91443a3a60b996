// Raw Dixon echoes (issue #20): multi-echo gradient-echo magnitude and phase, as each vendor exports them (written by
// the study generator's writer, libs/phantom/vendor_conventions.md), must take role dixon_echo, group into one
// acquisition and load with the phase in radians; echo times that cannot separate water and fat, or a study without
// field strength, must not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "myo/dicom/load.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/dicom/write.hpp"
#include "myo/phantom/vendor_series.hpp"
#include "myo/testing/test_support.hpp"

namespace myo::dicom {
namespace {
namespace fs = std::filesystem;
using phantom::ImageComponent;  // the study generator writes these series as each vendor does
using phantom::SeriesTags;
using phantom::write_vendor_series;
constexpr double kPi = 3.141592653589793;

core::Geometry grid() {
  core::Geometry g;
  g.size = {8, 6, 5};
  g.spacing_mm = {2.0, 2.0, 4.0};
  g.origin_mm = {-8.0, -6.0, 50.0};
  return g;
}

core::ImageVolume magnitude(double te) {
  core::ImageVolume v(grid());
  for (std::size_t i = 0; i < v.voxels.size(); ++i) v.voxels[i] = static_cast<float>(300 + 7 * (i % 13) + te);
  return v;
}

// Phase in radians, -pi..pi, varying over the volume and with the echo.
core::ImageVolume phase_rad(double te) {
  core::ImageVolume v(grid());
  for (std::size_t i = 0; i < v.voxels.size(); ++i)
    v.voxels[i] = static_cast<float>(std::remainder(0.37 * static_cast<double>(i) + te, 2 * kPi));
  return v;
}

// The phase as the vendor stores it (what the generator hands the writer).
core::ImageVolume in_vendor_units(core::ImageVolume phase, Vendor vendor) {
  const double factor = vendor == Vendor::ge ? 1000.0 : vendor == Vendor::philips ? 1.0 : 4096.0 / kPi;
  for (auto& v : phase.voxels) v = static_cast<float>(std::clamp(v * factor, -4096.0, 4094.0));
  return phase;
}

struct Written {
  std::vector<core::ImageVolume> magnitudes, phases;
};

// Writes the echoes the way `vendor` exports them: Siemens a magnitude and a phase series, GE one series per echo
// holding both, Philips one series holding all.
void write_echoes(Vendor vendor, const std::vector<double>& tes, const fs::path& dir, std::optional<double> field_t,
                  Written& keep) {
  PatientStudyTags study;
  study.study_instance_uid = new_uid();
  study.frame_of_reference_uid = new_uid();
  if (field_t) study.magnetic_field_strength_t = *field_t;
  keep.magnitudes.clear(), keep.phases.clear();
  for (const double te : tes) {
    keep.magnitudes.push_back(magnitude(te));
    keep.phases.push_back(in_vendor_units(phase_rad(te), vendor));
  }
  const auto component = [&](std::size_t e, bool phase) {
    ImageComponent c;
    c.role = SeriesRole::dixon_echo;
    c.volume = phase ? &keep.phases[e] : &keep.magnitudes[e];
    c.echo_time_ms = tes[e];
    c.echo_number = static_cast<int>(e) + 1;
    c.phase = phase;
    return c;
  };
  const auto write = [&](std::vector<ImageComponent> components, int number) {
    SeriesTags tags;
    tags.vendor = vendor;
    tags.series_number = number;
    tags.repetition_time_ms = 6.5;
    tags.three_d = true;
    (void)write_vendor_series(components, study, tags, dir / std::to_string(number));
  };
  if (vendor == Vendor::siemens) {
    std::vector<ImageComponent> m, p;
    for (std::size_t e = 0; e < tes.size(); ++e) m.push_back(component(e, false)), p.push_back(component(e, true));
    write(m, 2), write(p, 3);
  } else if (vendor == Vendor::ge) {
    for (std::size_t e = 0; e < tes.size(); ++e)
      write({component(e, false), component(e, true)}, 10 + static_cast<int>(e));
  } else {
    std::vector<ImageComponent> all;
    for (std::size_t e = 0; e < tes.size(); ++e) all.push_back(component(e, false)), all.push_back(component(e, true));
    write(all, 201);
  }
}

std::vector<SeriesInfo> all_series(const ScanResult& r) {
  std::vector<SeriesInfo> out;
  for (const auto& st : r.studies) out.insert(out.end(), st.series.begin(), st.series.end());
  return out;
}

class DixonEchoes : public ::testing::TestWithParam<Vendor> {};

TEST_P(DixonEchoes, AreRecognisedGroupedAndLoadedInRadians) {
  const Vendor vendor = GetParam();
  testing::TempDir dir;
  const std::vector<double> tes{1.15, 2.3, 3.45};
  Written keep;
  write_echoes(vendor, tes, dir.path(), 3.0, keep);
  const auto series = all_series(scan(dir.path()));
  ASSERT_EQ(series.size(), 6U);
  for (const auto& s : series) EXPECT_EQ(s.role, SeriesRole::dixon_echo) << s.description << ": " << s.role_reason;
  const auto sets = find_dixon_echo_sets(series);
  ASSERT_EQ(sets.size(), 1U);
  std::vector<SeriesInfo> parts;
  for (const auto i : sets.front()) parts.push_back(series[i]);
  const auto loaded = load_dixon_echoes(parts);
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  const auto& echoes = loaded.value();
  EXPECT_EQ(echoes.echo_times_ms, tes);
  ASSERT_TRUE(echoes.magnetic_field_strength_t);
  EXPECT_NEAR(*echoes.magnetic_field_strength_t, 3.0, 1e-6);
  for (std::size_t e = 0; e < tes.size(); ++e) {
    const auto expected = phase_rad(tes[e]);
    double worst_phase = 0, worst_magnitude = 0;
    for (std::size_t i = 0; i < expected.voxels.size(); ++i) {
      // Phases agree up to a constant (the 0..4095 reading starts at -pi): compare against the first voxel's offset.
      const double offset = echoes.phase_rad[e].voxels[0] - expected.voxels[0];
      worst_phase = std::max(
          worst_phase, std::abs(std::remainder(echoes.phase_rad[e].voxels[i] - expected.voxels[i] - offset, 2 * kPi)));
      worst_magnitude =
          std::max(worst_magnitude, std::abs(double(echoes.magnitude[e].voxels[i]) - keep.magnitudes[e].voxels[i]));
    }
    EXPECT_LT(worst_phase, 0.01) << "echo " << e << ", phase read as " << echoes.phase_scale;
    EXPECT_LT(worst_magnitude, 1.0) << "echo " << e;
  }
}

INSTANTIATE_TEST_SUITE_P(Vendors, DixonEchoes, ::testing::Values(Vendor::siemens, Vendor::ge, Vendor::philips),
                         [](const ::testing::TestParamInfo<Vendor>& p) { return std::string(to_string(p.param)); });

TEST(DixonEchoRoles, EchoTimesThatCannotSeparateWaterAndFatKeepTheirRoles) {
  // In phase at every echo (a B0 field map: 2.3 and 4.6 ms at 3 T, like dcm_qa_philips_enh's series 2001), echoes
  // further apart than fat's period (5 ms, SWI-like), and a study without MagneticFieldStrength.
  for (const auto& [tes, field] : {std::pair{std::vector<double>{2.3, 4.6}, std::optional<double>(3.0)},
                                   std::pair{std::vector<double>{5.0, 10.0, 15.0}, std::optional<double>(3.0)},
                                   std::pair{std::vector<double>{1.15, 2.3, 3.45}, std::optional<double>(0.0)}}) {
    testing::TempDir dir;
    Written keep;
    write_echoes(Vendor::siemens, tes, dir.path(), field, keep);
    for (const auto& s : all_series(scan(dir.path())))
      EXPECT_NE(s.role, SeriesRole::dixon_echo) << "TE " << tes.front() << ".." << tes.back() << ": " << s.role_reason;
  }
}

TEST(DixonEchoRoles, AnEchoWithoutItsPhaseIsAnErrorNamingTheSeries) {
  testing::TempDir dir;
  Written keep;
  write_echoes(Vendor::siemens, {1.15, 2.3, 3.45}, dir.path(), 3.0, keep);
  auto series = all_series(scan(dir.path()));
  std::vector<SeriesInfo> parts;
  for (const auto& s : series)
    if (!(is_phase_part(s) && s.echo_time_ms && std::abs(*s.echo_time_ms - 2.3) < 1e-6)) parts.push_back(s);
  const auto loaded = load_dixon_echoes(parts);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().what().find("TE 2.3 ms has no phase image"), std::string::npos) << loaded.error().what();
  EXPECT_NE(loaded.error().subject.find("series"), std::string::npos) << loaded.error().what();
}

}  // namespace
}  // namespace myo::dicom
