#include "myo/dicom/write.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fmt/format.h>
#include <memory>
#include <set>
#include <string_view>

#include "myo/core/error.hpp"
#include "myo/core/geometry.hpp"
#include "vendor_tags.hpp"

namespace myo::dicom {
namespace {

using detail::VendorConvention;

// 64-bit FNV-1a followed by a splitmix finaliser: stable across platforms and runs (std::hash is not).
std::uint64_t hash64(std::string_view text, std::uint64_t basis) {
  std::uint64_t h = basis;
  for (const unsigned char ch : text) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

// Decimal text of a 128-bit number held as four 32-bit limbs (most significant first).
std::string to_decimal(std::array<std::uint32_t, 4> limbs) {
  std::string digits;
  const auto is_zero = [&] { return std::all_of(limbs.begin(), limbs.end(), [](std::uint32_t v) { return v == 0; }); };
  while (!is_zero()) {
    std::uint64_t remainder = 0;
    for (auto& limb : limbs) {
      const std::uint64_t current = (remainder << 32) | limb;
      limb = static_cast<std::uint32_t>(current / 10);
      remainder = current % 10;
    }
    digits.push_back(static_cast<char>('0' + remainder));
  }
  if (digits.empty()) digits = "0";
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::string format_ds(double value) {
  // DS is at most 16 characters: keep enough precision for geometry without exceeding it.
  std::string text = fmt::format("{:.6f}", value);
  if (text.find('.') != std::string::npos) {
    while (!text.empty() && text.back() == '0') text.pop_back();
    if (!text.empty() && text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  if (text.size() > 16) text = fmt::format("{:.10g}", value);
  return text;
}

std::string format_ds_list(std::initializer_list<double> values) {
  std::string out;
  for (const double v : values) {
    if (!out.empty()) out += '\\';
    out += format_ds(v);
  }
  return out;
}

void check(const OFCondition& condition, const std::filesystem::path& file, std::string_view what) {
  if (condition.bad()) throw core::MyoError(file.string(), fmt::format("cannot {}: {}", what, condition.text()));
}

struct PixelScaling {
  double slope = 1.0;
  double intercept = 0.0;
  bool write_rescale = false;
  int bits_stored = 16;
};

// Siemens and GE store the reconstructed integers directly (no rescale tags) when the values fit; Philips stores
// 12-bit values with RescaleSlope/Intercept (and per image type slopes), so readers must apply the rescale.
PixelScaling choose_scaling(const core::ImageVolume& volume, const VendorConvention& convention) {
  if (convention.siemens_phase_rescale) return {2.0, -4096.0, true, 12};
  float lo = 0.0F;
  float hi = 0.0F;
  if (!volume.voxels.empty()) {
    const auto [mn, mx] = std::minmax_element(volume.voxels.begin(), volume.voxels.end());
    lo = *mn;
    hi = *mx;
  }
  PixelScaling s;
  if (convention.rescale) {
    s.write_rescale = true;
    s.bits_stored = 12;
    s.intercept = std::min(0.0, static_cast<double>(lo));
    const double range = static_cast<double>(hi) - s.intercept;
    s.slope = range > 0 ? range / 4095.0 : 1.0;
    return s;
  }
  if (lo >= 0.0F && hi <= 65535.0F && hi >= 255.0F) {
    s.bits_stored = hi <= 4095.0F ? 12 : 16;
    return s;
  }
  s.write_rescale = true;
  s.intercept = std::min(0.0, static_cast<double>(lo));
  const double range = static_cast<double>(hi) - s.intercept;
  s.slope = range > 0 ? range / 65535.0 : 1.0;
  return s;
}

// Window from the 99th percentile of the non-zero voxels, as consoles pick a default window.
std::pair<double, double> default_window(const core::ImageVolume& volume) {
  std::vector<float> sample;
  const std::size_t step = std::max<std::size_t>(1, volume.voxels.size() / 200000);
  for (std::size_t i = 0; i < volume.voxels.size(); i += step)
    if (volume.voxels[i] > 0.0F) sample.push_back(volume.voxels[i]);
  if (sample.empty()) return {50.0, 100.0};
  const auto nth = sample.begin() + static_cast<std::ptrdiff_t>(0.99 * static_cast<double>(sample.size() - 1));
  std::nth_element(sample.begin(), nth, sample.end());
  const double top = std::max(1.0, static_cast<double>(*nth));
  return {std::round(top / 2.0), std::round(top)};
}

std::string file_name_for(Vendor vendor, const std::string& sop_uid, int instance_number,
                          const std::filesystem::path& directory, std::set<std::string>& taken,
                          std::size_t& philips_counter) {
  std::string name;
  for (std::uint64_t attempt = 0;; ++attempt) {
    switch (vendor) {
      case Vendor::philips:
        // Philips CD/PACS exports: DICOM/IM_0001, IM_0002, ... numbered across the folder.
        name = fmt::format("IM_{:04d}", ++philips_counter);
        break;
      case Vendor::ge:
        name = fmt::format("i{:07d}.MRDC.{}", static_cast<unsigned>(hash64(sop_uid, 0x9e37 + attempt) % 10000000U),
                           instance_number);
        break;
      case Vendor::siemens:
      case Vendor::unknown:
        // PACS media exports: eight hexadecimal characters, no extension.
        name = fmt::format("{:08X}", static_cast<std::uint32_t>(hash64(sop_uid, 0xcbf29ce484222325ULL + attempt)));
        break;
    }
    if (!taken.count(name) && !std::filesystem::exists(directory / name)) break;
  }
  taken.insert(name);
  return name;
}

std::string orientation_text(const core::Geometry& g) {
  const core::Vec3 r = g.axis(0);
  const core::Vec3 c = g.axis(1);
  return format_ds_list({r[0], r[1], r[2], c[0], c[1], c[2]});
}

}  // namespace

std::string conventional_description(Vendor vendor, SeriesRole role, bool three_d, bool localizer) {
  return detail::convention_for(vendor, role, three_d, localizer).series_description;
}

std::string new_uid() {
  char buffer[100];
  dcmGenerateUniqueIdentifier(buffer, SITE_INSTANCE_UID_ROOT);
  return buffer;
}

std::string uid_from_key(const std::string& key) {
  const std::uint64_t a = hash64(key, 0xcbf29ce484222325ULL);
  const std::uint64_t b = hash64(key, 0x84222325cbf29ce4ULL);
  // Clear the top bit so the number never starts a 40-digit run (keeps the UID within 64 characters).
  const std::array<std::uint32_t, 4> limbs{static_cast<std::uint32_t>(a >> 32) & 0x7fffffffU,
                                           static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b >> 32),
                                           static_cast<std::uint32_t>(b)};
  return "2.25." + to_decimal(limbs);
}

std::vector<std::filesystem::path> write_series(const std::vector<ImageComponent>& components,
                                                const PatientStudyTags& study, const SeriesTags& series,
                                                const std::filesystem::path& directory) {
  if (components.empty()) throw core::MyoError(directory.string(), "no images to write");
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw core::MyoError(directory.string(), "cannot create folder: " + ec.message(), core::ErrorKind::output);

  const std::string study_uid = study.study_instance_uid.empty() ? new_uid() : study.study_instance_uid;
  const std::string frame_uid = study.frame_of_reference_uid.empty() ? new_uid() : study.frame_of_reference_uid;
  const std::string series_uid = series.series_instance_uid.empty() ? new_uid() : series.series_instance_uid;
  const std::string series_time = series.series_time.empty() ? study.study_time : series.series_time;
  const double field = study.magnetic_field_strength_t;
  const double larmor_mhz = 42.577478 * field;

  std::set<std::string> taken;
  std::size_t philips_counter = 0;
  if (series.vendor == Vendor::philips)
    for (const auto& entry : std::filesystem::directory_iterator(directory))
      if (entry.path().filename().string().rfind("IM_", 0) == 0) ++philips_counter;
  std::vector<std::filesystem::path> written;
  int instance_number = 0;
  for (const auto& component : components) {
    if (component.volume == nullptr) throw core::MyoError(directory.string(), "image component without volume");
    const core::ImageVolume& volume = *component.volume;
    volume.check();
    const core::Geometry& g = volume.geometry;
    const VendorConvention convention =
        detail::convention_for(series.vendor, component.role, series.three_d, series.localizer, component.phase);
    const std::string description =
        series.series_description.empty() ? convention.series_description : series.series_description;
    const PixelScaling scaling = choose_scaling(volume, convention);
    const auto [window_center, window_width] = default_window(volume);
    const std::optional<double> echo_time = component.echo_time_ms ? component.echo_time_ms : series.echo_time_ms;
    const core::Vec3 normal = g.axis(2);
    const double slice_spacing = g.spacing_mm[2];
    const double thickness = series.slice_thickness_mm.value_or(slice_spacing);
    const std::size_t columns = g.size[0];
    const std::size_t rows = g.size[1];
    std::vector<Uint16> pixels(rows * columns);

    for (std::size_t k = 0; k < g.size[2]; ++k) {
      ++instance_number;
      const std::string sop_uid = series.sop_instance_uid_prefix.empty()
                                      ? new_uid()
                                      : fmt::format("{}.{}", series.sop_instance_uid_prefix, instance_number);
      const std::filesystem::path file =
          directory / file_name_for(series.vendor, sop_uid, instance_number, directory, taken, philips_counter);

      auto format = std::make_unique<DcmFileFormat>();
      DcmDataset* ds = format->getDataset();
      const auto put = [&](const DcmTagKey& tag, const std::string& value) {
        check(ds->putAndInsertString(DcmTag(tag), value.c_str()), file,
              fmt::format("set ({:04x},{:04x})", tag.getGroup(), tag.getElement()));
      };
      const auto put_us = [&](const DcmTagKey& tag, Uint16 value) {
        check(ds->putAndInsertUint16(tag, value), file,
              fmt::format("set ({:04x},{:04x})", tag.getGroup(), tag.getElement()));
      };

      put(DCM_SpecificCharacterSet, "ISO_IR 100");
      put(DCM_ImageType, convention.image_type);
      put(DCM_SOPClassUID, UID_MRImageStorage);
      put(DCM_SOPInstanceUID, sop_uid);
      put(DCM_StudyDate, study.study_date);
      put(DCM_SeriesDate, study.study_date);
      put(DCM_AcquisitionDate, study.study_date);
      put(DCM_ContentDate, study.study_date);
      put(DCM_StudyTime, study.study_time);
      put(DCM_SeriesTime, series_time);
      put(DCM_AcquisitionTime, series_time);
      put(DCM_ContentTime, series_time);
      put(DCM_AccessionNumber, study.accession_number);
      put(DCM_Modality, "MR");
      put(DCM_Manufacturer, convention.manufacturer);
      put(DCM_InstitutionName, "MYOSCOPE SYNTHETIC");
      put(DCM_ReferringPhysicianName, "");
      put(DCM_StationName, convention.station_name);
      put(DCM_StudyDescription, study.study_description);
      put(DCM_SeriesDescription, description);
      put(DCM_ManufacturerModelName, convention.model);
      put(DCM_PatientName, study.patient_name);
      put(DCM_PatientID, study.patient_id);
      put(DCM_PatientBirthDate, study.patient_birth_date);
      put(DCM_PatientSex, study.patient_sex);
      put(DCM_BodyPartExamined, series.body_part);
      put(DCM_ScanningSequence, convention.scanning_sequence);
      put(DCM_SequenceVariant, convention.sequence_variant);
      put(DCM_ScanOptions, convention.scan_options);
      put(DCM_MRAcquisitionType, series.three_d ? "3D" : "2D");
      put(DCM_SequenceName, convention.sequence_name);
      put(DCM_SliceThickness, format_ds(thickness));
      if (series.repetition_time_ms) put(DCM_RepetitionTime, format_ds(*series.repetition_time_ms));
      if (echo_time) put(DCM_EchoTime, format_ds(*echo_time));
      if (series.inversion_time_ms) put(DCM_InversionTime, format_ds(*series.inversion_time_ms));
      put(DCM_NumberOfAverages, "1");
      put(DCM_ImagingFrequency, format_ds(larmor_mhz));
      put(DCM_ImagedNucleus, "1H");
      put(DCM_EchoNumbers, std::to_string(component.echo_number));
      put(DCM_MagneticFieldStrength, format_ds(field));
      put(DCM_SpacingBetweenSlices, format_ds(slice_spacing));
      put(DCM_SoftwareVersions, convention.software_versions);
      put(DCM_ProtocolName, series.protocol_name.empty() ? description : series.protocol_name);
      put(DCM_ReceiveCoilName, convention.receive_coil);
      put(DCM_InPlanePhaseEncodingDirection, "ROW");
      if (series.flip_angle_deg) put(DCM_FlipAngle, format_ds(*series.flip_angle_deg));
      put(DCM_PatientPosition, "HFS");
      put(DCM_StudyInstanceUID, study_uid);
      put(DCM_SeriesInstanceUID, series_uid);
      put(DCM_StudyID, "1");
      put(DCM_SeriesNumber, std::to_string(series.series_number));
      put(DCM_AcquisitionNumber, "1");
      put(DCM_InstanceNumber, std::to_string(instance_number));
      const core::Vec3 position = g.index_to_physical({0.0, 0.0, static_cast<double>(k)});
      put(DCM_ImagePositionPatient, format_ds_list({position[0], position[1], position[2]}));
      put(DCM_ImageOrientationPatient, orientation_text(g));
      put(DCM_FrameOfReferenceUID, frame_uid);
      put(DCM_PositionReferenceIndicator, "");
      put(DCM_SliceLocation, format_ds(core::dot(position, normal)));
      if (convention.complex_image_component) put(DCM_ComplexImageComponent, component.phase ? "PHASE" : "MAGNITUDE");
      if (convention.ge_image_type >= 0) {
        // GE private image type (0043,102F) SS under creator GEMS_PARM_01: 0 magnitude, 1 phase.
        const char* creator = "GEMS_PARM_01";
        check(ds->putAndInsertString(DcmTag(0x0043, 0x0010, EVR_LO), creator), file, "set private creator");
        DcmTag ge_type(0x0043, 0x102F, EVR_SS);
        ge_type.setPrivateCreator(creator);
        check(ds->putAndInsertSint16(ge_type, static_cast<Sint16>(convention.ge_image_type)), file,
              "set GE image type");
      }
      put_us(DCM_SamplesPerPixel, 1);
      put(DCM_PhotometricInterpretation, "MONOCHROME2");
      put_us(DCM_Rows, static_cast<Uint16>(rows));
      put_us(DCM_Columns, static_cast<Uint16>(columns));
      // PixelSpacing is row spacing (between rows, i.e. along the column direction) first, then column spacing.
      put(DCM_PixelSpacing, format_ds_list({g.spacing_mm[1], g.spacing_mm[0]}));
      put_us(DCM_BitsAllocated, 16);
      put_us(DCM_BitsStored, static_cast<Uint16>(scaling.bits_stored));
      put_us(DCM_HighBit, static_cast<Uint16>(scaling.bits_stored - 1));
      put_us(DCM_PixelRepresentation, 0);
      put(DCM_WindowCenter, format_ds(window_center));
      put(DCM_WindowWidth, format_ds(window_width));
      if (scaling.write_rescale) {
        put(DCM_RescaleIntercept, format_ds(scaling.intercept));
        put(DCM_RescaleSlope, fmt::format("{:.10g}", scaling.slope));
        put(DCM_RescaleType, convention.rescale ? "normalized" : "US");
      }
      if (!convention.philips_image_type.empty()) {
        // Philips private MR image type (2005,1011) in the block reserved by "Philips MR Imaging DD 001".
        const char* creator = "Philips MR Imaging DD 001";
        check(ds->putAndInsertString(DcmTag(0x2005, 0x0010, EVR_LO), creator), file, "set private creator");
        DcmTag private_type(0x2005, 0x1011, EVR_CS);
        private_type.setPrivateCreator(creator);
        check(ds->putAndInsertString(private_type, convention.philips_image_type.c_str()), file,
              "set Philips image type");
        // Private ScaleSlope (2005,100E) as real exports carry it. Set to 1/RescaleSlope so that the "precise
        // float" value DV / (RescaleSlope * ScaleSlope) equals the displayed value DV: both readings agree.
        DcmTag scale_slope(0x2005, 0x100E, EVR_FL);
        scale_slope.setPrivateCreator(creator);
        check(ds->putAndInsertFloat32(scale_slope, static_cast<Float32>(1.0 / scaling.slope)), file,
              "set Philips scale slope");
      }

      const std::uint16_t max_stored = static_cast<std::uint16_t>((1U << scaling.bits_stored) - 1U);
      for (std::size_t j = 0; j < rows; ++j)
        for (std::size_t i = 0; i < columns; ++i) {
          const double v = (static_cast<double>(volume.at(i, j, k)) - scaling.intercept) / scaling.slope;
          const double clamped = std::clamp(std::round(v), 0.0, static_cast<double>(max_stored));
          pixels[j * columns + i] = static_cast<Uint16>(clamped);
        }
      check(ds->putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())),
            file, "set pixel data");
      check(format->saveFile(file.string().c_str(), EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_recalcGL,
                             EPD_noChange, 0, 0, EWM_createNewMeta),
            file, "write DICOM file");
      written.push_back(file);
    }
  }
  return written;
}

}  // namespace myo::dicom
