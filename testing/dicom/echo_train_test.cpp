// Multi-echo spin-echo trains (water T2 mapping): how exports store them and how they break.
#include <gtest/gtest.h>

#include <algorithm>

#include "dicom_fixture.hpp"
#include "myo/dicom/load.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/testing/test_support.hpp"

namespace myo::dicom {
namespace {
namespace fs = std::filesystem;
using testing::SliceSpec;
using testing::TempDir;

std::vector<SeriesInfo> scan_series(const fs::path& p) {
  ScanOptions o;
  o.threads = 2;
  const auto r = scan(p, o);
  std::vector<SeriesInfo> out;
  for (const auto& st : r.studies) out.insert(out.end(), st.series.begin(), st.series.end());
  return out;
}

// A spin-echo slice whose every pixel holds 1000 - TE, so each echo can be recognised after loading.
SliceSpec spin_echo(double te_ms) {
  SliceSpec s;
  s.description = "t2_se_mc_tra";
  s.scanning_sequence = "SE";
  s.repetition_time_ms = 3000.0;
  s.echo_time_ms = te_ms;
  s.pixels.assign(static_cast<std::size_t>(s.rows * s.columns), static_cast<int>(1000 - te_ms));
  return s;
}

std::vector<SeriesInfo> members(const std::vector<SeriesInfo>& series, const std::vector<std::size_t>& train) {
  std::vector<SeriesInfo> out;
  for (const auto i : train) out.push_back(series[i]);
  return out;
}

// Siemens se_mc and Philips MSE: all echoes in one series; files written out of echo order.
TEST(EchoTrain, EchoesOfOneSeriesFormOneTrainSortedByEchoTime) {
  TempDir dir;
  for (const double te : {50.0, 10.0, 40.0, 20.0, 30.0})
    testing::write_stack(spin_echo(te), 4, 6.0, dir.path(), "E" + std::to_string(static_cast<int>(te)) + "_");
  const auto series = scan_series(dir.path());
  ASSERT_EQ(series.size(), 5U);
  for (const auto& s : series) {
    EXPECT_EQ(s.role, SeriesRole::t2_multi_echo) << s.role_reason;
    EXPECT_NE(s.role_reason.find("5 echo times, TE 10 to 50 ms"), std::string::npos) << s.role_reason;
  }
  const auto trains = find_echo_trains(series);
  ASSERT_EQ(trains.size(), 1U);
  ASSERT_EQ(trains[0].size(), 5U);
  auto loaded = load_echo_train(members(series, trains[0]));
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  const auto& train = loaded.value();
  EXPECT_EQ(train.echo_times_ms, (std::vector<double>{10, 20, 30, 40, 50}));
  ASSERT_EQ(train.echoes.size(), 5U);
  for (std::size_t e = 0; e < 5; ++e) {
    EXPECT_TRUE(train.echoes[e].geometry.same_grid(train.echoes[0].geometry));
    EXPECT_EQ(train.echoes[e].geometry.size[2], 4U);
    EXPECT_FLOAT_EQ(train.echoes[e].voxels[7], static_cast<float>(1000 - train.echo_times_ms[e]));
  }
}

// Some exports write one series per echo: same TR, grid and slice positions, three or more echo times. A T1 on the
// same grid (other TR) and a lone T2 elsewhere stay out.
TEST(EchoTrain, OneSeriesPerEchoSharingGeometryFormsOneTrain) {
  TempDir dir;
  int number = 10;
  for (const double te : {15.0, 30.0, 45.0, 60.0}) {
    auto s = spin_echo(te);
    s.series_uid = "1.2.826.0.1.3680043.2.1125.1.1." + std::to_string(number);
    s.series_number = number++;
    s.description = "Ax T2Map";
    testing::write_stack(s, 3, 6.0, dir.path() / s.description / std::to_string(s.series_number), "S");
  }
  auto t1 = spin_echo(12.0);
  t1.series_uid = "1.2.826.0.1.3680043.2.1125.1.1.90";
  t1.series_number = 90;
  t1.repetition_time_ms = 600.0;
  t1.description = "Ax T1";
  testing::write_stack(t1, 3, 6.0, dir.path() / "t1", "T");
  const auto series = scan_series(dir.path());
  ASSERT_EQ(series.size(), 5U);
  for (const auto& s : series) {
    SCOPED_TRACE(s.description + ": " + s.role_reason);
    EXPECT_EQ(s.role == SeriesRole::t2_multi_echo, s.series_number != 90);
  }
  const auto trains = find_echo_trains(series);
  ASSERT_EQ(trains.size(), 1U);
  auto loaded = load_echo_train(members(series, trains[0]));
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  EXPECT_EQ(loaded.value().echo_times_ms, (std::vector<double>{15, 30, 45, 60}));
}

// A clinical protocol with PD, T2 and T2 fat-sat spin echoes on one grid and one TR: three echo times, but three
// different acquisitions (other descriptions, uneven TEs), not a train.
TEST(EchoTrain, ClinicalSpinEchoSeriesOnOneGridAreNoTrain) {
  TempDir dir;
  int number = 20;
  for (const auto& [te, description] : std::vector<std::pair<double, std::string>>{
           {30.0, "PD_TSE_TRA"}, {80.0, "T2_TSE_FS_TRA"}, {90.0, "T2_TSE_TRA"}}) {
    auto s = spin_echo(te);
    s.series_uid = "1.2.826.0.1.3680043.2.1125.1.1." + std::to_string(number);
    s.series_number = number++;
    s.description = description;
    testing::write_stack(s, 3, 6.0, dir.path() / description, "S");
  }
  const auto series = scan_series(dir.path());
  ASSERT_EQ(series.size(), 3U);
  for (const auto& s : series) EXPECT_NE(s.role, SeriesRole::t2_multi_echo) << s.description << ": " << s.role_reason;
  EXPECT_TRUE(find_echo_trains(series).empty());
}

// A PD/T2 double echo (two echo times) keeps its single-echo roles, and a multi-echo gradient echo is no T2 train.
TEST(EchoTrain, DoubleEchoAndGradientEchoesAreNoTrain) {
  TempDir dir;
  for (const double te : {16.0, 80.0}) testing::write_stack(spin_echo(te), 3, 6.0, dir.path() / "pd_t2", "P" + std::to_string(te));
  for (const double te : {2.3, 4.6, 6.9}) {
    auto s = spin_echo(te);
    s.series_uid = "1.2.826.0.1.3680043.2.1125.1.1.55";
    s.series_number = 55;
    s.scanning_sequence = "GR";
    s.description = "me_gre";
    testing::write_stack(s, 3, 6.0, dir.path() / "gre", "G" + std::to_string(te));
  }
  const auto series = scan_series(dir.path());
  ASSERT_EQ(series.size(), 5U);
  for (const auto& s : series) {
    SCOPED_TRACE(s.description + ": " + s.role_reason);
    EXPECT_NE(s.role, SeriesRole::t2_multi_echo);
    if (s.series_number == 1 && *s.echo_time_ms > 60) {
      EXPECT_EQ(s.role, SeriesRole::t2);  // as before
    }
  }
  EXPECT_TRUE(find_echo_trains(series).empty());
}

// An incomplete transfer: one echo lacks a slice. The train is refused with the series and the echo named.
TEST(EchoTrain, EchoMissingAtASliceIsAnErrorNamingTheSeries) {
  TempDir dir;
  std::vector<fs::path> te30;
  for (const double te : {10.0, 20.0, 30.0, 40.0}) {
    const auto files = testing::write_stack(spin_echo(te), 4, 6.0, dir.path(), "E" + std::to_string(static_cast<int>(te)) + "_");
    if (te == 30.0) te30 = files;
  }
  fs::remove(te30[2]);
  const auto series = scan_series(dir.path());
  const auto trains = find_echo_trains(series);
  ASSERT_EQ(trains.size(), 1U) << "an incomplete train is still recognised, so that loading can say what is wrong";
  const auto loaded = load_echo_train(members(series, trains[0]));
  ASSERT_FALSE(loaded.ok());
  const std::string message = loaded.error().what();
  EXPECT_NE(message.find("1.2.826.0.1.3680043.2.1125.1.1.1"), std::string::npos) << message;
  EXPECT_NE(message.find("t2_se_mc_tra"), std::string::npos) << message;
  EXPECT_NE(message.find("TE 30 ms has 3 slices"), std::string::npos) << message;
}

// Echoes with equal counts but at other slice positions cannot be fitted voxel by voxel.
TEST(EchoTrain, EchoAtOtherSlicePositionsIsAnError) {
  TempDir dir;
  for (const double te : {10.0, 20.0, 30.0}) {
    auto s = spin_echo(te);
    if (te == 20.0) s.position = {0, 0, 3.0};
    testing::write_stack(s, 4, 6.0, dir.path(), "E" + std::to_string(static_cast<int>(te)) + "_");
  }
  const auto series = scan_series(dir.path());
  const auto trains = find_echo_trains(series);
  ASSERT_EQ(trains.size(), 1U);
  const auto loaded = load_echo_train(members(series, trains[0]));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(std::string(loaded.error().what()).find("TE 20 ms lies on another grid"), std::string::npos)
      << loaded.error().what();
}

}  // namespace
}  // namespace myo::dicom
