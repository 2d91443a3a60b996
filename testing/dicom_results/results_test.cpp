// DICOM results (SEG, TID 1500 SR, parametric map, secondary capture) written from a small synthetic MR series made
// here with DCMTK, so every UID, position and patient value is known.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/dicom/results.hpp"
#include "myo/dicom/load.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/quantification/quantify.hpp"  // header only: checks to_segment_measurements
#include "myo/testing/dciodvfy.hpp"
#include "myo/testing/test_support.hpp"

namespace {
namespace fs = std::filesystem;
using myo::core::Geometry;
using myo::core::LabelVolume;

const char* const kStudyUid = "1.2.826.0.1.3680043.2.1125.77.1";
const char* const kSeriesUid = "1.2.826.0.1.3680043.2.1125.77.1.2";
const char* const kFrameUid = "1.2.826.0.1.3680043.2.1125.77.1.3";
const char* const kPatientName = "DOE^JANE";
const char* const kPatientId = "PAT-4711";
const char* const kBirthDate = "19610203";

void ok(const OFCondition& c) { ASSERT_TRUE(c.good()) << c.text(); }

// A DCMTK tool's stdout and stderr together.
std::string run(const std::string& command) { return myo::testing::command_output(command + " 2>&1"); }

using myo::testing::dciodvfy_errors;
using myo::testing::have_tool;

std::string get(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return value.c_str();
}

std::unique_ptr<DcmFileFormat> load(const fs::path& file) {
  auto format = std::make_unique<DcmFileFormat>();
  if (format->loadFile(file.c_str()).bad()) return nullptr;
  return format;
}

// A 64x48x8 axial MR series with a non-trivial origin; slice k at z = 10 + 4k.
class ResultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grid_.size = {64, 48, 8};
    grid_.spacing_mm = {0.75, 0.8, 4.0};
    grid_.origin_mm = {-24.0, -19.0, 10.0};
    const fs::path folder = dir_.path() / "source";
    fs::create_directories(folder);
    context_.study.study_instance_uid = kStudyUid;
    context_.study.patient_id = kPatientId;
    context_.study.patient_name = kPatientName;
    context_.reference_series.series_instance_uid = kSeriesUid;
    context_.reference_series.description = "Dixon water";
    context_.software_version = "0.0-test";
    // Files in reverse order: the writers must use positions, not file order.
    for (int k = static_cast<int>(grid_.size[2]) - 1; k >= 0; --k) {
      const fs::path file = folder / ("IM" + std::to_string(k));
      write_source_slice(k, file);
      context_.reference_series.files.push_back(file);
    }
    context_.reference_series.slice_count = grid_.size[2];

    labels_ = LabelVolume(grid_, 0);
    const auto& catalog = myo::core::MuscleCatalog::instance();
    const int glut_r = catalog.find("gluteus_maximus")->label_right;  // coded group
    const int quad_l = catalog.find("quadriceps")->label_left;        // group without an agreed code
    const int adductor_r = catalog.find("adductors")->label_right;
    for (std::size_t k = 1; k < 7; ++k)  // slices 0 and 7 stay empty
      for (std::size_t j = 5; j < 20; ++j)
        for (std::size_t i = 3; i < 25; ++i) labels_.at(i, j, k) = static_cast<std::uint16_t>(glut_r);
    for (std::size_t k = 2; k < 5; ++k)
      for (std::size_t j = 10; j < 40; ++j)
        for (std::size_t i = 35; i < 60; ++i) labels_.at(i, j, k) = static_cast<std::uint16_t>(quad_l);
    labels_.at(0, 0, 3) = static_cast<std::uint16_t>(adductor_r);  // a single voxel in a corner
    labels_.at(63, 47, 6) = static_cast<std::uint16_t>(adductor_r);
  }

  void write_source_slice(int k, const fs::path& path) {
    DcmFileFormat file;
    DcmDataset* d = file.getDataset();
    const auto put = [&](const DcmTagKey& tag, const std::string& value) { ok(d->putAndInsertString(tag, value.c_str())); };
    char uid[100];
    sop_uids_.emplace_back(dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
    put(DCM_SOPClassUID, UID_MRImageStorage);
    put(DCM_SOPInstanceUID, sop_uids_.back());
    put(DCM_SpecificCharacterSet, "ISO_IR 100");
    put(DCM_PatientName, kPatientName);
    put(DCM_PatientID, kPatientId);
    put(DCM_PatientBirthDate, kBirthDate);
    put(DCM_PatientSex, "F");
    put(DCM_StudyInstanceUID, kStudyUid);
    put(DCM_StudyDate, "20260105");
    put(DCM_StudyTime, "101500");
    put(DCM_StudyID, "S1");
    put(DCM_AccessionNumber, "ACC-99");
    put(DCM_ReferringPhysicianName, "WHO^DR");
    put(DCM_StudyDescription, "MR THIGHS");
    put(DCM_SeriesInstanceUID, kSeriesUid);
    put(DCM_SeriesNumber, "3");
    put(DCM_Modality, "MR");
    put(DCM_FrameOfReferenceUID, kFrameUid);
    put(DCM_PositionReferenceIndicator, "");
    put(DCM_BodyPartExamined, "THIGH");
    put(DCM_InstanceNumber, std::to_string(k + 1));
    put(DCM_ImageType, "ORIGINAL\\PRIMARY\\M\\ND");
    const auto p = grid_.index_to_physical({0, 0, static_cast<double>(k)});
    put(DCM_ImagePositionPatient, std::to_string(p[0]) + "\\" + std::to_string(p[1]) + "\\" + std::to_string(p[2]));
    put(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
    put(DCM_PixelSpacing, "0.8\\0.75");
    put(DCM_SliceThickness, "4");
    ok(d->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(grid_.size[1])));
    ok(d->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(grid_.size[0])));
    ok(d->putAndInsertUint16(DCM_SamplesPerPixel, 1));
    put(DCM_PhotometricInterpretation, "MONOCHROME2");
    ok(d->putAndInsertUint16(DCM_BitsAllocated, 16));
    ok(d->putAndInsertUint16(DCM_BitsStored, 16));
    ok(d->putAndInsertUint16(DCM_HighBit, 15));
    ok(d->putAndInsertUint16(DCM_PixelRepresentation, 0));
    std::vector<Uint16> pixels(grid_.size[0] * grid_.size[1], static_cast<Uint16>(100 + k));
    ok(d->putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())));
    ok(file.saveFile(path.c_str(), EXS_LittleEndianExplicit));
  }

  [[nodiscard]] std::vector<myo::dicom::SegmentMeasurement> measurements() const {
    std::vector<myo::dicom::SegmentMeasurement> m(2);
    m[0].group = "gluteus_maximus";
    m[0].side = myo::core::Side::right;
    m[0].volume_ml = 123.25;
    m[0].fat_fraction_pct = 12.5;
    m[0].edema_fraction_pct = 3.75;
    m[0].fat_replaced_volume_ml = 4.5;
    m[1].group = "quadriceps";
    m[1].side = myo::core::Side::left;
    m[1].volume_ml = 456.5;
    m[1].fat_fraction_pct = 33.0;
    return m;
  }

  // Output path; MYO_RESULTS_OUT=<folder> keeps the objects for inspection (dciodvfy, dsrdump, a viewer).
  [[nodiscard]] fs::path out(const std::string& name) const {
    if (const char* keep = std::getenv("MYO_RESULTS_OUT")) {
      fs::create_directories(keep);
      return fs::path(keep) / name;
    }
    return dir_.path() / name;
  }

  myo::testing::TempDir dir_{"myo-results"};
  Geometry grid_;
  myo::dicom::ResultContext context_;
  LabelVolume labels_;
  std::vector<std::string> sop_uids_;
};

// The core contract: labels -> SEG -> labels is lossless, on the source grid and on the grid the SEG describes.
TEST_F(ResultsTest, SegmentationRoundTripKeepsLabelsAndGeometry) {
  const fs::path seg = out("seg.dcm");
  const auto written = myo::dicom::write_segmentation(labels_, context_, seg);
  ASSERT_TRUE(fs::exists(seg));
  EXPECT_EQ(written.sop_class_uid, UID_SegmentationStorage);

  const LabelVolume on_target = myo::dicom::read_segmentation(seg, grid_);
  EXPECT_TRUE(on_target.geometry.same_grid(grid_));
  EXPECT_EQ(on_target.voxels, labels_.voxels);

  // Empty slices 0 and 7 are kept, so the SEG alone describes the whole source grid (users' known pain).
  const LabelVolume derived = myo::dicom::read_segmentation(seg);
  EXPECT_TRUE(derived.geometry.same_grid(grid_)) << derived.geometry.describe() << " vs " << grid_.describe();
  EXPECT_EQ(derived.voxels, labels_.voxels);
}

// SEGs written by other tools often omit empty frames; reading places frames by position, so nothing shifts.
TEST_F(ResultsTest, SegmentationWithoutEmptyFramesReadsBackOnTheTargetGrid) {
  const fs::path seg = out("seg_sparse.dcm");
  myo::dicom::SegmentationWriteOptions options;
  options.keep_empty_slices = false;
  myo::dicom::write_segmentation(labels_, context_, seg, options);
  const LabelVolume on_target = myo::dicom::read_segmentation(seg, grid_);
  EXPECT_EQ(on_target.voxels, labels_.voxels);
}

TEST_F(ResultsTest, SegmentationIsCodedAndReferencesTheSource) {
  const fs::path seg = out("seg.dcm");
  myo::dicom::write_segmentation(labels_, context_, seg);
  auto file = load(seg);
  ASSERT_TRUE(file);
  DcmDataset& ds = *file->getDataset();
  EXPECT_EQ(get(ds, DCM_StudyInstanceUID), kStudyUid);
  EXPECT_EQ(get(ds, DCM_FrameOfReferenceUID), kFrameUid);
  EXPECT_EQ(get(ds, DCM_PatientID), kPatientId);
  EXPECT_EQ(get(ds, DCM_PatientName), kPatientName);
  EXPECT_EQ(get(ds, DCM_Manufacturer), "MyoScope");
  EXPECT_EQ(get(ds, DCM_SoftwareVersions), "0.0-test");
  EXPECT_EQ(get(ds, DCM_SeriesDescription), "MyoScope muscle groups");
  EXPECT_NE(get(ds, DCM_SeriesInstanceUID), kSeriesUid);
  EXPECT_FALSE(get(ds, DCM_ContentDate).empty());
  // 3 segments x 8 slices, empty ones included.
  EXPECT_EQ(get(ds, DCM_NumberOfFrames), "24");

  DcmItem* segment = nullptr;
  std::set<std::string> types;
  std::set<std::string> modifiers;
  for (signed long i = 0; ds.findAndGetSequenceItem(DCM_SegmentSequence, segment, i).good(); ++i) {
    DcmItem* category = nullptr;
    ASSERT_TRUE(segment->findAndGetSequenceItem(DCM_SegmentedPropertyCategoryCodeSequence, category, 0).good());
    EXPECT_EQ(get(*category, DCM_CodeValue), "91723000");  // PS3.16 CID 7150 "Anatomical Structure"
    DcmItem* type = nullptr;
    ASSERT_TRUE(segment->findAndGetSequenceItem(DCM_SegmentedPropertyTypeCodeSequence, type, 0).good());
    types.insert(get(*type, DCM_CodeValue));
    DcmItem* modifier = nullptr;  // nested in the type code item (PS3.3 Segment Description Macro)
    ASSERT_TRUE(type->findAndGetSequenceItem(DCM_SegmentedPropertyTypeModifierCodeSequence, modifier, 0).good());
    modifiers.insert(get(*modifier, DCM_CodeValue));
    DcmItem* region = nullptr;  // hip or thigh, with the same laterality
    ASSERT_TRUE(segment->findAndGetSequenceItem(DCM_AnatomicRegionSequence, region, 0).good());
    EXPECT_TRUE(get(*region, DCM_CodeValue) == "29836001" || get(*region, DCM_CodeValue) == "68367000");
    DcmItem* region_side = nullptr;
    ASSERT_TRUE(region->findAndGetSequenceItem(DCM_AnatomicRegionModifierSequence, region_side, 0).good());
    EXPECT_EQ(get(*region_side, DCM_CodeValue), get(*modifier, DCM_CodeValue));
  }
  // Issue #22: no group is coded as plain "Skeletal muscle" (127954009) any more. Gluteus maximus: SNOMED CT;
  // quadriceps: PS3.16's MDC code; adductors: a private code, so the private scheme is declared.
  EXPECT_EQ(types, (std::set<std::string>{"181674001", "7:832", "ADDUCTORS"}));
  EXPECT_EQ(modifiers, (std::set<std::string>{"24028007", "7771000"}));
  DcmItem* scheme = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_CodingSchemeIdentificationSequence, scheme, 0).good());
  EXPECT_EQ(get(*scheme, DCM_CodingSchemeDesignator), "99MYO");

  // Every source instance is referenced, and frame 2 (segment 1, slice 1) derives from the slice at that position.
  DcmItem* series = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_ReferencedSeriesSequence, series, 0).good());
  EXPECT_EQ(get(*series, DCM_SeriesInstanceUID), kSeriesUid);
  DcmSequenceOfItems* instances = nullptr;
  ASSERT_TRUE(series->findAndGetSequence(DCM_ReferencedInstanceSequence, instances).good());
  EXPECT_EQ(instances->card(), grid_.size[2]);
  DcmItem* frame = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame, 1).good());
  DcmItem* derivation = nullptr;
  ASSERT_TRUE(frame->findAndGetSequenceItem(DCM_DerivationImageSequence, derivation, 0).good());
  DcmItem* source = nullptr;
  ASSERT_TRUE(derivation->findAndGetSequenceItem(DCM_SourceImageSequence, source, 0).good());
  // sop_uids_ were made for k = 7..0, so slice 1 is the second to last.
  EXPECT_EQ(get(*source, DCM_ReferencedSOPInstanceUID), sop_uids_[grid_.size[2] - 2]);
}

TEST_F(ResultsTest, SegmentationPassesDciodvfy) {
  if (!have_tool("dciodvfy")) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed";
  const fs::path seg = out("seg.dcm");
  myo::dicom::write_segmentation(labels_, context_, seg);
  std::string output;
  EXPECT_TRUE(dciodvfy_errors(seg, &output).empty()) << output;
}

TEST_F(ResultsTest, EmptyLabelsAreAnErrorNamingTheFile) {
  const fs::path seg = dir_.path() / "empty.dcm";
  try {
    myo::dicom::write_segmentation(LabelVolume(grid_, 0), context_, seg);
    FAIL() << "expected an error";
  } catch (const myo::core::MyoError& e) {
    EXPECT_NE(std::string(e.what()).find("empty.dcm"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(seg));
}

// TID 1500: one volumetric ROI group per segment, readable by DCMTK's dsrdump, referencing the SEG.
TEST_F(ResultsTest, MeasurementReportHoldsTheValuesAndReferencesTheSeg) {
  const auto seg = myo::dicom::write_segmentation(labels_, context_, out("seg_for_sr.dcm"));
  const fs::path sr = out("sr.dcm");
  const auto written = myo::dicom::write_measurement_report(measurements(), context_, seg, sr);
  ASSERT_TRUE(fs::exists(sr));
  auto file = load(sr);
  ASSERT_TRUE(file);
  DcmDataset& ds = *file->getDataset();
  EXPECT_EQ(get(ds, DCM_SOPClassUID), UID_EnhancedSRStorage);
  EXPECT_EQ(get(ds, DCM_StudyInstanceUID), kStudyUid);
  EXPECT_EQ(get(ds, DCM_SOPInstanceUID), written.sop_instance_uid);
  EXPECT_EQ(get(ds, DCM_PatientID), kPatientId);
  EXPECT_EQ(get(ds, DCM_Manufacturer), "MyoScope");

  if (!have_tool("dsrdump")) GTEST_SKIP() << "dsrdump (package dcmtk) is not installed";
  const std::string dump = run("dsrdump +Pu " + sr.string());
  EXPECT_NE(dump.find("Imaging Measurement Report"), std::string::npos) << dump;
  EXPECT_NE(dump.find("Gluteus maximus right"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\"123.25\" (mL,UCUM,\"milliliter\")"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\"12.5\" (%,UCUM,\"Percent\")"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\"3.75\" (%,UCUM,\"Percent\")"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\"456.5\" (mL,UCUM,\"milliliter\")"), std::string::npos) << dump;
  EXPECT_NE(dump.find(seg.sop_instance_uid), std::string::npos) << "the SEG is referenced";
}

TEST_F(ResultsTest, MeasurementReportPassesDciodvfy) {
  if (!have_tool("dciodvfy")) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed";
  const auto seg = myo::dicom::write_segmentation(labels_, context_, out("seg_for_sr.dcm"));
  const fs::path sr = out("sr.dcm");
  myo::dicom::write_measurement_report(measurements(), context_, seg, sr);
  std::string output;
  EXPECT_TRUE(dciodvfy_errors(sr, &output).empty()) << output;
}

TEST_F(ResultsTest, ParametricMapKeepsFloatValuesAndGeometry) {
  myo::core::ImageVolume ff(grid_, 0.0F);
  for (std::size_t i = 0; i < ff.voxels.size(); ++i) ff.voxels[i] = static_cast<float>(i % 1000) / 10.0F;
  const fs::path map = out("fat_fraction.dcm");
  myo::dicom::write_parametric_map(ff, "fat_fraction", "%", context_, map);
  auto file = load(map);
  ASSERT_TRUE(file);
  DcmDataset& ds = *file->getDataset();
  EXPECT_EQ(get(ds, DCM_SOPClassUID), UID_ParametricMapStorage);
  EXPECT_EQ(get(ds, DCM_StudyInstanceUID), kStudyUid);
  EXPECT_EQ(get(ds, DCM_FrameOfReferenceUID), kFrameUid);
  EXPECT_EQ(get(ds, DCM_NumberOfFrames), "8");
  const Float32* values = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(ds.findAndGetFloat32Array(DCM_FloatPixelData, values, &count).good());
  ASSERT_EQ(count, ff.voxels.size());
  for (std::size_t i = 0; i < ff.voxels.size(); ++i) ASSERT_EQ(values[i], ff.voxels[i]) << i;

  if (!have_tool("dciodvfy")) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed";
  std::string output;
  EXPECT_TRUE(dciodvfy_errors(map, &output).empty()) << output;
}

TEST_F(ResultsTest, SecondaryCaptureHoldsTheFigures) {
  std::vector<myo::dicom::RgbImage> figures(2);
  for (auto& f : figures) {
    f.width = 31;  // odd: the pixel data needs padding
    f.height = 17;
    f.rgb.assign(31 * 17 * 3, 200);
  }
  figures[1].rgb[0] = 7;
  const fs::path sc = out("figures.dcm");
  myo::dicom::write_secondary_capture(figures, context_, sc);
  auto file = load(sc);
  ASSERT_TRUE(file);
  DcmDataset& ds = *file->getDataset();
  EXPECT_EQ(get(ds, DCM_SOPClassUID), UID_MultiframeTrueColorSecondaryCaptureImageStorage);
  EXPECT_EQ(get(ds, DCM_StudyInstanceUID), kStudyUid);
  EXPECT_EQ(get(ds, DCM_NumberOfFrames), "2");
  const Uint8* pixels = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(ds.findAndGetUint8Array(DCM_PixelData, pixels, &count).good());
  EXPECT_EQ(pixels[31 * 17 * 3], 7);

  // A smaller figure is centred on the first one's canvas; a buffer of the wrong length is an error.
  std::vector<myo::dicom::RgbImage> mixed = figures;
  mixed[1].width = 29;
  mixed[1].height = 15;
  mixed[1].rgb.assign(29 * 15 * 3, 9);
  myo::dicom::write_secondary_capture(mixed, context_, out("mixed.dcm"));
  auto mixed_file = load(out("mixed.dcm"));
  ASSERT_TRUE(mixed_file);
  EXPECT_EQ(get(*mixed_file->getDataset(), DCM_Columns), "31");
  ASSERT_TRUE(mixed_file->getDataset()->findAndGetUint8Array(DCM_PixelData, pixels, &count).good());
  const std::size_t frame = 31 * 17 * 3;
  EXPECT_EQ(pixels[frame + 0], 0);                     // corner: black border
  EXPECT_EQ(pixels[frame + (1 * 31 + 1) * 3], 9);      // (1,1): the figure
  mixed[1].rgb.pop_back();
  EXPECT_THROW(myo::dicom::write_secondary_capture(mixed, context_, out("broken.dcm")), myo::core::MyoError);

  if (!have_tool("dciodvfy")) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed";
  std::string output;
  EXPECT_TRUE(dciodvfy_errors(sc, &output).empty()) << output;
}

// dcmdump (the tool PACS people use) shows the source study UID in every object.
TEST_F(ResultsTest, DcmdumpShowsTheSourceStudy) {
  if (!have_tool("dcmdump")) GTEST_SKIP() << "dcmdump (package dcmtk) is not installed";
  const auto seg = myo::dicom::write_segmentation(labels_, context_, out("seg.dcm"));
  const auto sr = myo::dicom::write_measurement_report(measurements(), context_, seg, out("sr.dcm"));
  for (const auto& file : {seg.file, sr.file}) {
    const std::string dump = run("dcmdump +P StudyInstanceUID " + file.string());
    EXPECT_NE(dump.find(std::string("[") + kStudyUid + "]"), std::string::npos) << dump;
  }
}

// Basic profile: identifiers gone from every object, and the objects of one run still belong together.
TEST_F(ResultsTest, DeidentifiedObjectsAreConsistentAndCarryNoIdentifiers) {
  context_.deidentify = true;
  const auto seg = myo::dicom::write_segmentation(labels_, context_, out("deid_seg.dcm"));
  const auto sr = myo::dicom::write_measurement_report(measurements(), context_, seg, out("deid_sr.dcm"));
  myo::core::ImageVolume ff(grid_, 5.0F);
  const auto map = myo::dicom::write_parametric_map(ff, "fat_fraction", "%", context_, out("deid_map.dcm"));
  std::vector<myo::dicom::RgbImage> figures(1);
  figures[0].width = 4;
  figures[0].height = 4;
  figures[0].rgb.assign(48, 1);
  const auto sc = myo::dicom::write_secondary_capture(figures, context_, out("deid_sc.dcm"));

  std::set<std::string> study_uids;
  std::set<std::string> patient_ids;
  for (const auto& written : {seg, sr, map, sc}) {
    auto file = load(written.file);
    ASSERT_TRUE(file);
    DcmDataset& ds = *file->getDataset();
    EXPECT_NE(get(ds, DCM_PatientName), kPatientName);
    EXPECT_NE(get(ds, DCM_PatientID), kPatientId);
    EXPECT_FALSE(get(ds, DCM_PatientID).empty());
    EXPECT_TRUE(get(ds, DCM_PatientBirthDate).empty());
    EXPECT_TRUE(get(ds, DCM_AccessionNumber).empty());
    EXPECT_TRUE(get(ds, DCM_ReferringPhysicianName).empty());
    EXPECT_FALSE(ds.tagExists(DCM_StudyDescription));
    EXPECT_EQ(get(ds, DCM_PatientIdentityRemoved), "YES");
    study_uids.insert(get(ds, DCM_StudyInstanceUID));
    patient_ids.insert(get(ds, DCM_PatientID));
    // No source UID survives anywhere in the object (references are pseudonymised too).
    const std::string dump = run("dcmdump " + written.file.string());
    EXPECT_EQ(dump.find(kStudyUid), std::string::npos);
    EXPECT_EQ(dump.find(kSeriesUid), std::string::npos);
    EXPECT_EQ(dump.find(kFrameUid), std::string::npos);
    EXPECT_EQ(dump.find(kPatientId), std::string::npos);
    EXPECT_EQ(dump.find("DOE"), std::string::npos);
    for (const auto& uid : sop_uids_) EXPECT_EQ(dump.find(uid), std::string::npos);
  }
  EXPECT_EQ(study_uids.size(), 1U);
  EXPECT_EQ(patient_ids.size(), 1U);
  // The SEG and the map share the (pseudonymous) frame of reference; the SR still points at the SEG.
  auto seg_file = load(seg.file);
  auto map_file = load(map.file);
  EXPECT_EQ(get(*seg_file->getDataset(), DCM_FrameOfReferenceUID), get(*map_file->getDataset(), DCM_FrameOfReferenceUID));
  EXPECT_NE(run("dcmdump " + sr.file.string()).find(seg.sop_instance_uid), std::string::npos);

  if (!have_tool("dciodvfy")) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed: IOD not checked";
  for (const auto& written : {seg, sr, map, sc}) {
    std::string output;
    EXPECT_TRUE(dciodvfy_errors(written.file, &output).empty()) << written.file << "\n" << output;
  }
}

// Reading a SEG written for another grid must fail with the file named, not place labels wrongly.
TEST_F(ResultsTest, ReadingOntoAnotherGridIsAnErrorNamingTheFile) {
  const fs::path seg = out("seg.dcm");
  myo::dicom::write_segmentation(labels_, context_, seg);
  Geometry shifted = grid_;
  shifted.origin_mm[2] += 2.0;  // half a slice
  try {
    (void)myo::dicom::read_segmentation(seg, shifted);
    FAIL() << "expected an error";
  } catch (const myo::core::MyoError& e) {
    EXPECT_NE(std::string(e.what()).find("seg.dcm"), std::string::npos);
  }
  // A larger target (more slices) is fine: frames land where their positions say.
  Geometry taller = grid_;
  taller.size[2] += 3;
  taller.origin_mm[2] -= 2 * grid_.spacing_mm[2];
  const LabelVolume placed = myo::dicom::read_segmentation(seg, taller);
  for (std::size_t k = 0; k < grid_.size[2]; ++k)
    for (std::size_t j = 0; j < grid_.size[1]; ++j)
      for (std::size_t i = 0; i < grid_.size[0]; ++i) ASSERT_EQ(placed.at(i, j, k + 2), labels_.at(i, j, k));
}

// Binary frames whose pixel count is not a multiple of 8 are bit-packed across frame boundaries (PS3.5 8.1.1):
// a 13x7 grid makes every frame start mid-byte.
TEST_F(ResultsTest, SegmentationRoundTripWithFramesNotOnByteBoundaries) {
  Geometry odd = grid_;
  odd.size = {13, 7, 5};
  LabelVolume labels(odd, 0);
  for (std::size_t i = 0; i < labels.voxels.size(); ++i)
    if (i % 3 == 0) labels.voxels[i] = 1;
    else if (i % 5 == 0) labels.voxels[i] = 15;
  myo::dicom::ResultContext context = context_;
  context.reference_series.files.clear();  // no source files: values from the index, no image references
  const fs::path seg = out("seg_odd.dcm");
  myo::dicom::write_segmentation(labels, context, seg);
  EXPECT_TRUE(myo::dicom::is_dicom_segmentation(seg));
  EXPECT_FALSE(myo::dicom::is_dicom_segmentation(context_.reference_series.files.front()));
  EXPECT_EQ(myo::dicom::read_segmentation(seg, odd).voxels, labels.voxels);
  // Checked against the raw bits too, so a symmetric bug in writer and reader cannot hide (DCMTK 3.6.7's own
  // packing got exactly these frames wrong).
  auto file = load(seg);
  ASSERT_TRUE(file);
  const Uint8* bits = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(file->getDataset()->findAndGetUint8Array(DCM_PixelData, bits, &count).good());
  const std::size_t n = 13 * 7;
  for (std::size_t f = 0; f < 10; ++f) {  // segment 1 (label 1) slices 0..4, then segment 2 (label 15)
    const std::uint16_t value = f < 5 ? 1 : 15;
    for (std::size_t p = 0; p < n; ++p) {
      const std::size_t bit = f * n + p;
      const bool set = ((bits[bit / 8] >> (bit % 8)) & 1U) != 0;
      ASSERT_EQ(set, labels.voxels[(f % 5) * n + p] == value) << "frame " << f << " pixel " << p;
    }
  }
  if (!have_tool("dciodvfy")) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed: IOD not checked";
  std::string output;
  EXPECT_TRUE(dciodvfy_errors(seg, &output).empty()) << output;
}

// The pipeline's path: context from myo::dicom::scan, measurements converted from quantification's struct.
TEST_F(ResultsTest, ContextFromScanAndQuantificationMeasurements) {
  const auto scanned = myo::dicom::scan(dir_.path() / "source");
  ASSERT_EQ(scanned.studies.size(), 1U);
  ASSERT_EQ(scanned.studies.front().series.size(), 1U);
  myo::dicom::ResultContext context;
  context.study = scanned.studies.front();
  context.reference_series = scanned.studies.front().series.front();
  // The grid the pipeline segments on is load_series' grid: the writers rely on it matching the source positions.
  const auto loaded = myo::dicom::load_series(context.reference_series);
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  EXPECT_TRUE(loaded.value().volume.geometry.same_grid(grid_)) << loaded.value().volume.geometry.describe();
  const auto seg = myo::dicom::write_segmentation(labels_, context, out("scan_seg.dcm"));
  EXPECT_EQ(myo::dicom::read_segmentation(seg.file, grid_).voxels, labels_.voxels);

  std::vector<myo::quantification::GroupMeasurement> groups(1);
  groups[0].group = "quadriceps";
  groups[0].side = myo::core::Side::left;
  groups[0].volume_ml = 10.5;
  groups[0].fat_fraction_pct = 20.0;
  const auto measurements = myo::dicom::to_segment_measurements(groups);
  ASSERT_EQ(measurements.size(), 1U);
  EXPECT_EQ(measurements[0].volume_ml, 10.5);
  EXPECT_FALSE(measurements[0].edema_fraction_pct.has_value());
  const auto sr = myo::dicom::write_measurement_report(measurements, context, seg, out("scan_sr.dcm"));
  auto file = load(sr.file);
  ASSERT_TRUE(file);
  EXPECT_EQ(get(*file->getDataset(), DCM_StudyInstanceUID), kStudyUid);
  EXPECT_EQ(get(*file->getDataset(), DCM_PatientID), kPatientId);
}

// Enhanced (multi-frame) sources: one SOP instance, frames referenced by ReferencedFrameNumber.
TEST_F(ResultsTest, EnhancedSourceFramesAreReferencedByFrameNumber) {
  const fs::path enhanced = dir_.path() / "enhanced.dcm";
  char uid[100];
  const std::string sop = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
  {
    DcmFileFormat file;
    DcmDataset* d = file.getDataset();
    ok(d->putAndInsertString(DCM_SOPClassUID, UID_EnhancedMRImageStorage));
    ok(d->putAndInsertString(DCM_SOPInstanceUID, sop.c_str()));
    ok(d->putAndInsertString(DCM_StudyInstanceUID, kStudyUid));
    ok(d->putAndInsertString(DCM_SeriesInstanceUID, kSeriesUid));
    ok(d->putAndInsertString(DCM_FrameOfReferenceUID, kFrameUid));
    ok(d->putAndInsertString(DCM_PatientID, kPatientId));
    ok(d->putAndInsertString(DCM_NumberOfFrames, std::to_string(grid_.size[2]).c_str()));
    for (std::size_t k = 0; k < grid_.size[2]; ++k) {
      DcmItem* frame = nullptr;
      ok(d->findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame, static_cast<signed long>(k)));
      DcmItem* plane = nullptr;
      ok(frame->findOrCreateSequenceItem(DCM_PlanePositionSequence, plane, 0));
      // Frames stored top to bottom: the frame number, not the order, must follow the position.
      const auto p = grid_.index_to_physical({0, 0, static_cast<double>(grid_.size[2] - 1 - k)});
      ok(plane->putAndInsertString(DCM_ImagePositionPatient,
                                   (std::to_string(p[0]) + "\\" + std::to_string(p[1]) + "\\" + std::to_string(p[2])).c_str()));
    }
    ok(file.saveFile(enhanced.c_str(), EXS_LittleEndianExplicit));
  }
  myo::dicom::ResultContext context = context_;
  context.reference_series.files = {enhanced};
  const fs::path seg = out("seg_enhanced_source.dcm");
  myo::dicom::write_segmentation(labels_, context, seg);
  auto file = load(seg);
  ASSERT_TRUE(file);
  DcmDataset& ds = *file->getDataset();
  for (signed long k = 0; k < static_cast<signed long>(grid_.size[2]); ++k) {  // segment 1's frames: slices 0..7
    DcmItem* frame = nullptr;
    ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame, k).good());
    DcmItem* derivation = nullptr;
    ASSERT_TRUE(frame->findAndGetSequenceItem(DCM_DerivationImageSequence, derivation, 0).good());
    DcmItem* source = nullptr;
    ASSERT_TRUE(derivation->findAndGetSequenceItem(DCM_SourceImageSequence, source, 0).good());
    EXPECT_EQ(get(*source, DCM_ReferencedSOPInstanceUID), sop);
    EXPECT_EQ(get(*source, DCM_ReferencedFrameNumber), std::to_string(grid_.size[2] - static_cast<std::size_t>(k)));
  }
  DcmItem* series = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_ReferencedSeriesSequence, series, 0).good());
  DcmSequenceOfItems* instances = nullptr;
  ASSERT_TRUE(series->findAndGetSequence(DCM_ReferencedInstanceSequence, instances).good());
  EXPECT_EQ(instances->card(), 1U);
  if (!have_tool("dciodvfy")) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed: IOD not checked";
  std::string output;
  EXPECT_TRUE(dciodvfy_errors(seg, &output).empty()) << output;
}

// SEGs from other tools carry no MyoScope TrackingID: segments are then recognised by SNOMED type + laterality
// (gluteus maximus) or, for groups coded only as "Skeletal muscle", by their label text (quadriceps).
TEST_F(ResultsTest, SegmentsWithoutTrackingIdAreMappedByCodeOrLabel) {
  const fs::path ours = out("seg_before_foreign.dcm");
  const fs::path seg = out("seg_foreign.dcm");  // not saved over `ours`: DCMTK loads large elements lazily
  myo::dicom::write_segmentation(labels_, context_, ours);
  {
    auto file = load(ours);
    ASSERT_TRUE(file);
    DcmItem* segment = nullptr;
    for (signed long i = 0; file->getDataset()->findAndGetSequenceItem(DCM_SegmentSequence, segment, i).good(); ++i) {
      delete segment->remove(DCM_TrackingID);
      delete segment->remove(DCM_TrackingUID);
    }
    ok(file->saveFile(seg.c_str(), EXS_LittleEndianExplicit));
  }
  EXPECT_EQ(myo::dicom::read_segmentation(seg, grid_).voxels, labels_.voxels);
}

// ---------------------------------------------------------------------------------------------------------------
// Codes and completeness of the results (issue #22 item 3).

// `m` (the fixture's measurements()) completed with every measure the report has for the first group; the second
// group gets its STIR numbers withheld and a fat fraction that is not a number.
std::vector<myo::dicom::SegmentMeasurement> every_measure(std::vector<myo::dicom::SegmentMeasurement> m) {
  m[0].fat_fraction_median_pct = 11.0;
  m[0].edema_volume_ml = 4.625;
  m[0].stir_ratio = 1.375;
  m[0].water_t2_ms = 38.5;
  m[0].mercuri_grade = 3;
  m[0].mercuri_modified_grade = "2b";
  m[0].edema_grade = 1;
  m[1].fat_fraction_pct = std::numeric_limits<double>::quiet_NaN();
  m[1].withheld_channels = {"stir"};
  return m;
}

TEST_F(ResultsTest, MeasurementReportHoldsEveryMeasureWithStandardCodes) {
  const auto seg = myo::dicom::write_segmentation(labels_, context_, out("seg_every.dcm"));
  const fs::path sr = out("sr_every.dcm");
  myo::dicom::write_measurement_report(every_measure(measurements()), context_, seg, sr);
  if (!have_tool("dsrdump")) GTEST_SKIP() << "dsrdump (package dcmtk) is not installed";
  const std::string dump = run("dsrdump +Pc " + sr.string());  // +Pc: concept name codes too
  for (const char* expected : {
           "(118565006,SCT,\"Volume\")=\"123.25\" (mL,UCUM,\"milliliter\")",
           "(129100,DCM,\"Fat fraction\")=\"12.5\" (%,UCUM,\"Percent\")",
           "(129100,DCM,\"Fat fraction\")=\"11\" (%,UCUM,\"Percent\")",
           "(373099004,SCT,\"Median\")",
           "(FATREPLVOL,99MYO,\"Fat-replaced volume\")=\"4.5\" (mL,UCUM,\"milliliter\")",
           "(EDEMAFRAC,99MYO,\"Edema fraction of muscle volume\")=\"3.75\" (%,UCUM,\"Percent\")",
           "(EDEMAVOL,99MYO,\"Edema volume\")=\"4.625\" (mL,UCUM,\"milliliter\")",
           "(STIRRATIO,99MYO,\"STIR signal ratio to normal muscle\")=\"1.375\" ({ratio},UCUM,\"ratio\")",
           "(113065,DCM,\"T2\")=\"38.5\" (ms,UCUM,\"millisecond\")",
           "(MERCURI,99MYO,\"Mercuri grade (original scale 1-4)\")=\"3\"",
           "(MERCURIMOD,99MYO,\"Mercuri grade (modified scale 0-4)\")=\"2b\"",
           "(EDEMAGRADE,99MYO,\"Edema grade (extent 0-3)\")=\"1\"",
           "(181674001,SCT,\"Gluteus maximus muscle\")",
           "(7:832,MDC,\"Musculus quadriceps femoris\")",
           // Quadriceps: NaN fat fraction and withheld STIR numbers have no number, only their reason.
           "(114000,DCM,\"Not a number\")",
           "(114011,DCM,\"Value indeterminate\")",
           "withheld: series covers too",  // dsrdump shortens long texts
       })
    EXPECT_NE(dump.find(expected), std::string::npos) << expected << "\n" << dump;
  EXPECT_EQ(dump.find("nan\""), std::string::npos) << "a NaN was written as a number\n" << dump;
  EXPECT_EQ(dump.find("127954009"), std::string::npos) << dump;
  auto file = load(sr);
  ASSERT_TRUE(file);
  DcmItem* scheme = nullptr;
  ASSERT_TRUE(file->getDataset()->findAndGetSequenceItem(DCM_CodingSchemeIdentificationSequence, scheme, 0).good());
  EXPECT_EQ(get(*scheme, DCM_CodingSchemeDesignator), "99MYO");
}

// Every object MyoScope writes passes dciodvfy: no error, and no warning outside the documented allow-list.
TEST_F(ResultsTest, EveryResultObjectPassesDciodvfyWithinTheAllowList) {
  if (!have_tool("dciodvfy")) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed";
  const auto seg = myo::dicom::write_segmentation(labels_, context_, out("seg_checked.dcm"));
  const auto sr =
      myo::dicom::write_measurement_report(every_measure(measurements()), context_, seg, out("sr_checked.dcm"));
  myo::core::ImageVolume ff(grid_, 12.5F);
  const auto map = myo::dicom::write_parametric_map(ff, "fat_fraction", "%", context_, out("map_checked.dcm"));
  std::vector<myo::dicom::RgbImage> figures(1);
  figures[0].width = 8;
  figures[0].height = 6;
  figures[0].rgb.assign(8 * 6 * 3, 90);
  const auto sc = myo::dicom::write_secondary_capture(figures, context_, out("sc_checked.dcm"));
  for (const auto& written : {seg, sr, map, sc}) {
    std::string output;
    const auto findings = myo::testing::dciodvfy_findings(written.file, &output);
    EXPECT_TRUE(findings.empty()) << written.file << ": " << findings.front() << "\n" << output;
  }
}

}  // namespace
