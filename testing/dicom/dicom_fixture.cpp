#include "dicom_fixture.hpp"

#include <dcmtk/dcmdata/dcddirif.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <fmt/format.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace myo::testing {
namespace fs = std::filesystem;

namespace {
void check(const OFCondition& c, const char* what) {
  if (c.bad()) throw std::runtime_error(std::string(what) + ": " + c.text());
}
std::string ds(double v) { return fmt::format("{:.10g}", v); }
}  // namespace

void write_slice(const SliceSpec& s, const fs::path& path) {
  DcmFileFormat file;
  DcmDataset* d = file.getDataset();
  char uid[100];
  check(d->putAndInsertString(DCM_SOPClassUID, UID_MRImageStorage), "SOPClassUID");
  check(d->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT)), "SOPInstanceUID");
  check(d->putAndInsertString(DCM_Modality, "MR"), "Modality");
  check(d->putAndInsertString(DCM_PatientID, s.patient_id.c_str()), "PatientID");
  check(d->putAndInsertString(DCM_PatientName, s.patient_name.c_str()), "PatientName");
  check(d->putAndInsertString(DCM_PatientBirthDate, "19700101"), "PatientBirthDate");
  check(d->putAndInsertString(DCM_StudyInstanceUID, s.study_uid.c_str()), "StudyInstanceUID");
  check(d->putAndInsertString(DCM_StudyDate, "20260101"), "StudyDate");
  check(d->putAndInsertString(DCM_SeriesInstanceUID, s.series_uid.c_str()), "SeriesInstanceUID");
  check(d->putAndInsertString(DCM_SeriesNumber, std::to_string(s.series_number).c_str()), "SeriesNumber");
  check(d->putAndInsertString(DCM_InstanceNumber, std::to_string(s.instance_number).c_str()), "InstanceNumber");
  check(d->putAndInsertString(DCM_SeriesDescription, s.description.c_str()), "SeriesDescription");
  check(d->putAndInsertString(DCM_Manufacturer, s.manufacturer.c_str()), "Manufacturer");
  check(d->putAndInsertString(DCM_ImageType, s.image_type.c_str()), "ImageType");
  check(d->putAndInsertString(DCM_ScanningSequence, s.scanning_sequence.c_str()), "ScanningSequence");
  if (!s.sequence_name.empty()) check(d->putAndInsertString(DCM_SequenceName, s.sequence_name.c_str()), "SequenceName");
  if (s.echo_time_ms) check(d->putAndInsertString(DCM_EchoTime, ds(*s.echo_time_ms).c_str()), "EchoTime");
  if (s.repetition_time_ms) check(d->putAndInsertString(DCM_RepetitionTime, ds(*s.repetition_time_ms).c_str()), "TR");
  if (s.inversion_time_ms) check(d->putAndInsertString(DCM_InversionTime, ds(*s.inversion_time_ms).c_str()), "TI");
  const auto ipp = fmt::format("{}\\{}\\{}", ds(s.position[0]), ds(s.position[1]), ds(s.position[2]));
  check(d->putAndInsertString(DCM_ImagePositionPatient, ipp.c_str()), "IPP");
  const auto& o = s.orientation;
  const auto iop = fmt::format("{}\\{}\\{}\\{}\\{}\\{}", ds(o[0]), ds(o[1]), ds(o[2]), ds(o[3]), ds(o[4]), ds(o[5]));
  check(d->putAndInsertString(DCM_ImageOrientationPatient, iop.c_str()), "IOP");
  const auto ps = fmt::format("{}\\{}", ds(s.pixel_spacing[0]), ds(s.pixel_spacing[1]));
  check(d->putAndInsertString(DCM_PixelSpacing, ps.c_str()), "PixelSpacing");
  check(d->putAndInsertString(DCM_SliceThickness, "2"), "SliceThickness");
  check(d->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(s.rows)), "Rows");
  check(d->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(s.columns)), "Columns");
  check(d->putAndInsertUint16(DCM_SamplesPerPixel, 1), "SamplesPerPixel");
  check(d->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2"), "Photometric");
  check(d->putAndInsertUint16(DCM_BitsAllocated, 16), "BitsAllocated");
  check(d->putAndInsertUint16(DCM_BitsStored, static_cast<Uint16>(s.bits_stored)), "BitsStored");
  check(d->putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(s.bits_stored - 1)), "HighBit");
  check(d->putAndInsertUint16(DCM_PixelRepresentation, s.signed_pixels ? 1 : 0), "PixelRepresentation");
  if (s.slope) check(d->putAndInsertString(DCM_RescaleSlope, ds(*s.slope).c_str()), "RescaleSlope");
  if (s.intercept) check(d->putAndInsertString(DCM_RescaleIntercept, ds(*s.intercept).c_str()), "RescaleIntercept");
  if (s.field_strength_t) check(d->putAndInsertString(DCM_MagneticFieldStrength, ds(*s.field_strength_t).c_str()), "B0");
  if (s.ge_image_type) {
    check(d->putAndInsertString(DcmTag(0x0043, 0x0010, EVR_LO), "GEMS_PARM_01"), "GE private creator");
    check(d->putAndInsertSint16(DcmTag(0x0043, 0x102F, "GEMS_PARM_01"), static_cast<Sint16>(*s.ge_image_type)), "GE image type");
  }
  const auto n = static_cast<std::size_t>(s.rows * s.columns);
  std::vector<Uint16> pixels(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int v = s.pixels.empty() ? 100 * s.instance_number + static_cast<int>(i) : s.pixels.at(i);
    // Two's complement within BitsStored, as scanners store signed 12-bit data.
    const unsigned mask = s.bits_stored >= 16 ? 0xFFFFU : ((1U << s.bits_stored) - 1U);
    pixels[i] = static_cast<Uint16>(static_cast<unsigned>(v) & mask);
  }
  check(d->putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(n)), "PixelData");
  const E_FileWriteMode mode = s.preamble ? EWM_fileformat : EWM_dataset;
  check(file.saveFile(path.c_str(), EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, mode),
        "saveFile");
}

std::vector<fs::path> write_stack(SliceSpec base, int count, double spacing_mm, const fs::path& folder,
                                  const std::string& prefix) {
  fs::create_directories(folder);
  const core::Vec3 normal = core::cross({base.orientation[0], base.orientation[1], base.orientation[2]},
                                        {base.orientation[3], base.orientation[4], base.orientation[5]});
  const core::Vec3 start = base.position;
  std::vector<fs::path> paths;
  for (int k = 0; k < count; ++k) {
    SliceSpec s = base;
    s.instance_number = k + 1;
    for (int a = 0; a < 3; ++a) s.position[a] = start[a] + normal[a] * spacing_mm * k;
    // Names unrelated to slice order, as PACS exports name files.
    const auto path = folder / fmt::format("{}{:04d}", prefix, (k * 7919 + 13) % 10007);
    write_slice(s, path);
    paths.push_back(path);
  }
  return paths;
}

void write_enhanced(const SliceSpec& s, const std::vector<EnhancedFrame>& frames, const fs::path& path) {
  DcmFileFormat file;
  DcmDataset* d = file.getDataset();
  char uid[100];
  check(d->putAndInsertString(DCM_SOPClassUID, UID_EnhancedMRImageStorage), "SOPClassUID");
  check(d->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT)), "SOPInstanceUID");
  check(d->putAndInsertString(DCM_Modality, "MR"), "Modality");
  check(d->putAndInsertString(DCM_PatientID, s.patient_id.c_str()), "PatientID");
  check(d->putAndInsertString(DCM_StudyInstanceUID, s.study_uid.c_str()), "StudyInstanceUID");
  check(d->putAndInsertString(DCM_SeriesInstanceUID, s.series_uid.c_str()), "SeriesInstanceUID");
  check(d->putAndInsertString(DCM_SeriesNumber, std::to_string(s.series_number).c_str()), "SeriesNumber");
  check(d->putAndInsertString(DCM_SeriesDescription, s.description.c_str()), "SeriesDescription");
  check(d->putAndInsertString(DCM_Manufacturer, "Philips"), "Manufacturer");
  // Top-level values of enhanced objects summarise all frames (MIXED): readers must use the per-frame ones.
  check(d->putAndInsertString(DCM_ImageType, "ORIGINAL\\PRIMARY\\T1\\MIXED"), "ImageType");
  check(d->putAndInsertString(DCM_ComplexImageComponent, "MIXED"), "ComplexImageComponent");
  check(d->putAndInsertString(DCM_NumberOfFrames, std::to_string(frames.size()).c_str()), "NumberOfFrames");
  check(d->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(s.rows)), "Rows");
  check(d->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(s.columns)), "Columns");
  check(d->putAndInsertUint16(DCM_SamplesPerPixel, 1), "SamplesPerPixel");
  check(d->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2"), "Photometric");
  check(d->putAndInsertUint16(DCM_BitsAllocated, 16), "BitsAllocated");
  check(d->putAndInsertUint16(DCM_BitsStored, 12), "BitsStored");
  check(d->putAndInsertUint16(DCM_HighBit, 11), "HighBit");
  check(d->putAndInsertUint16(DCM_PixelRepresentation, 0), "PixelRepresentation");
  DcmItem* shared = nullptr;
  check(d->findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0), "shared");
  DcmItem* item = nullptr;
  check(shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, item, 0), "PixelMeasures");
  check(item->putAndInsertString(DCM_PixelSpacing, fmt::format("{}\\{}", ds(s.pixel_spacing[0]), ds(s.pixel_spacing[1])).c_str()), "PixelSpacing");
  check(item->putAndInsertString(DCM_SliceThickness, "2"), "SliceThickness");
  check(shared->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, item, 0), "PlaneOrientation");
  const auto& o = s.orientation;
  check(item->putAndInsertString(DCM_ImageOrientationPatient,
                                 fmt::format("{}\\{}\\{}\\{}\\{}\\{}", ds(o[0]), ds(o[1]), ds(o[2]), ds(o[3]), ds(o[4]), ds(o[5])).c_str()),
        "IOP");
  std::vector<Uint16> pixels;
  for (const auto& f : frames) {
    DcmItem* pf = nullptr;
    check(d->findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, pf, -2), "per-frame");
    check(pf->findOrCreateSequenceItem(DCM_PlanePositionSequence, item, 0), "PlanePosition");
    check(item->putAndInsertString(DCM_ImagePositionPatient,
                                   fmt::format("{}\\{}\\{}", ds(f.position[0]), ds(f.position[1]), ds(f.position[2])).c_str()),
          "IPP");
    check(pf->findOrCreateSequenceItem(DCM_MRImageFrameTypeSequence, item, 0), "FrameType");
    check(item->putAndInsertString(DCM_FrameType, f.frame_type.c_str()), "FrameType");
    check(item->putAndInsertString(DCM_ComplexImageComponent, f.complex_component.c_str()), "ComplexImageComponent");
    check(pf->findOrCreateSequenceItem(DCM_MREchoSequence, item, 0), "MREcho");
    check(item->putAndInsertFloat64(DCM_EffectiveEchoTime, f.echo_time_ms), "EffectiveEchoTime");
    check(pf->findOrCreateSequenceItem(DCM_PixelValueTransformationSequence, item, 0), "PixelValueTransformation");
    check(item->putAndInsertString(DCM_RescaleSlope, ds(f.slope).c_str()), "RescaleSlope");
    check(item->putAndInsertString(DCM_RescaleIntercept, ds(f.intercept).c_str()), "RescaleIntercept");
    pixels.insert(pixels.end(), static_cast<std::size_t>(s.rows * s.columns), static_cast<Uint16>(f.value));
  }
  check(d->putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())), "PixelData");
  check(file.saveFile(path.c_str(), EXS_LittleEndianExplicit), "saveFile");
}

void write_dicomdir(const fs::path& root, const std::vector<std::string>& relative_files) {
  DicomDirInterface dir;
  dir.enableInventMode(OFTrue);  // test files lack some type 1 directory attributes (StudyTime, StudyID)
  const auto dicomdir = (root / "DICOMDIR").string();
  check(dir.createNewDicomDir(DicomDirInterface::AP_GeneralPurpose, dicomdir.c_str()), "createNewDicomDir");
  for (const auto& f : relative_files) check(dir.addDicomFile(f.c_str(), root.c_str()), ("addDicomFile " + f).c_str());
  check(dir.writeDicomDir(), "writeDicomDir");
}

void gzip_file(const fs::path& source, const fs::path& target) {
  std::ifstream in(source, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gzFile out = gzopen(target.c_str(), "wb");
  if (out == nullptr) throw std::runtime_error("gzopen failed");
  gzwrite(out, content.data(), static_cast<unsigned>(content.size()));
  gzclose(out);
}

}  // namespace myo::testing
