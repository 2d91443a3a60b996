// Real scanner files (../shared/data/dicom-qa, the dcm_qa sets of dcm2niix) compared voxel by voxel and in physical
// space with dcm2niix's reference NIfTI. dcm2niix may flip or permute axes, so each reference voxel centre is looked
// up in our volume by its LPS position (ITK reads NIfTI into LPS).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

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

void expect_matches_reference(const LoadedSeries& loaded, const fs::path& reference, double tolerance = 1e-4,
                              double absolute_tolerance = 1e-4) {
  ASSERT_TRUE(fs::exists(reference)) << reference;
  const auto ref = core::read_image(reference);
  EXPECT_EQ(ref.geometry.voxel_count(), loaded.volume.geometry.voxel_count()) << reference;
  for (int a = 0; a < 3; ++a) {
    // Spacing may be permuted by dcm2niix, but the sorted set of spacings must agree.
    std::array<double, 3> s1 = ref.geometry.spacing_mm;
    std::array<double, 3> s2 = loaded.volume.geometry.spacing_mm;
    std::sort(s1.begin(), s1.end());
    std::sort(s2.begin(), s2.end());
    EXPECT_NEAR(s1[a], s2[a], 1e-3) << reference;
  }
  const auto c = compare_physical(loaded.volume, ref, tolerance, absolute_tolerance);
  EXPECT_EQ(c.outside, 0U) << reference << ": " << c.describe();
  EXPECT_LT(c.max_index_offset, 0.05) << reference << ": " << c.describe();
  EXPECT_EQ(c.value_mismatches, 0U) << reference << ": " << c.describe();
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

// A 4D series (several volumes at the same positions) is refused with a clear reason, never stacked into one volume.
TEST(DicomQa, FourDimensionalSeriesFailClearly) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto root = data / "dicom-qa";
  for (const auto& path : {root / "dcm_qa_enh" / "In" / "Siemens", root / "dcm_qa_philips_enh" / "In" / "enh" / "1903_WIP_SOURCE_-_3DpCASL.dcm.gz"}) {
    SCOPED_TRACE(path.string());
    const auto series = all_series(scan(path));
    ASSERT_FALSE(series.empty());
    for (const auto& s : series) {
      const auto loaded = load_series(s);
      ASSERT_FALSE(loaded.ok());
      EXPECT_NE(loaded.error().what().find("duplicated slice positions"), std::string::npos) << loaded.error().what();
      EXPECT_NE(loaded.error().what().find(s.series_instance_uid), std::string::npos);
    }
  }
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
