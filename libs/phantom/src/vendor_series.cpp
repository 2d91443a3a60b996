// A vendor's series: the convention table turned into the attributes the generic DICOM writer puts in each file.
#include "myo/phantom/vendor_series.hpp"

#include <string>

#include "vendor_conventions.hpp"

namespace myo::phantom {
namespace {

using dicom::Attribute;
using dicom::Vendor;

void add_number(std::vector<Attribute>& out, const char* keyword, const std::optional<double>& value) {
  if (value) out.push_back({keyword, dicom::decimal_string(*value)});
}

// What every file of the series carries: acquisition settings and the scanner.
std::vector<Attribute> series_attributes(const dicom::PatientStudyTags& study, const SeriesTags& series) {
  const detail::VendorIdentity& scanner = detail::vendor_identity(series.vendor);
  const std::string time = series.series_time.empty() ? study.study_time : series.series_time;
  std::vector<Attribute> out{{"SeriesTime", time},
                             {"AcquisitionTime", time},
                             {"ContentTime", time},
                             {"Manufacturer", std::string(scanner.manufacturer)},
                             {"InstitutionName", "MYOSCOPE SYNTHETIC"},
                             {"StationName", std::string(scanner.station_name)},
                             {"ManufacturerModelName", std::string(scanner.model)},
                             {"SoftwareVersions", std::string(scanner.software_versions)},
                             {"ReceiveCoilName", std::string(scanner.receive_coil)},
                             {"BodyPartExamined", series.body_part},
                             {"MRAcquisitionType", series.three_d ? "3D" : "2D"},
                             {"NumberOfAverages", "1"},
                             {"ImagedNucleus", "1H"},
                             {"InPlanePhaseEncodingDirection", "ROW"},
                             {"PatientPosition", "HFS"},
                             {"SeriesNumber", std::to_string(series.series_number)}};
  add_number(out, "RepetitionTime", series.repetition_time_ms);
  add_number(out, "InversionTime", series.inversion_time_ms);
  add_number(out, "FlipAngle", series.flip_angle_deg);
  return out;
}

// The vendor's private tags for one image: Philips' MR image type and ScaleSlope, GE's magnitude/phase type.
void add_private_attributes(const detail::ConventionRow& row, dicom::ImageSpec& spec) {
  if (row.ge_image_type >= 0)
    spec.private_attributes.push_back({0x0043, 0x102F, "GEMS_PARM_01", "SS", std::to_string(row.ge_image_type)});
  if (!row.philips_image_type.empty()) {
    const std::string creator = "Philips MR Imaging DD 001";
    spec.private_attributes.push_back({0x2005, 0x1011, creator, "CS", std::string(row.philips_image_type)});
    // Private ScaleSlope as real exports carry it, 1/RescaleSlope: the "precise float" value DV / (RescaleSlope *
    // ScaleSlope) then equals the displayed value DV, so both readings agree.
    spec.reciprocal_rescale_slope = dicom::PrivateAttribute{0x2005, 0x100E, creator, "FL", ""};
  }
}

dicom::ImageSpec image_spec(const ImageComponent& component, const SeriesTags& series) {
  const detail::VendorIdentity& scanner = detail::vendor_identity(series.vendor);
  const detail::ConventionRow& row = detail::convention_row(
      series.vendor, detail::convention_key(component.role, series.three_d, series.localizer, component.phase));
  const std::string description =
      series.series_description.empty() ? std::string(row.series_description) : series.series_description;
  dicom::ImageSpec spec;
  spec.volume = component.volume;
  spec.attributes = {{"ImageType", std::string(row.image_type)},
                     {"SeriesDescription", description},
                     {"ProtocolName", series.protocol_name.empty() ? description : series.protocol_name},
                     {"ScanningSequence", std::string(row.scanning_sequence)},
                     {"SequenceVariant", std::string(row.sequence_variant)},
                     {"ScanOptions", std::string(row.scan_options)},
                     {"SequenceName", std::string(row.sequence_name)},
                     {"EchoNumbers", std::to_string(component.echo_number)}};
  add_number(spec.attributes, "EchoTime", component.echo_time_ms ? component.echo_time_ms : series.echo_time_ms);
  if (scanner.complex_image_component)
    spec.attributes.push_back({"ComplexImageComponent", component.phase ? "PHASE" : "MAGNITUDE"});
  add_private_attributes(row, spec);
  spec.storage = row.phase_12bit            ? dicom::PixelStorage::phase_12bit
                 : scanner.rescaled_12bit ? dicom::PixelStorage::rescaled_12bit
                                          : dicom::PixelStorage::direct;
  return spec;
}

// Media exports: Philips numbers IM_nnnn across its flat folder, GE writes i<n>.MRDC.<instance>, Siemens PACS
// exports eight hexadecimal characters.
dicom::FileNaming file_naming(Vendor vendor) {
  switch (vendor) {
    case Vendor::philips: return dicom::FileNaming::im_numbered;
    case Vendor::ge: return dicom::FileNaming::mrdc;
    case Vendor::siemens:
    case Vendor::unknown: break;
  }
  return dicom::FileNaming::hex8;
}

}  // namespace

std::vector<std::filesystem::path> write_vendor_series(const std::vector<ImageComponent>& components,
                                                       const dicom::PatientStudyTags& study, const SeriesTags& series,
                                                       const std::filesystem::path& directory) {
  std::vector<dicom::ImageSpec> images;
  for (const auto& component : components) images.push_back(image_spec(component, series));
  dicom::SeriesSpec spec;
  spec.attributes = series_attributes(study, series);
  spec.series_instance_uid = series.series_instance_uid;
  spec.sop_instance_uid_prefix = series.sop_instance_uid_prefix;
  spec.slice_thickness_mm = series.slice_thickness_mm;
  spec.naming = file_naming(series.vendor);
  return dicom::write_series(images, study, spec, directory);
}

std::string conventional_description(Vendor vendor, dicom::SeriesRole role, bool three_d, bool localizer) {
  return std::string(
      detail::convention_row(vendor, detail::convention_key(role, three_d, localizer, false)).series_description);
}

}  // namespace myo::phantom
