// The results a radiologist reads in the PACS (issue #22 item 4): the overlay series (one Secondary Capture per
// axial slice), the report as Encapsulated PDF and the edema SEG on the STIR series. Each is written from a small
// STIR series made here with the study generator's writer, read back with DCMTK and checked with dciodvfy.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "myo/testing/dciodvfy.hpp"
#include "myo/testing/processes.hpp"
#include "myo/core/error.hpp"
#include "myo/dicom/pacs_results.hpp"
#include "myo/dicom/write.hpp"
#include "myo/phantom/vendor_series.hpp"
#include "myo/testing/test_support.hpp"

namespace {
namespace fs = std::filesystem;
using myo::core::Geometry;

std::string get(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return value.c_str();
}

using myo::testing::dciodvfy_errors;
using myo::testing::have_dciodvfy;

// A 40x30x6 axial STIR series with slice k at z = 20 + 5k, written as a scanner would.
class PacsResultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grid_.size = {40, 30, 6};
    grid_.spacing_mm = {1.5, 1.5, 5.0};
    grid_.origin_mm = {-30.0, -20.0, 20.0};
    stir_ = myo::core::ImageVolume(grid_, 200.0F);
    myo::dicom::PatientStudyTags study;
    study.patient_name = "DOE^JANE";
    myo::phantom::SeriesTags tags;
    tags.series_number = 7;
    const auto files = myo::phantom::write_vendor_series({{myo::dicom::SeriesRole::stir, &stir_}}, study, tags,
                                                dir_.path() / "source");
    context_.reference_series.files = files;
    context_.reference_series.slice_count = files.size();
    DcmFileFormat first;
    ASSERT_TRUE(first.loadFile(files.front().c_str()).good());
    context_.study.study_instance_uid = get(*first.getDataset(), DCM_StudyInstanceUID);
    context_.reference_series.series_instance_uid = get(*first.getDataset(), DCM_SeriesInstanceUID);
    for (const auto& file : files) {  // SOP instance UID of each slice, by z
      DcmFileFormat f;
      ASSERT_TRUE(f.loadFile(file.c_str()).good());
      Float64 z = 0;
      f.getDataset()->findAndGetFloat64(DCM_ImagePositionPatient, z, 2);
      sop_by_z_[static_cast<int>(std::lround(z))] = get(*f.getDataset(), DCM_SOPInstanceUID);
    }
  }

  // Slice k of the grid as a placed image (10 legend rows below the image), pixel value k everywhere.
  [[nodiscard]] myo::dicom::PlacedRgbImage slice(int k) const {
    myo::dicom::PlacedRgbImage p;
    p.image.width = 40;
    p.image.height = 40;
    p.image.rgb.assign(40 * 40 * 3, static_cast<std::uint8_t>(k));
    p.placement.first_pixel_mm = grid_.index_to_physical({0, 0, static_cast<double>(k)});
    p.placement.pixel_spacing_mm = 1.5;
    p.placement.slice_spacing_mm = 5.0;
    p.placement.image_rows = 30;
    return p;
  }

  myo::testing::TempDir dir_{"myo-pacs-results"};
  Geometry grid_;
  myo::core::ImageVolume stir_;
  myo::dicom::ResultContext context_;
  std::map<int, std::string> sop_by_z_;
};

// A PACS viewer scrolls the series by InstanceNumber: one SC instance per slice, head (largest z) first whatever the
// order given, each with the orientation and pixel spacing the SC IOD allows and its source STIR image referenced.
TEST_F(PacsResultsTest, OverlaySeriesIsOneScrollableCapturePerSliceHeadFirst) {
  std::vector<myo::dicom::PlacedRgbImage> slices;
  for (int k = 0; k < 6; ++k) slices.push_back(slice(k));  // feet first
  const auto written = myo::dicom::write_overlay_series(slices, context_, dir_.path() / "overlay");
  ASSERT_EQ(written.size(), 6U);
  std::set<std::string> series;
  for (std::size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(written[i].file.filename().string(), "overlay_00" + std::to_string(i + 1) + ".dcm");
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(written[i].file.c_str()).good());
    DcmDataset& ds = *file.getDataset();
    EXPECT_EQ(get(ds, DCM_SOPClassUID), UID_SecondaryCaptureImageStorage);
    EXPECT_EQ(get(ds, DCM_StudyInstanceUID), context_.study.study_instance_uid);
    EXPECT_EQ(get(ds, DCM_InstanceNumber), std::to_string(i + 1));
    EXPECT_EQ(get(ds, DCM_PatientOrientation), "L\\P");
    EXPECT_EQ(get(ds, DCM_PixelSpacing), "1.5\\1.5");
    EXPECT_EQ(get(ds, DCM_PhotometricInterpretation), "RGB");
    EXPECT_EQ(get(ds, DCM_BurnedInAnnotation), "NO");
    series.insert(get(ds, DCM_SeriesInstanceUID));
    const int k = 5 - static_cast<int>(i);  // instance 1 is the top slice
    const Uint8* pixels = nullptr;
    ASSERT_TRUE(ds.findAndGetUint8Array(DCM_PixelData, pixels).good());
    EXPECT_EQ(pixels[0], k);
    DcmItem* source = nullptr;
    ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_SourceImageSequence, source, 0).good());
    EXPECT_EQ(get(*source, DCM_ReferencedSOPInstanceUID), sop_by_z_.at(20 + 5 * k));
    if (i == 0 && have_dciodvfy()) {
      std::string output;
      EXPECT_TRUE(dciodvfy_errors(written[i].file, &output).empty()) << output;
    }
  }
  EXPECT_EQ(series.size(), 1U) << "one series for all slices";
  EXPECT_EQ(series.count(context_.reference_series.series_instance_uid), 0U) << "a new series";
  if (!have_dciodvfy()) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed: IOD not checked";
}

// The report travels as Encapsulated PDF with its title, in the patient's study; the exact PDF bytes come back
// (an odd-length document is padded, EncapsulatedDocumentLength says where it ends). A file that is no PDF is refused
// naming it.
TEST_F(PacsResultsTest, ReportIsEncapsulatedPdfWithTitleAndExactBytes) {
  const std::string pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
  ASSERT_EQ(pdf.size() % 2, 1U);
  std::ofstream(dir_.path() / "report.pdf", std::ios::binary) << pdf;
  myo::dicom::EncapsulatedPdfOptions options;
  options.document_title = "Quantitative muscle MRI of hips and thighs";
  const auto written =
      myo::dicom::write_encapsulated_pdf(dir_.path() / "report.pdf", context_, dir_.path() / "report.dcm", options);
  EXPECT_EQ(written.sop_class_uid, UID_EncapsulatedPDFStorage);
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(written.file.c_str()).good());
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(get(ds, DCM_DocumentTitle), options.document_title);
  EXPECT_EQ(get(ds, DCM_Modality), "DOC");
  EXPECT_EQ(get(ds, DCM_MIMETypeOfEncapsulatedDocument), "application/pdf");
  EXPECT_EQ(get(ds, DCM_StudyInstanceUID), context_.study.study_instance_uid);
  EXPECT_EQ(get(ds, DCM_BurnedInAnnotation), "YES") << "the PDF shows the patient's name";
  Uint32 length = 0;
  ASSERT_TRUE(ds.findAndGetUint32(DCM_EncapsulatedDocumentLength, length).good());
  EXPECT_EQ(length, pdf.size());
  const Uint8* bytes = nullptr;
  ASSERT_TRUE(ds.findAndGetUint8Array(DCM_EncapsulatedDocument, bytes).good());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes), length), pdf);
  DcmItem* source = nullptr;
  EXPECT_TRUE(ds.findAndGetSequenceItem(DCM_SourceInstanceSequence, source, 5).good()) << "the 6 STIR images";

  std::ofstream(dir_.path() / "fake.pdf") << "<html>not a pdf</html>";
  try {
    (void)myo::dicom::write_encapsulated_pdf(dir_.path() / "fake.pdf", context_, dir_.path() / "fake.dcm");
    ADD_FAILURE() << "a file that is no PDF was encapsulated";
  } catch (const myo::core::MyoError& e) {
    EXPECT_NE(std::string(e.what()).find("fake.pdf"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "fake.dcm"));
  if (!have_dciodvfy()) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed: IOD not checked";
  std::string output;
  EXPECT_TRUE(dciodvfy_errors(written.file, &output).empty()) << output;
}

// The edema SEG: one binary segment coded SCT 79654002 "Edema" (category SCT 49755003), a frame per STIR slice that
// references its STIR image and holds exactly the mask's voxels.
TEST_F(PacsResultsTest, EdemaSegmentationIsCodedAndOnTheStirSlices) {
  myo::core::MaskVolume edema(grid_, 0);
  std::size_t voxels = 0;
  for (std::size_t k = 2; k < 4; ++k)
    for (std::size_t j = 3; j < 9; ++j)
      for (std::size_t i = 5; i < 12; ++i, ++voxels) edema.at(i, j, k) = 1;
  const auto written = myo::dicom::write_edema_segmentation(edema, context_, dir_.path() / "edema.dcm");
  EXPECT_EQ(written.sop_class_uid, UID_SegmentationStorage);
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(written.file.c_str()).good());
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(get(ds, DCM_NumberOfFrames), "6");
  DcmItem* segment = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_SegmentSequence, segment, 0).good());
  EXPECT_FALSE(ds.findAndGetSequenceItem(DCM_SegmentSequence, segment, 1).good()) << "one segment only";
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_SegmentSequence, segment, 0).good());
  EXPECT_EQ(get(*segment, DCM_SegmentLabel), "Edema");
  DcmItem* code = nullptr;
  ASSERT_TRUE(segment->findAndGetSequenceItem(DCM_SegmentedPropertyTypeCodeSequence, code, 0).good());
  EXPECT_EQ(get(*code, DCM_CodeValue), "79654002");
  EXPECT_EQ(get(*code, DCM_CodingSchemeDesignator), "SCT");
  ASSERT_TRUE(segment->findAndGetSequenceItem(DCM_SegmentedPropertyCategoryCodeSequence, code, 0).good());
  EXPECT_EQ(get(*code, DCM_CodeValue), "49755003");
  DcmItem* series = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_ReferencedSeriesSequence, series, 0).good());
  EXPECT_EQ(get(*series, DCM_SeriesInstanceUID), context_.reference_series.series_instance_uid);
  const Uint8* bits = nullptr;
  unsigned long bytes = 0;
  ASSERT_TRUE(ds.findAndGetUint8Array(DCM_PixelData, bits, &bytes).good());
  std::size_t set = 0;
  for (unsigned long b = 0; b < bytes; ++b) set += static_cast<std::size_t>(__builtin_popcount(bits[b]));
  EXPECT_EQ(set, voxels);
  if (!have_dciodvfy()) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed: IOD not checked";
  std::string output;
  EXPECT_TRUE(dciodvfy_errors(written.file, &output).empty()) << output;
}

}  // namespace

namespace {

// --deidentify reaches the new objects too: no patient name or source UID in any of them, one pseudonymous study, and
// the PDF marked as showing no identifiers.
TEST_F(PacsResultsTest, DeidentifiedObjectsCarryNoIdentifiers) {
  context_.deidentify = true;
  std::ofstream(dir_.path() / "report.pdf", std::ios::binary) << "%PDF-1.4\n%%EOF\n";
  myo::dicom::EncapsulatedPdfOptions pdf;
  pdf.shows_patient_identifiers = false;
  std::vector<fs::path> files;
  for (const auto& w : myo::dicom::write_overlay_series({slice(2)}, context_, dir_.path() / "overlay"))
    files.push_back(w.file);
  files.push_back(
      myo::dicom::write_encapsulated_pdf(dir_.path() / "report.pdf", context_, dir_.path() / "report.dcm", pdf).file);
  files.push_back(myo::dicom::write_edema_segmentation(myo::core::MaskVolume(grid_, 1), context_,
                                                       dir_.path() / "edema.dcm")
                      .file);
  std::set<std::string> studies;
  for (const auto& file : files) {
    const std::string dump = myo::testing::capture("dcmdump -q " + file.string());
    ASSERT_FALSE(dump.empty()) << file;
    EXPECT_EQ(dump.find("DOE"), std::string::npos) << file;
    EXPECT_EQ(dump.find(context_.study.study_instance_uid), std::string::npos) << file;
    for (const auto& [z, sop] : sop_by_z_) EXPECT_EQ(dump.find(sop), std::string::npos) << file;
    DcmFileFormat f;
    ASSERT_TRUE(f.loadFile(file.c_str()).good());
    studies.insert(get(*f.getDataset(), DCM_StudyInstanceUID));
    EXPECT_EQ(get(*f.getDataset(), DCM_PatientIdentityRemoved), "YES") << file;
  }
  EXPECT_EQ(studies.size(), 1U);
}

}  // namespace
