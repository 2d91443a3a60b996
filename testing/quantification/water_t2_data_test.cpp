// Real data for water T2 (../shared/data/muscle-mri): the MuscleMap calf double echo (TE 16/56 ms) with its own T2
// map, and the QMRITools demo multi-echo spin echo of the calves. Both skip when the folder is absent.
#include <gtest/gtest.h>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <iostream>

#include "myo/core/nifti_io.hpp"
#include "myo/dicom/load.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/dicom/write.hpp"
#include "myo/phantom/vendor_series.hpp"
#include "myo/core/statistics.hpp"
#include "myo/quantification/water_t2.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;
namespace fs = std::filesystem;

namespace {

// A 4D NIfTI-1 (.nii.gz) read as it is stored: one 3D volume per index of the 4th dimension, in file order. The
// library reads 3D images only; T2data.nii.gz is 4D.
struct Nifti4d {
  std::array<std::size_t, 4> dim{};
  std::array<double, 3> spacing_mm{};
  std::vector<std::vector<float>> volumes;
};

Nifti4d read_nifti_4d(const fs::path& path) {
  gzFile f = gzopen(path.string().c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path.string());
  std::vector<unsigned char> bytes;
  std::array<unsigned char, 1 << 16> buffer{};
  int n = 0;
  while ((n = gzread(f, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
    bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + n);
  gzclose(f);
  if (bytes.size() < 352) throw std::runtime_error(path.string() + ": too short for NIfTI-1");
  const auto get = [&](std::size_t offset, auto value) {
    std::memcpy(&value, bytes.data() + offset, sizeof(value));
    return value;
  };
  if (get(0, std::int32_t{}) != 348) throw std::runtime_error(path.string() + ": not little-endian NIfTI-1");
  Nifti4d out;
  for (std::size_t d = 0; d < 4; ++d) out.dim[d] = static_cast<std::size_t>(std::max<std::int16_t>(1, get(42 + 2 * d, std::int16_t{})));
  for (std::size_t d = 0; d < 3; ++d) out.spacing_mm[d] = get(80 + 4 * d, float{});
  const auto datatype = get(70, std::int16_t{});
  const auto offset = static_cast<std::size_t>(get(108, float{}));
  const std::size_t per_volume = out.dim[0] * out.dim[1] * out.dim[2];
  const std::size_t size = datatype == 4 || datatype == 512 ? 2 : datatype == 16 ? 4 : datatype == 64 ? 8 : 0;
  if (size == 0) throw std::runtime_error(path.string() + ": unsupported NIfTI datatype " + std::to_string(datatype));
  if (bytes.size() < offset + per_volume * out.dim[3] * size) throw std::runtime_error(path.string() + ": truncated");
  for (std::size_t t = 0; t < out.dim[3]; ++t) {
    std::vector<float> v(per_volume);
    for (std::size_t i = 0; i < per_volume; ++i) {
      const std::size_t at = offset + (t * per_volume + i) * size;
      switch (datatype) {
        case 4: v[i] = static_cast<float>(get(at, std::int16_t{})); break;
        case 512: v[i] = static_cast<float>(get(at, std::uint16_t{})); break;
        case 16: v[i] = get(at, float{}); break;
        default: v[i] = static_cast<float>(get(at, double{})); break;
      }
    }
    out.volumes.push_back(std::move(v));
  }
  return out;
}

// The QMRITools demo series reinterpreted (see the test below): 13 slices of 17 echoes, stored echo-fastest.
struct DemoTrain {
  Nifti4d raw;
  std::vector<core::ImageVolume> echoes;
  std::vector<double> te_ms;
};

DemoTrain read_demo_train(const fs::path& file) {
  DemoTrain d;
  d.raw = read_nifti_4d(file);
  const auto& raw = d.raw;
  const std::size_t nx = raw.dim[0], ny = raw.dim[1], nz = raw.dim[2], per_slice = nx * ny;
  constexpr std::size_t kEchoes = 17;
  constexpr double kSpacingMs = 7.7;
  // Image n in file order lives in volume n / nz, slice n % nz.
  const auto image = [&](std::size_t n) { return raw.volumes[n / nz].data() + (n % nz) * per_slice; };
  core::Geometry g;
  g.size = {nx, ny, nz};
  g.spacing_mm = {raw.spacing_mm[0], raw.spacing_mm[1], raw.spacing_mm[2]};
  d.echoes.assign(kEchoes, core::ImageVolume(g, 0.0F));
  for (std::size_t e = 0; e < kEchoes; ++e) {
    d.te_ms.push_back(kSpacingMs * static_cast<double>(e + 1));
    for (std::size_t s = 0; s < nz; ++s)
      std::copy_n(image(kEchoes * s + e), per_slice, d.echoes[e].voxels.data() + s * per_slice);
  }
  return d;
}

core::MaskVolume demo_tissue(const DemoTrain& d) {
  std::vector<float> second(d.echoes[1].voxels);
  const double level = 0.2 * core::percentile(second, 0.99);
  core::MaskVolume tissue(d.echoes[1].geometry, 0);
  for (std::size_t i = 0; i < tissue.voxels.size(); ++i) tissue.voxels[i] = d.echoes[1].voxels[i] > level ? 1 : 0;
  return tissue;
}

double median_of(std::vector<float> v) { return v.empty() ? 0.0 : core::percentile(v, 0.5); }

// Muscle and fat in a T2 map of a limb: Otsu's split of the fitted T2 between 10 and 150 ms separates muscle (short)
// from fat (long T2 of a mono-exponential fit); returns the split.
double muscle_fat_split(const core::ImageVolume& t2, const std::vector<std::uint8_t>& where) {
  std::vector<float> values;
  for (std::size_t i = 0; i < t2.voxels.size(); ++i)
    if (where[i] && t2.voxels[i] > 0) values.push_back(t2.voxels[i]);
  return core::otsu_threshold(values, 10.0, 150.0);
}

}  // namespace

// MuscleMap's reference T2 map is the two-point mono-exponential T2 = (56 - 16) ms / ln(S16/S56) of the registered
// echoes. Our fit of the same echoes (both kept: two echoes, no first-echo drop; no fat map) must reproduce it.
TEST(WaterT2Data, MuscleMapCalfDoubleEchoReproducesTheReferenceT2Map) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto base = data / "muscle-mri" / "swastling-musclemap" / "t2" / "output";
  if (!fs::exists(base / "t2.nii.gz")) GTEST_SKIP() << base.string() << " is absent: real-data test skipped";
  const auto te16 = core::read_image(base / "t2_te16ms_r.nii.gz");
  const auto te56 = core::read_image(base / "t2_te56ms_r.nii.gz");
  const auto reference = core::read_image(base / "t2.nii.gz");
  const auto mask_image = core::read_image(base / "mask.nii.gz");
  ASSERT_TRUE(te16.geometry.same_grid(reference.geometry));
  ASSERT_TRUE(te16.geometry.same_grid(mask_image.geometry));
  core::MaskVolume mask(te16.geometry, 0);
  for (std::size_t i = 0; i < mask.voxels.size(); ++i) mask.voxels[i] = mask_image.voxels[i] > 0.5F ? 1 : 0;

  quantification::WaterT2Params params;
  params.skip_first_echo = false;
  const auto fit = quantification::fit_water_t2({te16, te56}, {16.0, 56.0}, &mask, nullptr, params);

  // Compared where both maps hold a T2 inside our search range (the reference clips at 0 and 200 ms).
  std::size_t compared = 0, in_mask = 0, in_range = 0;
  double abs_sum = 0, sum = 0;
  for (std::size_t i = 0; i < mask.voxels.size(); ++i) {
    if (!mask.voxels[i]) continue;
    ++in_mask;
    const double ours = fit.water_t2_ms.voxels[i], ref = reference.voxels[i];
    if (ref <= 10.5 || ref >= 148) continue;
    ++in_range;
    if (ours <= 0) continue;
    abs_sum += std::abs(ours - ref);
    sum += ours - ref;
    ++compared;
  }
  ASSERT_GT(compared, 0.99 * static_cast<double>(in_range));
  const double mae = abs_sum / static_cast<double>(compared), bias = sum / static_cast<double>(compared);
  std::vector<std::uint8_t> where(mask.voxels.begin(), mask.voxels.end());
  const double split = muscle_fat_split(fit.water_t2_ms, where);
  std::vector<float> muscle, reference_muscle;
  for (std::size_t i = 0; i < mask.voxels.size(); ++i)
    if (mask.voxels[i] && fit.water_t2_ms.voxels[i] > 0 && fit.water_t2_ms.voxels[i] < split) {
      muscle.push_back(fit.water_t2_ms.voxels[i]);
      reference_muscle.push_back(reference.voxels[i]);
    }
  std::cout << "MuscleMap calf TE 16/56 ms: " << compared << " of " << in_mask << " mask voxels compared (" << in_range
            << " with a reference T2 of 10.5-148 ms), MAE " << mae
            << " ms, bias " << bias << " ms; muscle (T2 below the muscle/fat split " << split << " ms, "
            << muscle.size() << " voxels): median T2 " << median_of(muscle) << " ms (reference map "
            << median_of(reference_muscle) << " ms)\n";
  EXPECT_LT(mae, 0.05);
  EXPECT_LT(std::abs(bias), 0.05);
  EXPECT_NEAR(median_of(muscle), median_of(reference_muscle), 0.05);
  // Healthy calf muscle from a mono-exponential double echo (48.6 ms here): above the 30-35 ms of water T2, since
  // neither the few percent of fat nor the stimulated echo in the second echo is separated by two points.
  EXPECT_GT(median_of(muscle), 35.0);
  EXPECT_LT(median_of(muscle), 55.0);
}

// The QMRITools demo "T2data" (160 x 160 x 13 x 18, pixdim[4] = 7.7 ms) does not hold 18 echoes along its 4th
// dimension: its 234 images are stored echo-fastest, i.e. image n = 17 x slice + echo for 13 slices of 17 echoes,
// followed by 13 images that are no echoes (they do not decay and do not match the anatomy of any slice). Read as
// stored, the "echo" axis jumps up and down; reinterpreted, every slice decays smoothly from the second echo on,
// with the first echo below the second: the stimulated-echo signature of a real multi-echo spin-echo train, which is
// why the fit drops the first echo.
TEST(WaterT2Data, QmriToolsDemoReinterpretedAsSeventeenEchoesDecaysAndGivesMuscleT2) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto file = data / "muscle-mri" / "qmritools-demo" / "T2data.nii.gz";
  if (!fs::exists(file)) GTEST_SKIP() << file.string() << " is absent: real-data test skipped";
  const auto demo = read_demo_train(file);
  const auto& raw = demo.raw;
  ASSERT_EQ(raw.dim, (std::array<std::size_t, 4>{160, 160, 13, 18}));
  const std::size_t nz = raw.dim[2], per_slice = raw.dim[0] * raw.dim[1];
  constexpr std::size_t kEchoes = 17;
  const auto& echoes = demo.echoes;
  const auto& te = demo.te_ms;
  const auto tissue = demo_tissue(demo);
  const auto tissue_count = static_cast<std::size_t>(std::count(tissue.voxels.begin(), tissue.voxels.end(), 1));
  ASSERT_GT(tissue_count, 10000U);

  // Decay along the reinterpreted echoes vs along the file's 4th dimension (median ratio of consecutive images).
  const auto median_ratio = [&](const float* a, const float* b, std::size_t slice) {
    std::vector<float> r;
    for (std::size_t p = 0; p < per_slice; ++p)
      if (tissue.voxels[slice * per_slice + p] && a[p] > 0) r.push_back(b[p] / a[p]);
    return median_of(r);
  };
  int rises_reinterpreted = 0, rises_as_stored = 0;
  std::vector<float> first_over_second;
  for (std::size_t s = 0; s < nz; ++s) {
    for (std::size_t e = 1; e + 1 < kEchoes; ++e)
      if (median_ratio(echoes[e].voxels.data() + s * per_slice, echoes[e + 1].voxels.data() + s * per_slice, s) > 1.0)
        ++rises_reinterpreted;
    for (std::size_t t = 0; t + 1 < raw.dim[3]; ++t)
      if (median_ratio(raw.volumes[t].data() + s * per_slice, raw.volumes[t + 1].data() + s * per_slice, s) > 1.0)
        ++rises_as_stored;
    first_over_second.push_back(static_cast<float>(
        1.0 / median_ratio(echoes[0].voxels.data() + s * per_slice, echoes[1].voxels.data() + s * per_slice, s)));
  }
  EXPECT_EQ(rises_reinterpreted, 0) << "a reinterpreted train rises between echoes";
  EXPECT_GT(rises_as_stored, 13 * 17 / 4) << "read as stored, the 4th dimension should not decay";
  const double s1_over_s2 = median_of(first_over_second);
  EXPECT_LT(s1_over_s2, 1.0) << "first echo below the second: stimulated echoes";

  // Mono-exponential (no fat map for this series), first echo dropped and kept.
  const auto dropped = quantification::fit_water_t2(echoes, te, &tissue, nullptr);
  quantification::WaterT2Params keep;
  keep.skip_first_echo = false;
  const auto kept = quantification::fit_water_t2(echoes, te, &tissue, nullptr, keep);
  std::vector<std::uint8_t> where(tissue.voxels.begin(), tissue.voxels.end());
  const double split = muscle_fat_split(dropped.water_t2_ms, where);
  std::vector<float> muscle_dropped, muscle_kept;
  for (std::size_t i = 0; i < tissue.voxels.size(); ++i)
    if (tissue.voxels[i] && dropped.water_t2_ms.voxels[i] > 0 && dropped.water_t2_ms.voxels[i] < split) {
      muscle_dropped.push_back(dropped.water_t2_ms.voxels[i]);
      if (kept.water_t2_ms.voxels[i] > 0) muscle_kept.push_back(kept.water_t2_ms.voxels[i]);
    }
  const auto sigma = quantification::echo_noise_sigma(echoes);
  std::cout << "QMRITools demo: 13 slices x 17 echoes (TE 7.7-130.9 ms); first/second echo in tissue "
            << s1_over_s2 << "; muscle/fat split " << split << " ms; muscle (" << muscle_dropped.size()
            << " voxels) median T2 " << median_of(muscle_dropped) << " ms with the first echo dropped, "
            << median_of(muscle_kept) << " ms with it kept; noise sigma " << (sigma ? *sigma : -1.0) << "\n";
  EXPECT_GT(median_of(muscle_dropped), 25.0);
  EXPECT_LT(median_of(muscle_dropped), 45.0);
  EXPECT_GT(muscle_dropped.size(), 5000U);
}

// The same real echoes end to end through DICOM: written as one Siemens-style multi-echo spin-echo series (17 echo
// times, EchoNumbers 1..17), scanned, recognised as one train, loaded sorted by TE and fitted: the DICOM path gives
// the voxel values and the muscle T2 of the direct fit.
TEST(WaterT2Data, QmriToolsDemoThroughDicomIsOneTrainWithTheSameT2) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto file = data / "muscle-mri" / "qmritools-demo" / "T2data.nii.gz";
  if (!fs::exists(file)) GTEST_SKIP() << file.string() << " is absent: real-data test skipped";
  const auto demo = read_demo_train(file);
  myo::testing::TempDir dir;
  std::vector<phantom::ImageComponent> components;
  for (std::size_t e = 0; e < demo.echoes.size(); ++e) {
    phantom::ImageComponent c;
    c.role = dicom::SeriesRole::t2_multi_echo;
    c.volume = &demo.echoes[e];
    c.echo_time_ms = demo.te_ms[e];
    c.echo_number = static_cast<int>(e) + 1;
    components.push_back(c);
  }
  phantom::SeriesTags tags;
  tags.vendor = dicom::Vendor::siemens;
  tags.series_number = 9;
  tags.echo_time_ms = demo.te_ms.front();
  tags.repetition_time_ms = 2500.0;
  (void)phantom::write_vendor_series(components, {}, tags, dir.path() / "dicom");
  dicom::ScanOptions options;
  options.threads = 2;
  const auto scanned = dicom::scan(dir.path() / "dicom", options);
  ASSERT_EQ(scanned.studies.size(), 1U);
  const auto& series = scanned.studies.front().series;
  const auto trains = dicom::find_echo_trains(series);
  ASSERT_EQ(trains.size(), 1U);
  ASSERT_EQ(trains[0].size(), demo.echoes.size());
  std::vector<dicom::SeriesInfo> members;
  for (const auto i : trains[0]) members.push_back(series[i]);
  auto loaded = dicom::load_echo_train(members);
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  const auto& train = loaded.value();
  ASSERT_EQ(train.echo_times_ms.size(), demo.te_ms.size());
  for (std::size_t e = 0; e < demo.te_ms.size(); ++e) {
    EXPECT_NEAR(train.echo_times_ms[e], demo.te_ms[e], 1e-6);
    double worst = 0;
    for (std::size_t i = 0; i < train.echoes[e].voxels.size(); ++i)
      worst = std::max(worst, std::abs(static_cast<double>(train.echoes[e].voxels[i] - demo.echoes[e].voxels[i])));
    EXPECT_LT(worst, 0.51) << "echo " << e;  // integer storage of integer data (plus the writer's rescale)
  }
  const auto tissue = demo_tissue(demo);
  core::MaskVolume tissue_on_dicom(train.echoes.front().geometry, 0);
  tissue_on_dicom.voxels = tissue.voxels;
  const auto direct = quantification::fit_water_t2(demo.echoes, demo.te_ms, &tissue, nullptr);
  const auto via_dicom = quantification::fit_water_t2(train.echoes, train.echo_times_ms, &tissue_on_dicom, nullptr);
  std::vector<float> a, b;
  for (std::size_t i = 0; i < tissue.voxels.size(); ++i) {
    if (direct.water_t2_ms.voxels[i] > 0) a.push_back(direct.water_t2_ms.voxels[i]);
    if (via_dicom.water_t2_ms.voxels[i] > 0) b.push_back(via_dicom.water_t2_ms.voxels[i]);
  }
  EXPECT_NEAR(median_of(b), median_of(a), 0.05);
}
