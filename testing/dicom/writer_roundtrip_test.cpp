// The study generator's DICOM (write_vendor_series, vendor conventions in libs/phantom/vendor_conventions.md) read back by
// the scanner: every vendor's Dixon, STIR, T1 and localizer series must get its role, its geometry and its values.
// Guards the contract between the writer's and the reader's vendor knowledge.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

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

core::ImageVolume ramp(float offset) {
  core::Geometry g;
  g.size = {6, 5, 4};
  g.spacing_mm = {1.5, 1.25, 5.0};
  g.origin_mm = {-50.0, -40.0, 100.0};
  core::ImageVolume v(g);
  for (std::size_t i = 0; i < v.voxels.size(); ++i) v.voxels[i] = offset + static_cast<float>(i % 97);
  return v;
}

std::vector<SeriesInfo> all_series(const ScanResult& r) {
  std::vector<SeriesInfo> out;
  for (const auto& st : r.studies) out.insert(out.end(), st.series.begin(), st.series.end());
  return out;
}

void expect_same_volume(const core::ImageVolume& expected, const core::ImageVolume& actual) {
  ASSERT_TRUE(expected.geometry.same_grid(actual.geometry, 1e-3))
      << expected.geometry.describe() << " vs " << actual.geometry.describe();
  double worst = 0;
  for (std::size_t i = 0; i < expected.voxels.size(); ++i) {
    worst = std::max(worst, std::abs(double(expected.voxels[i]) - double(actual.voxels[i])));
  }
  // The writer stores integers with rescale (Philips: 12 bits), so values come back within half a storage step.
  const auto [lo, hi] = std::minmax_element(expected.voxels.begin(), expected.voxels.end());
  const double span = std::max({1.0, double(*hi - *lo), std::abs(double(*hi)), std::abs(double(*lo))});
  const double half_step = 0.51 * span / 4095.0;
  EXPECT_LE(worst, std::max(0.05, half_step)) << "largest voxel difference";
}

class WriterRoundTrip : public ::testing::TestWithParam<Vendor> {};

TEST_P(WriterRoundTrip, RolesGeometryAndValuesSurvive) {
  const Vendor vendor = GetParam();
  testing::TempDir dir;
  PatientStudyTags study;
  study.study_instance_uid = new_uid();  // one study for all series (empty means a new study per call)
  study.frame_of_reference_uid = new_uid();
  const auto water = ramp(100.0F);
  const auto fat = ramp(20.0F);
  const auto in_phase = ramp(120.0F);
  const auto opposed = ramp(80.0F);
  const auto stir = ramp(300.0F);
  const auto t1 = ramp(500.0F);
  int number = 1;
  const auto write = [&](std::vector<ImageComponent> components, SeriesTags tags, const std::string& folder) {
    tags.vendor = vendor;
    tags.series_number = number++;
    (void)write_vendor_series(components, study, tags, dir.path() / folder);
  };
  SeriesTags dixon;
  dixon.echo_time_ms = 2.46;
  dixon.repetition_time_ms = 6.0;
  dixon.three_d = true;
  if (vendor == Vendor::philips) {
    // mDIXON: all four reconstructions in ONE series, IP/OP at their own echo times.
    write({{SeriesRole::dixon_water, &water, std::nullopt, 1},
           {SeriesRole::dixon_fat, &fat, std::nullopt, 1},
           {SeriesRole::dixon_in_phase, &in_phase, 2.3, 2},
           {SeriesRole::dixon_opposed_phase, &opposed, 1.15, 1}},
          dixon, "dixon");
  } else {
    write({{SeriesRole::dixon_water, &water, std::nullopt, 1}}, dixon, "w");
    write({{SeriesRole::dixon_fat, &fat, std::nullopt, 1}}, dixon, "f");
    write({{SeriesRole::dixon_in_phase, &in_phase, std::nullopt, 1}}, dixon, "ip");
    write({{SeriesRole::dixon_opposed_phase, &opposed, std::nullopt, 1}}, dixon, "op");
  }
  SeriesTags stir_tags;
  stir_tags.echo_time_ms = 40.0;
  stir_tags.repetition_time_ms = 4000.0;
  stir_tags.inversion_time_ms = 160.0;
  write({{SeriesRole::stir, &stir, std::nullopt, 1}}, stir_tags, "stir");
  SeriesTags t1_tags;
  t1_tags.echo_time_ms = 12.0;
  t1_tags.repetition_time_ms = 600.0;
  write({{SeriesRole::t1, &t1, std::nullopt, 1}}, t1_tags, "t1");
  SeriesTags loc_tags;
  loc_tags.localizer = true;
  loc_tags.echo_time_ms = 1.5;
  loc_tags.repetition_time_ms = 4.0;
  write({{SeriesRole::localizer, &t1, std::nullopt, 1}}, loc_tags, "loc");

  const auto result = scan(dir.path());
  EXPECT_TRUE(result.problems.empty());
  ASSERT_EQ(result.studies.size(), 1U);
  const std::map<SeriesRole, const core::ImageVolume*> expected{
      {SeriesRole::dixon_water, &water}, {SeriesRole::dixon_fat, &fat},    {SeriesRole::dixon_in_phase, &in_phase},
      {SeriesRole::dixon_opposed_phase, &opposed}, {SeriesRole::stir, &stir}, {SeriesRole::t1, &t1},
      {SeriesRole::localizer, &t1}};
  std::map<SeriesRole, int> found;
  for (const auto& s : all_series(result)) {
    SCOPED_TRACE(std::string(to_string(vendor)) + " series " + std::to_string(s.series_number) + " '" + s.description +
                 "' role " + to_string(s.role) + " because " + s.role_reason);
    EXPECT_EQ(s.vendor, vendor);
    ++found[s.role];
    const auto it = expected.find(s.role);
    ASSERT_NE(it, expected.end());
    const auto loaded = load_series(s);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    expect_same_volume(*it->second, loaded.value().volume);
  }
  for (const auto& [role, volume] : expected) EXPECT_EQ(found[role], 1) << to_string(vendor) << " " << to_string(role);
}

INSTANTIATE_TEST_SUITE_P(DicomWriterRoundTrip, WriterRoundTrip,
                         ::testing::Values(Vendor::siemens, Vendor::philips, Vendor::ge),
                         [](const ::testing::TestParamInfo<Vendor>& param_info) { return std::string(to_string(param_info.param)); });

}  // namespace
}  // namespace myo::dicom
