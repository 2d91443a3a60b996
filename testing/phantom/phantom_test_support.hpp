#pragma once
// DICOM/truth reading helpers shared by the phantom tests (DCMTK is used directly: the tests check what the writer
// put into the files, independently of the project's own reader).
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/phantom/phantom.hpp"
#include "myo/testing/test_support.hpp"

namespace phantom_test {

using myo::dicom::Vendor;
using myo::phantom::PhantomParams;
using myo::phantom::Scenario;

inline PhantomParams small(Vendor vendor, Scenario scenario, unsigned seed) {
  PhantomParams p;
  p.vendor = vendor;
  p.scenario = scenario;
  p.seed = seed;
  p.dixon_voxel_mm = 6.0;
  p.clinical_pixel_mm = 6.0;
  return p;
}

struct Image {
  std::filesystem::path path;
  std::string sop_class, transfer_syntax, study_uid, series_uid, frame_uid, description, image_type, manufacturer;
  std::string sequence_name, scanning_sequence, acquisition_type, patient_position, philips_type, orientation_text;
  int series_number = 0, instance = 0, rows = 0, columns = 0;
  double te = 0, ti = 0, slope = 1, intercept = 0, spacing_between = 0, thickness = 0;
  std::array<double, 3> position{};
  std::array<double, 6> orientation{};
  std::array<double, 2> pixel_spacing{};
  std::vector<Uint16> pixels;
};

inline std::string text(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  return item.findAndGetOFStringArray(tag, value).good() ? std::string(value.c_str()) : std::string();
}

inline double number(DcmItem& item, const DcmTagKey& tag, unsigned long pos = 0) {
  Float64 v = 0;
  return item.findAndGetFloat64(tag, v, pos).good() ? v : 0.0;
}

inline Image read_image(const std::filesystem::path& path, bool with_pixels) {
  DcmFileFormat file;
  const OFCondition status = file.loadFile(path.string().c_str());
  if (status.bad()) throw std::runtime_error(path.string() + ": " + status.text());
  DcmDataset& ds = *file.getDataset();
  DcmMetaInfo& meta = *file.getMetaInfo();
  Image im;
  im.path = path;
  im.sop_class = text(ds, DCM_SOPClassUID);
  im.transfer_syntax = text(meta, DCM_TransferSyntaxUID);
  im.study_uid = text(ds, DCM_StudyInstanceUID);
  im.series_uid = text(ds, DCM_SeriesInstanceUID);
  im.frame_uid = text(ds, DCM_FrameOfReferenceUID);
  im.description = text(ds, DCM_SeriesDescription);
  im.image_type = text(ds, DCM_ImageType);
  im.manufacturer = text(ds, DCM_Manufacturer);
  im.sequence_name = text(ds, DCM_SequenceName);
  im.scanning_sequence = text(ds, DCM_ScanningSequence);
  im.acquisition_type = text(ds, DCM_MRAcquisitionType);
  im.patient_position = text(ds, DCM_PatientPosition);
  im.orientation_text = text(ds, DCM_ImageOrientationPatient);
  im.philips_type = text(ds, DcmTagKey(0x2005, 0x1011));
  Sint32 integer = 0;
  if (ds.findAndGetSint32(DCM_SeriesNumber, integer).good()) im.series_number = integer;
  if (ds.findAndGetSint32(DCM_InstanceNumber, integer).good()) im.instance = integer;
  Uint16 u = 0;
  ds.findAndGetUint16(DCM_Rows, u);
  im.rows = u;
  ds.findAndGetUint16(DCM_Columns, u);
  im.columns = u;
  im.te = number(ds, DCM_EchoTime);
  im.ti = number(ds, DCM_InversionTime);
  im.spacing_between = number(ds, DCM_SpacingBetweenSlices);
  im.thickness = number(ds, DCM_SliceThickness);
  if (ds.tagExists(DCM_RescaleSlope)) {
    im.slope = number(ds, DCM_RescaleSlope);
    im.intercept = number(ds, DCM_RescaleIntercept);
  }
  for (unsigned long i = 0; i < 3; ++i) im.position[i] = number(ds, DCM_ImagePositionPatient, i);
  for (unsigned long i = 0; i < 6; ++i) im.orientation[i] = number(ds, DCM_ImageOrientationPatient, i);
  for (unsigned long i = 0; i < 2; ++i) im.pixel_spacing[i] = number(ds, DCM_PixelSpacing, i);
  if (with_pixels) {
    const Uint16* data = nullptr;
    unsigned long count = 0;
    if (ds.findAndGetUint16Array(DCM_PixelData, data, &count).good() && data != nullptr)
      im.pixels.assign(data, data + count);
  }
  return im;
}

inline std::vector<Image> read_study(const std::filesystem::path& dicom_dir, bool with_pixels = false) {
  std::vector<Image> images;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dicom_dir))
    if (entry.is_regular_file()) images.push_back(read_image(entry.path(), with_pixels));
  return images;
}

inline std::map<std::string, std::vector<const Image*>> by_description(const std::vector<Image>& images) {
  std::map<std::string, std::vector<const Image*>> out;
  for (const auto& im : images) out[im.description].push_back(&im);
  return out;
}

inline nlohmann::json read_truth(const std::filesystem::path& dir) {
  return nlohmann::json::parse(myo::core::read_text_file(dir / "truth" / "truth.json"));
}

inline const nlohmann::json& group(const nlohmann::json& truth, const std::string& name, const std::string& side) {
  for (const auto& g : truth["groups"])
    if (g["group"] == name && g["side"] == side) return g;
  throw std::runtime_error("missing group " + name + " " + side);
}

inline std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Relative path -> content of every file under dir.
inline std::map<std::string, std::string> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file())
      out[std::filesystem::relative(entry.path(), dir).string()] = file_bytes(entry.path());
  return out;
}

inline std::array<double, 3> normal_of(const Image& im) {
  const auto& o = im.orientation;
  return {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
}

inline double along(const Image& im) {
  const auto n = normal_of(im);
  return im.position[0] * n[0] + im.position[1] * n[1] + im.position[2] * n[2];
}

}  // namespace phantom_test
