// Role detection from the tags each vendor really writes (libs/dicom/vendor_conventions.md).
#include <gtest/gtest.h>

#include "myo/dicom/series_role.hpp"

namespace myo::dicom {
namespace {

RoleEvidence evidence(Vendor vendor, std::string image_type, std::string description = {}) {
  RoleEvidence e;
  e.vendor = vendor;
  e.image_type = std::move(image_type);
  e.description = std::move(description);
  e.slice_count = 40;
  return e;
}

TEST(DicomSeriesRole, NamesRoundTrip) {
  for (auto role : {SeriesRole::dixon_water, SeriesRole::dixon_fat, SeriesRole::dixon_in_phase, SeriesRole::dixon_opposed_phase,
                    SeriesRole::stir, SeriesRole::t1, SeriesRole::t2, SeriesRole::fat_fraction_map, SeriesRole::t2_map, SeriesRole::t2_multi_echo,
                    SeriesRole::localizer, SeriesRole::other}) {
    EXPECT_EQ(role_from_string(to_string(role)), role);
  }
  EXPECT_FALSE(role_from_string("water").has_value());
  EXPECT_EQ(vendor_from_string("philips"), Vendor::philips);
  EXPECT_EQ(vendor_from_manufacturer("GE MEDICAL SYSTEMS"), Vendor::ge);
  EXPECT_EQ(vendor_from_manufacturer("Philips Medical Systems"), Vendor::philips);
  EXPECT_EQ(vendor_from_manufacturer("SIEMENS"), Vendor::siemens);
  EXPECT_EQ(vendor_from_manufacturer("Canon"), Vendor::unknown);
}

TEST(DicomSeriesRole, SiemensDixonImageType) {
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "DERIVED\\PRIMARY\\DIXON\\WATER")).role, SeriesRole::dixon_water);
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "DERIVED\\PRIMARY\\DIXON\\FAT")).role, SeriesRole::dixon_fat);
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "ORIGINAL\\PRIMARY\\DIXON\\IN_PHASE")).role, SeriesRole::dixon_in_phase);
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "ORIGINAL\\PRIMARY\\DIXON\\OPPOSED_PHASE")).role,
            SeriesRole::dixon_opposed_phase);
  const auto d = detect_role(evidence(Vendor::siemens, "DERIVED\\PRIMARY\\DIXON\\WATER"));
  EXPECT_NE(d.reason.find("WATER"), std::string::npos) << d.reason;
}

// Some Siemens exports drop the DIXON token (…\M\NORM\WATER\…): the WATER value alone must still decide.
TEST(DicomSeriesRole, SiemensDixonWithoutDixonToken) {
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "DERIVED\\PRIMARY\\M\\NORM\\WATER\\ND")).role, SeriesRole::dixon_water);
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "DERIVED\\PRIMARY\\M\\NORM\\FAT\\ND")).role, SeriesRole::dixon_fat);
}

TEST(DicomSeriesRole, PhilipsTokensAndPrivateType) {
  EXPECT_EQ(detect_role(evidence(Vendor::philips, "DERIVED\\PRIMARY\\W\\W\\DERIVED")).role, SeriesRole::dixon_water);
  EXPECT_EQ(detect_role(evidence(Vendor::philips, "ORIGINAL\\PRIMARY\\DIXON\\FAT_FRACTION")).role, SeriesRole::fat_fraction_map);
  EXPECT_EQ(detect_role(evidence(Vendor::philips, "ORIGINAL\\PRIMARY\\DIXON\\FAT")).role, SeriesRole::dixon_fat);
  // Classic export where only the private MR image type (2005,1011) tells the types apart (dcm2niix issue 1022).
  auto e = evidence(Vendor::philips, "ORIGINAL\\PRIMARY\\T1\\MIXED");
  e.philips_image_type = "OP";
  const auto d = detect_role(e);
  EXPECT_EQ(d.role, SeriesRole::dixon_opposed_phase);
  EXPECT_NE(d.reason.find("2005,1011"), std::string::npos);
  e.philips_image_type = "IP";
  EXPECT_EQ(detect_role(e).role, SeriesRole::dixon_in_phase);
}

TEST(DicomSeriesRole, GeDescriptionPrefixes) {
  EXPECT_EQ(detect_role(evidence(Vendor::ge, "DERIVED\\SECONDARY", "WATER: Ax LAVA-Flex")).role, SeriesRole::dixon_water);
  EXPECT_EQ(detect_role(evidence(Vendor::ge, "DERIVED\\SECONDARY", "FAT: Ax LAVA-Flex")).role, SeriesRole::dixon_fat);
  EXPECT_EQ(detect_role(evidence(Vendor::ge, "ORIGINAL\\PRIMARY", "InPhase: Ax LAVA-Flex")).role, SeriesRole::dixon_in_phase);
  EXPECT_EQ(detect_role(evidence(Vendor::ge, "ORIGINAL\\PRIMARY", "OutPhase: Ax LAVA-Flex")).role,
            SeriesRole::dixon_opposed_phase);
  // ImageType carries the type too on many GE exports, sometimes spelled with a space.
  EXPECT_EQ(detect_role(evidence(Vendor::ge, "DERIVED\\PRIMARY\\DIXON\\WATER", "Ax LAVA-Flex")).role, SeriesRole::dixon_water);
  EXPECT_EQ(detect_role(evidence(Vendor::ge, "DERIVED\\PRIMARY\\IDEAL\\FAT FRACTION", "IDEAL IQ")).role,
            SeriesRole::fat_fraction_map);
}

// Siemens uses *tir for both STIR and FLAIR: only the inversion time separates them.
TEST(DicomSeriesRole, InversionRecoveryByInversionTime) {
  auto e = evidence(Vendor::siemens, "ORIGINAL\\PRIMARY\\M\\NORM\\DIS2D", "t2_tirm_tra");
  e.sequence_name = "*tir2d1_15";
  e.scanning_sequence = "SE\\IR";
  e.inversion_time_ms = 160.0;
  e.repetition_time_ms = 4000.0;
  e.echo_time_ms = 40.0;
  EXPECT_EQ(detect_role(e).role, SeriesRole::stir);
  e.inversion_time_ms = 2500.0;
  e.description = "t2_tirm_tra_dark-fluid";
  const auto flair = detect_role(e);
  EXPECT_EQ(flair.role, SeriesRole::other);
  EXPECT_NE(flair.reason.find("not STIR"), std::string::npos);
}

TEST(DicomSeriesRole, SpinEchoWeighting) {
  auto e = evidence(Vendor::ge, "ORIGINAL\\PRIMARY\\OTHER", "Ax T1 FSE");
  e.scanning_sequence = "SE";
  e.repetition_time_ms = 600.0;
  e.echo_time_ms = 12.0;
  EXPECT_EQ(detect_role(e).role, SeriesRole::t1);
  e.repetition_time_ms = 4500.0;
  e.echo_time_ms = 90.0;
  EXPECT_EQ(detect_role(e).role, SeriesRole::t2);
}

TEST(DicomSeriesRole, PhaseImagesNeverTakeMagnitudeRoles) {
  auto e = evidence(Vendor::siemens, "ORIGINAL\\PRIMARY\\P\\DIXON\\WATER");
  EXPECT_EQ(detect_role(e).role, SeriesRole::other);
  auto f = evidence(Vendor::philips, "ORIGINAL\\PRIMARY\\T1\\MIXED");
  f.complex_component = "PHASE";
  EXPECT_TRUE(is_phase_image(f));
  EXPECT_EQ(detect_role(f).role, SeriesRole::other);
  // Siemens XA moved the phase marker to the private ImageTypeText (dcm2niix issue 675).
  auto xa = evidence(Vendor::siemens, "ORIGINAL\\PRIMARY\\M\\DIXON\\WATER");
  xa.siemens_image_type_text = "ORIGINAL\\PRIMARY\\P\\DIXON";
  EXPECT_TRUE(is_phase_image(xa));
}

TEST(DicomSeriesRole, Localizers) {
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "ORIGINAL\\PRIMARY\\M\\NORM\\DIS2D\\LOCALIZER")).role, SeriesRole::localizer);
  auto e = evidence(Vendor::ge, "ORIGINAL\\PRIMARY\\OTHER", "3-Plane Loc");
  e.orientation_count = 3;
  e.slice_count = 15;
  EXPECT_EQ(detect_role(e).role, SeriesRole::localizer);
  EXPECT_EQ(detect_role(evidence(Vendor::philips, "ORIGINAL\\PRIMARY\\M_FFE\\M\\FFE", "Survey")).role, SeriesRole::localizer);
}

TEST(DicomSeriesRole, DescriptionIsTheLastResort) {
  EXPECT_EQ(detect_role(evidence(Vendor::unknown, "DERIVED\\SECONDARY", "thigh_dixon_opp")).role, SeriesRole::dixon_opposed_phase);
  EXPECT_EQ(detect_role(evidence(Vendor::unknown, "DERIVED\\SECONDARY", "cor STIR legs")).role, SeriesRole::stir);
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "DERIVED\\PRIMARY", "t1_vibe_dixon_tra_W")).role, SeriesRole::dixon_water);
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "DERIVED\\PRIMARY", "t1_vibe_dixon_tra_in")).role, SeriesRole::dixon_in_phase);
  // Regression (dcm_qa_enh Siemens XA10 "REST1 w SMS PF7-8"): a lone "w" in free text is not a water image.
  EXPECT_EQ(detect_role(evidence(Vendor::siemens, "ORIGINAL\\PRIMARY\\M", "REST1 w SMS PF7-8")).role, SeriesRole::other);
  // Fat saturation is no fat image: without a Dixon-type description, FAT/WATER words do not decide.
  EXPECT_EQ(detect_role(evidence(Vendor::unknown, "ORIGINAL\\PRIMARY", "Ax T2 FAT SAT")).role, SeriesRole::t2);
  EXPECT_EQ(detect_role(evidence(Vendor::unknown, "ORIGINAL\\PRIMARY", "dixon fat legs")).role, SeriesRole::dixon_fat);
  const auto none = detect_role(evidence(Vendor::unknown, "ORIGINAL\\PRIMARY", "diffusion"));
  EXPECT_EQ(none.role, SeriesRole::other);
  EXPECT_FALSE(none.reason.empty());
}

}  // namespace
}  // namespace myo::dicom
