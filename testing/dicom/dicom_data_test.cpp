// Real scanner files (../shared/data/dicom-qa, the dcm_qa sets of dcm2niix) compared voxel by voxel and in physical
// space with dcm2niix's reference NIfTI. dcm2niix may flip or permute axes, so each reference voxel centre is looked
// up in our volume by its LPS position (ITK reads NIfTI into LPS).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "myo/core/nifti_io.hpp"
#include "myo/dicom/convert.hpp"
#include "myo/dicom/load.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/testing/test_support.hpp"

namespace myo::dicom {
namespace {
namespace fs = std::filesystem;

struct Comparison {
  std::size_t voxels = 0;
  std::size_t outside = 0;          // reference voxels whose centre is not a voxel centre of ours
  std::size_t value_mismatches = 0;
  double max_index_offset = 0.0;    // how far reference voxel centres fall from our grid (in voxels)
  double max_abs_difference = 0.0;
  std::string describe() const {
    return "voxels " + std::to_string(voxels) + ", outside " + std::to_string(outside) + ", value mismatches " +
           std::to_string(value_mismatches) + ", max index offset " + std::to_string(max_index_offset) +
           ", max |difference| " + std::to_string(max_abs_difference);
  }
};

// dcm2niix stores int16 with float32 scl_slope/scl_inter, so the reference itself is only exact to a fraction of
// its quantisation step: values agree within `relative` of their magnitude plus `absolute`.
Comparison compare_physical(const core::ImageVolume& ours, const core::ImageVolume& ref, double relative_tolerance,
                            double absolute_tolerance) {
  Comparison c;
  const auto& rg = ref.geometry;
  const auto& og = ours.geometry;
  for (std::size_t k = 0; k < rg.size[2]; ++k) {
    for (std::size_t j = 0; j < rg.size[1]; ++j) {
      for (std::size_t i = 0; i < rg.size[0]; ++i) {
        ++c.voxels;
        const auto p = rg.index_to_physical({double(i), double(j), double(k)});
        const auto idx = og.physical_to_index(p);
        std::array<long, 3> n{};
        bool inside = true;
        for (int a = 0; a < 3; ++a) {
          n[a] = std::lround(idx[a]);
          c.max_index_offset = std::max(c.max_index_offset, std::abs(idx[a] - double(n[a])));
          inside = inside && n[a] >= 0 && n[a] < long(og.size[a]);
        }
        if (!inside) {
          ++c.outside;
          continue;
        }
        const float a = ours.at(std::size_t(n[0]), std::size_t(n[1]), std::size_t(n[2]));
        const float b = ref.at(i, j, k);
        const double diff = std::abs(double(a) - double(b));
        c.max_abs_difference = std::max(c.max_abs_difference, diff);
        if (diff > relative_tolerance * std::abs(double(b)) + absolute_tolerance) ++c.value_mismatches;
      }
    }
  }
  return c;
}

void expect_volume_matches(const core::ImageVolume& ours, const core::ImageVolume& ref, const std::string& label,
                           double tolerance, double absolute_tolerance) {
  EXPECT_EQ(ref.geometry.voxel_count(), ours.geometry.voxel_count()) << label;
  for (int a = 0; a < 3; ++a) {
    // Spacing may be permuted by dcm2niix, but the sorted set of spacings must agree.
    std::array<double, 3> s1 = ref.geometry.spacing_mm;
    std::array<double, 3> s2 = ours.geometry.spacing_mm;
    std::sort(s1.begin(), s1.end());
    std::sort(s2.begin(), s2.end());
    EXPECT_NEAR(s1[a], s2[a], 1e-3) << label;
  }
  const auto c = compare_physical(ours, ref, tolerance, absolute_tolerance);
  EXPECT_EQ(c.outside, 0U) << label << ": " << c.describe();
  EXPECT_LT(c.max_index_offset, 0.05) << label << ": " << c.describe();
  EXPECT_EQ(c.value_mismatches, 0U) << label << ": " << c.describe();
}

void expect_matches_reference(const LoadedSeries& loaded, const fs::path& reference, double tolerance = 1e-4,
                              double absolute_tolerance = 1e-4) {
  ASSERT_TRUE(fs::exists(reference)) << reference;
  expect_volume_matches(loaded.volume, core::read_image(reference), reference.string(), tolerance, absolute_tolerance);
}

// The raw header fields of a (possibly gzipped) NIfTI-1 file and its voxel bytes.
struct RawNifti {
  std::string bytes;
  template <class T>
  T field(std::size_t offset) const {
    T value{};
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
  }
  std::size_t volumes() const { return field<std::int16_t>(40) >= 4 ? std::size_t(field<std::int16_t>(48)) : 1; }
};

RawNifti read_raw_nifti(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");  // reads uncompressed files as they are
  EXPECT_NE(file, nullptr) << path;
  RawNifti raw;
  std::vector<char> chunk(1 << 16);
  int n = 0;
  while ((n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) raw.bytes.append(chunk.data(), std::size_t(n));
  gzclose(file);
  return raw;
}

// The grid of a NIfTI file from its sform (ITK reads a 4D file into a 3D image without its direction): RAS
// becomes LPS.
core::Geometry geometry_from_sform(const RawNifti& raw) {
  core::Geometry g;
  for (int a = 0; a < 3; ++a) {
    g.size[a] = std::size_t(raw.field<std::int16_t>(42 + 2 * a));
    core::Vec3 column{};
    for (int r = 0; r < 3; ++r) column[r] = (r < 2 ? -1.0 : 1.0) * raw.field<float>(280 + 16 * r + 4 * a);
    g.spacing_mm[a] = std::sqrt(core::dot(column, column));
    for (int r = 0; r < 3; ++r) g.direction[3 * r + a] = column[r] / g.spacing_mm[a];
    g.origin_mm[a] = (a < 2 ? -1.0 : 1.0) * raw.field<float>(280 + 16 * a + 12);
  }
  return g;
}

// Volume `v` of a 4D reference (int16, uint16 or float32 with scl_slope/scl_inter, as dcm2niix writes them).
core::ImageVolume reference_volume(const fs::path& path, std::size_t v) {
  const auto raw = read_raw_nifti(path);
  EXPECT_GT(raw.field<std::int16_t>(254), 0) << path << ": no sform";
  core::ImageVolume volume(geometry_from_sform(raw));
  const auto datatype = raw.field<std::int16_t>(70);
  const float slope = raw.field<float>(112) == 0.0F ? 1.0F : raw.field<float>(112);
  const float intercept = raw.field<float>(116);
  const std::size_t count = volume.voxels.size();
  const std::size_t size = datatype == 16 ? 4 : 2;
  const std::size_t start = std::size_t(raw.field<float>(108)) + v * count * size;
  EXPECT_LE(start + count * size, raw.bytes.size()) << path << " volume " << v;
  for (std::size_t i = 0; i < count && start + count * size <= raw.bytes.size(); ++i) {
    const char* p = raw.bytes.data() + start + i * size;
    float value = 0;
    if (datatype == 16) {
      std::memcpy(&value, p, 4);
    } else if (datatype == 4) {
      std::int16_t x = 0;
      std::memcpy(&x, p, 2);
      value = float(x);
    } else {
      std::uint16_t x = 0;
      std::memcpy(&x, p, 2);
      value = float(x);
    }
    volume.voxels[i] = datatype == 16 ? value : value * slope + intercept;
  }
  return volume;
}

std::vector<SeriesInfo> all_series(const ScanResult& r) {
  std::vector<SeriesInfo> out;
  for (const auto& st : r.studies) out.insert(out.end(), st.series.begin(), st.series.end());
  return out;
}

// Every transfer syntax decodes to the same Siemens mosaic (explicit/implicit LE, big endian, RLE, JPEG lossless,
// JPEG-LS, JPEG 2000), de-mosaiced into 35 slices like dcm2niix.
TEST(DicomQa, TransferSyntaxesMatchReference) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa" / "dcm_qa_ts";
  for (int n = 1; n <= 9; ++n) {
    SCOPED_TRACE("dcm_qa_ts/In/" + std::to_string(n) + ".dcm");
    const auto result = scan(root / "In" / (std::to_string(n) + ".dcm"));
    const auto series = all_series(result);
    ASSERT_EQ(series.size(), 1U);
    EXPECT_EQ(series[0].slice_count, 35U);
    const auto loaded = load_series(series[0]);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    expect_matches_reference(loaded.value(), root / "Ref" / (std::to_string(series[0].series_number) + ".nii"));
  }
}

// 12-bit stored values: unsigned, signed, and with garbage in the bits above HighBit (the _0x0F0F files).
TEST(DicomQa, TwelveBitSignedAndUnsignedMatchReference) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa" / "dcm_qa_12bit";
  const auto series = all_series(scan(root / "In"));
  ASSERT_EQ(series.size(), 3U);
  for (const auto& s : series) {
    SCOPED_TRACE("series " + std::to_string(s.series_number));
    const auto loaded = load_series(s);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    expect_matches_reference(loaded.value(), root / "Ref" / (std::to_string(s.series_number) + ".nii"));
  }
}

// One 64x64 MR slice in eight encodings: all must decode to identical values.
TEST(DicomQa, PydicomEncodingsDecodeIdentically) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa" / "pydicom_mr_small";
  const auto reference = load_series(all_series(scan(root / "MR_small.dcm")).at(0));
  ASSERT_TRUE(reference.ok()) << reference.error().what();
  for (const char* name : {"MR_small_bigendian.dcm", "MR_small_implicit.dcm", "MR_small_expb.dcm", "MR_small_RLE.dcm",
                           "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm", "MR_small_padded.dcm"}) {
    SCOPED_TRACE(name);
    const auto series = all_series(scan(root / name));
    ASSERT_EQ(series.size(), 1U);
    const auto loaded = load_series(series[0]);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    EXPECT_TRUE(loaded.value().volume.geometry.same_grid(reference.value().volume.geometry));
    EXPECT_EQ(loaded.value().volume.voxels, reference.value().volume.voxels);
  }
}

// The Philips field map holds magnitude and phase at two echo times in ONE series (the mDIXON structure): classic
// (gzip-wrapped single frames) and Enhanced MR both split into four volumes matching dcm2niix's e1/e1_ph/e2/e2_ph.
TEST(DicomQa, PhilipsFieldMapClassicAndEnhancedSplitIntoFourVolumes) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa" / "dcm_qa_philips_enh";
  const auto result = scan(root / "In");
  EXPECT_TRUE(result.problems.empty());
  LoadOptions options;
  options.philips_float_scaling = true;  // dcm2niix's default for Philips
  int compared = 0;
  for (const auto& s : all_series(result)) {
    if (s.series_number != 2001) continue;
    const std::string kind = s.multi_frame ? "enh" : "cl";
    const bool phase = s.complex_component == "PHASE" || s.image_type.find("\\P\\") != std::string::npos;
    ASSERT_TRUE(s.echo_time_ms.has_value());
    const std::string echo = *s.echo_time_ms < 3.0 ? "e1" : "e2";
    const auto ref = root / "Ref" / ("2001_WIP_fcMRI_Field_Mapping_" + kind + "_" + echo + (phase ? "_ph" : "") + ".nii.gz");
    SCOPED_TRACE(ref.filename().string() + " split " + s.split_key);
    EXPECT_FALSE(s.split_key.empty());
    EXPECT_EQ(s.slice_count, 53U);
    if (phase) {
      EXPECT_EQ(s.role, SeriesRole::other);
    }
    const auto loaded = load_series(s, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    // Phase in radians: the reference quantisation step is 0.0015 rad.
    expect_matches_reference(loaded.value(), ref, 1e-4, phase ? 1e-3 : 1e-4);
    ++compared;
  }
  EXPECT_EQ(compared, 8);  // 4 classic + 4 enhanced
}

// Displayed values (DV) and floating-point values (FP) differ by the constant RescaleSlope x ScaleSlope per image.
TEST(DicomQa, PhilipsDisplayedValuesAreFloatValuesTimesSlopes) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa" / "dcm_qa_philips_enh" / "In" / "cl";
  for (const auto& s : all_series(scan(root))) {
    if (s.series_number != 2001 || s.complex_component == "PHASE" || s.echo_time_ms.value_or(0) > 3.0) continue;
    LoadOptions display;
    display.philips_float_scaling = false;
    const auto dv = load_series(s, display);
    const auto fp = load_series(s);  // default: floating-point values
    ASSERT_TRUE(dv.ok() && fp.ok());
    // Sidecar of the reference: PhilipsRescaleSlope 1.29158, PhilipsScaleSlope 0.000237989.
    const double factor = 1.29158 * 0.000237989;
    std::size_t checked = 0;
    for (std::size_t i = 0; i < dv.value().volume.voxels.size(); i += 97) {
      const double f = fp.value().volume.voxels[i];
      EXPECT_NEAR(dv.value().volume.voxels[i], f * factor, 1e-4 * std::max(1.0, std::abs(f * factor)));
      ++checked;
    }
    EXPECT_GT(checked, 100U);
    return;
  }
  FAIL() << "classic field-map magnitude at TE 2.3 ms not found";
}

TEST(DicomQa, PhilipsAslClassicAndEnhancedMatchReference) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa" / "dcm_qa_philips_enh";
  LoadOptions options;
  options.philips_float_scaling = true;
  int compared = 0;
  for (const auto& s : all_series(scan(root / "In"))) {
    if (s.series_number != 1901) continue;
    const auto ref = root / "Ref" / (s.multi_frame ? "1901_WIP_3DpCASL_enh_real.nii.gz" : "1901_WIP_3DpCASL_cl.nii.gz");
    SCOPED_TRACE(ref.filename().string());
    const auto loaded = load_series(s, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    expect_matches_reference(loaded.value(), ref);
    ++compared;
  }
  EXPECT_EQ(compared, 2);
}

struct FourDimensionalCase {
  fs::path input;
  int series_number;
  fs::path reference;
};

std::vector<FourDimensionalCase> four_dimensional_cases(const fs::path& root) {
  // Philips ASL source: every volume. dcm2niix orders the classic files by InstanceNumber (control, label per
  // temporal position: C1 L1 C2 L2 C3 L3) but the Enhanced frames in their file order (DimensionIndexValues with
  // label/control outside the temporal position: C1 C2 C3 L1 L2 L3); ordering the Enhanced frames by temporal
  // position first used to swap volumes 1-4.
  return {{root / "dcm_qa_enh" / "In" / "Siemens", 6, root / "dcm_qa_enh" / "Ref" / "Siemens_REST1_w_SMS_PF7-8_6.nii"},
          {root / "dcm_qa_philips_enh" / "In" / "cl", 1903, root / "dcm_qa_philips_enh" / "Ref" / "1903_WIP_SOURCE_-_3DpCASL_cl.nii.gz"},
          {root / "dcm_qa_philips_enh" / "In" / "enh", 1903, root / "dcm_qa_philips_enh" / "Ref" / "1903_WIP_SOURCE_-_3DpCASL_enh.nii.gz"}};
}

// Series with several volumes at the same positions, as dcm2niix writes them (4D, volume by volume): the Siemens XA
// fMRI (Enhanced MR, one volume per file) and the Philips ASL source series (label/control pairs at three temporal
// positions; classic: 240 files, ordered by InstanceNumber; enhanced: one file). load_series, which must give one
// 3D volume, still refuses them.
TEST(DicomQa, FourDimensionalSeriesMatchReferenceVolumeByVolume) {
  MYO_REQUIRE_SHARED_DATA(data);
  for (const auto& c : four_dimensional_cases(data / "dicom-qa")) {
    SCOPED_TRACE(c.reference.filename().string());
    std::vector<SeriesInfo> series;
    for (const auto& s : all_series(scan(c.input))) {
      if (s.series_number == c.series_number) series.push_back(s);
    }
    ASSERT_EQ(series.size(), 1U);
    const auto single = load_series(series[0]);
    ASSERT_FALSE(single.ok());
    EXPECT_NE(single.error().what().find("duplicated slice positions"), std::string::npos) << single.error().what();
    const auto loaded = load_series_volumes(series[0]);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    const auto& volumes = loaded.value().volumes;
    ASSERT_EQ(volumes.size(), read_raw_nifti(c.reference).volumes());
    for (std::size_t v = 0; v < volumes.size(); ++v) {
      expect_volume_matches(volumes[v], reference_volume(c.reference, v), "volume " + std::to_string(v), 1e-4, 1e-4);
    }
  }
}

// convert writes those series as one 4D file each (uncompressed with -z n) whose volumes and BIDS keys agree with
// dcm2niix's, with one echo time per volume.
TEST(DicomQa, ConvertWrites4DFilesWithBidsKeysLikeDcm2niix) {
  MYO_REQUIRE_SHARED_DATA(data);
  for (const auto& c : four_dimensional_cases(data / "dicom-qa")) {
    SCOPED_TRACE(c.reference.filename().string());
    testing::TempDir out;
    ConvertOptions options;
    options.output_dir = out.path();
    options.gzip = false;
    const auto result = convert(c.input, options);
    const ConvertedSeries* converted = nullptr;
    for (const auto& s : result.converted) converted = s.info.series_number == c.series_number ? &s : converted;
    ASSERT_NE(converted, nullptr) << format_convert_summary(result);
    EXPECT_EQ(converted->nifti_path.extension(), ".nii");
    const auto ours = read_raw_nifti(converted->nifti_path);
    ASSERT_EQ(ours.volumes(), read_raw_nifti(c.reference).volumes());
    const auto last = ours.volumes() - 1;
    const auto last_ours = reference_volume(converted->nifti_path, last);
    expect_volume_matches(last_ours, reference_volume(c.reference, last), "volume " + std::to_string(last), 1e-4, 1e-4);
    const auto sidecar = nlohmann::json::parse(std::ifstream(converted->json_path));
    const std::string name = c.reference.filename().string();
    const auto expected = nlohmann::json::parse(std::ifstream(c.reference.parent_path() / (name.substr(0, name.find(".nii")) + ".json")));
    for (const char* key : {"EchoTime", "FlipAngle", "MagneticFieldStrength"}) {
      ASSERT_TRUE(sidecar.contains(key)) << key;
      EXPECT_NEAR(sidecar[key].get<double>(), expected.at(key).get<double>(), 1e-6) << key;
    }
    EXPECT_EQ(sidecar.at("SeriesDescription"), expected.at("SeriesDescription"));
    EXPECT_FALSE(sidecar.at("ImageType").empty());
    EXPECT_EQ(sidecar.at("EchoTimes").size(), ours.volumes());
    EXPECT_EQ(sidecar.at("Volumes"), ours.volumes());
  }
}

// The dcm2niix reference of one converted series of a dcm_qa set (empty: none), and the absolute tolerance its
// values need (phase in rad and field maps in Hz are quantised more coarsely by dcm2niix's int16).
struct ReferenceOf {
  fs::path path;
  double absolute_tolerance = 1e-4;
};

ReferenceOf reference_of(const fs::path& set, const ConvertedSeries& c) {
  const auto& s = c.info;
  const auto ref = set / "Ref";
  const std::string name = set.filename().string();
  if (name == "dcm_qa_ts" || name == "dcm_qa_12bit") return {ref / (std::to_string(s.series_number) + ".nii")};
  if (name == "dcm_qa_enh" && s.series_number == 6) return {ref / "Siemens_REST1_w_SMS_PF7-8_6.nii"};
  if (name == "dcm_qa_enh") {
    const bool magnitude = s.echo_time_ms.value_or(0) > 0.5;
    return {ref / (magnitude ? "Philips_WIP_B0_NS_801_e1.nii" : "Philips_WIP_B0_NS_801_e2_fieldmaphz.nii"), magnitude ? 1e-4 : 1e-2};
  }
  const std::string kind = s.multi_frame ? "enh" : "cl";
  if (s.series_number == 1901) return {ref / (s.multi_frame ? "1901_WIP_3DpCASL_enh_real.nii.gz" : "1901_WIP_3DpCASL_cl.nii.gz")};
  if (s.series_number == 1903) return {ref / ("1903_WIP_SOURCE_-_3DpCASL_" + kind + ".nii.gz")};
  if (s.series_number == 2001) {
    const bool phase = is_phase_part(s);
    const std::string echo = s.echo_time_ms.value_or(0) < 3.0 ? "e1" : "e2";
    return {ref / ("2001_WIP_fcMRI_Field_Mapping_" + kind + "_" + echo + (phase ? "_ph" : "") + ".nii.gz"), phase ? 1e-3 : 1e-4};
  }
  return {};
}

// `convert -z n` stores 16-bit integers with scl_slope/scl_inter where every slice shares one rescale, as dcm2niix
// does: every dcm_qa reference volume (4D ones volume by volume) still matches in value after scaling and in
// geometry, and the sets whose references are int16 of one rescale (Siemens, 12-bit) are written as integers too.
TEST(DicomQa, ConvertStoresIntegersAndMatchesEveryReference) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa";
  const std::vector<std::pair<fs::path, fs::path>> inputs{
      {root / "dcm_qa_ts", root / "dcm_qa_ts" / "In" / "1.dcm"},
      {root / "dcm_qa_ts", root / "dcm_qa_ts" / "In" / "7.dcm"},
      {root / "dcm_qa_12bit", root / "dcm_qa_12bit" / "In"},
      {root / "dcm_qa_enh", root / "dcm_qa_enh" / "In"},
      {root / "dcm_qa_philips_enh", root / "dcm_qa_philips_enh" / "In"}};
  std::size_t compared = 0;
  std::size_t integers = 0;
  for (const auto& [set, input] : inputs) {
    testing::TempDir out;
    ConvertOptions options;
    options.output_dir = out.path();
    options.gzip = false;
    const auto result = convert(input, options);
    for (const auto& c : result.converted) {
      const auto ref = reference_of(set, c);
      if (ref.path.empty()) continue;
      SCOPED_TRACE(ref.path.filename().string() + " from " + c.nifti_path.filename().string());
      ASSERT_TRUE(fs::exists(ref.path));
      const auto ours = read_raw_nifti(c.nifti_path);
      const auto datatype = ours.field<std::int16_t>(70);
      const bool integer = datatype == 4 || datatype == 512;
      integers += integer ? 1 : 0;
      if (set.filename() != "dcm_qa_philips_enh" && set.filename() != "dcm_qa_enh") {
        EXPECT_TRUE(integer) << datatype;
      }
      ASSERT_EQ(ours.volumes(), read_raw_nifti(ref.path).volumes());
      for (std::size_t v = 0; v < ours.volumes(); ++v) {
        expect_volume_matches(reference_volume(c.nifti_path, v), reference_volume(ref.path, v), "volume " + std::to_string(v),
                              1e-4, ref.absolute_tolerance);
      }
      ++compared;
    }
  }
  // ts 2 + 12bit 3 + Siemens fMRI 1 + Philips B0 2 + Philips ASL 2 + ASL source 2 + field map 8.
  EXPECT_EQ(compared, 20U);
  EXPECT_GE(integers, 6U);
}

// dcm2niix's PhaseEncodingDirection in our voxel axes: dcm2niix flips the rows (its j runs against DICOM's row
// order, ours along it), so its "j-" is our "j"; "i" agrees. Empty stays empty (polarity unknown).
std::string in_our_axes(const std::string& dcm2niix) {
  if (dcm2niix.empty() || dcm2niix[0] != 'j') return dcm2niix;
  return dcm2niix == "j" ? "j-" : "j";
}

// The sidecar's PhaseEncodingDirection agrees with every dcm2niix sidecar of the same series number (all of one
// value) in the Siemens and Philips sets: signed for Siemens (CSA and XA), absent for Philips, as dcm2niix.
TEST(DicomQa, SidecarPhaseEncodingDirectionAgreesWithDcm2niix) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa";
  std::size_t signed_directions = 0;
  std::size_t compared = 0;
  for (const char* name : {"dcm_qa_ts", "dcm_qa_12bit", "dcm_qa_decubitus", "dcm_qa_enh", "dcm_qa_philips_enh"}) {
    const auto set = root / name;
    std::map<int, std::set<std::string>> expected;  // series number -> dcm2niix's values
    for (const auto& entry : fs::directory_iterator(set / "Ref")) {
      if (entry.path().extension() != ".json") continue;
      const auto j = nlohmann::json::parse(std::ifstream(entry.path()));
      expected[j.value("SeriesNumber", -1)].insert(in_our_axes(j.value("PhaseEncodingDirection", "")));
    }
    testing::TempDir out;
    ConvertOptions options;
    options.output_dir = out.path();
    options.gzip = false;
    const auto input = std::string(name) == "dcm_qa_ts" ? set / "In" / "1.dcm" : set / "In";
    for (const auto& c : convert(input, options).converted) {
      const auto it = expected.find(c.info.series_number);
      if (it == expected.end() || it->second.size() != 1) continue;
      SCOPED_TRACE(std::string(name) + ": " + c.json_path.filename().string());
      const auto sidecar = nlohmann::json::parse(std::ifstream(c.json_path));
      EXPECT_EQ(sidecar.value("PhaseEncodingDirection", ""), *it->second.begin());
      signed_directions += sidecar.contains("PhaseEncodingDirection") ? 1 : 0;
      ++compared;
    }
  }
  EXPECT_GE(compared, 15U);
  EXPECT_GE(signed_directions, 6U);  // ts 1, 12bit 3, decubitus 4 (series 3 only), Siemens XA fMRI 1
}

TEST(DicomQa, PhilipsEnhancedB0MapMatchesReference) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa" / "dcm_qa_enh";
  const auto series = all_series(scan(root / "In" / "Philips"));
  ASSERT_EQ(series.size(), 2U);
  LoadOptions options;
  options.philips_float_scaling = true;
  for (const auto& s : series) {
    const bool magnitude = s.echo_time_ms.value_or(0) > 0.5;
    const auto ref = root / "Ref" / (magnitude ? "Philips_WIP_B0_NS_801_e1.nii" : "Philips_WIP_B0_NS_801_e2_fieldmaphz.nii");
    SCOPED_TRACE(ref.filename().string());
    EXPECT_TRUE(s.multi_frame);
    const auto loaded = load_series(s, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    // Field map in Hz, reference step 0.244 Hz.
    expect_matches_reference(loaded.value(), ref, 1e-4, 1e-2);
  }
}

// One sagittal series in four patient positions (HFS, HFP, HFDR, HFDL): LPS geometry follows the patient, so the
// direction columns are exactly the DICOM row/column cosines dcm2niix recorded.
TEST(DicomQa, DecubitusSagittalSeriesKeepTheirOrientation) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa" / "dcm_qa_decubitus";
  const auto result = scan(root / "In");
  EXPECT_TRUE(result.problems.empty());
  const auto series = all_series(result);
  ASSERT_EQ(series.size(), 4U);
  for (const auto& s : series) {
    EXPECT_EQ(s.orientation, "sagittal");
    EXPECT_EQ(s.slice_count, 35U);
    const auto loaded = load_series(s);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    EXPECT_TRUE(loaded.value().warnings.empty());
    const auto& g = loaded.value().volume.geometry;
    // Find the sidecar of this acquisition by its series time and check the cosines.
    bool matched = false;
    for (const auto& entry : fs::directory_iterator(root / "Ref")) {
      const auto json = nlohmann::json::parse(std::ifstream(entry.path()));
      const auto iop = json.at("ImageOrientationPatientDICOM").get<std::vector<double>>();
      bool same = true;
      for (int a = 0; a < 3; ++a) {
        same = same && std::abs(g.axis(0)[a] - iop[a]) < 1e-4 && std::abs(g.axis(1)[a] - iop[3 + a]) < 1e-4;
      }
      matched = matched || same;
    }
    EXPECT_TRUE(matched) << "no reference sidecar with this orientation for series " << s.series_instance_uid;
  }
}

TEST(DicomQa, ConvertWritesEverySeriesOfTheDecubitusSet) {
  MYO_REQUIRE_SHARED_DATA(data);
  testing::TempDir out;
  ConvertOptions options;
  options.output_dir = out.path();
  const auto result = convert(data / "dicom-qa" / "dcm_qa_decubitus" / "In", options);
  EXPECT_EQ(result.converted.size(), 4U);
  EXPECT_TRUE(result.failures.empty());
  EXPECT_EQ(convert_exit_code(result), 0);
  for (const auto& c : result.converted) {
    const auto back = core::read_image(c.nifti_path);
    EXPECT_EQ(back.geometry.size[2], 35U);
    EXPECT_TRUE(fs::exists(c.json_path));
  }
}

}  // namespace
}  // namespace myo::dicom
