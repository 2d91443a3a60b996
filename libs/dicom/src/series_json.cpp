#include "series_json.hpp"

namespace myo::dicom::detail {
namespace {

// One shared field: its key in the scan report, its key in the sidecar, and its value.
struct SeriesField {
  const char* scan_report_key;
  const char* sidecar_key;
  nlohmann::json (*value)(const SeriesInfo&);
};

using J = nlohmann::json;

const SeriesField kSeriesFields[] = {
    {"series_instance_uid", "SeriesInstanceUID", [](const SeriesInfo& s) -> J { return s.series_instance_uid; }},
    {"split_key", "SplitKey", [](const SeriesInfo& s) -> J { return s.split_key; }},
    {"series_number", "SeriesNumber", [](const SeriesInfo& s) -> J { return s.series_number; }},
    {"description", "SeriesDescription", [](const SeriesInfo& s) -> J { return s.description; }},
    {"modality", "Modality", [](const SeriesInfo& s) -> J { return s.modality; }},
    {"manufacturer", "Manufacturer", [](const SeriesInfo& s) -> J { return s.manufacturer; }},
    {"vendor", "Vendor", [](const SeriesInfo& s) -> J { return to_string(s.vendor); }},
    {"role", "Role", [](const SeriesInfo& s) -> J { return to_string(s.role); }},
    {"role_reason", "RoleReason", [](const SeriesInfo& s) -> J { return s.role_reason; }},
    {"complex_component", "ComplexImageComponent", [](const SeriesInfo& s) -> J { return s.complex_component; }},
    {"sequence_name", "SequenceName", [](const SeriesInfo& s) -> J { return s.sequence_name; }},
    {"scanning_sequence", "ScanningSequence", [](const SeriesInfo& s) -> J { return s.scanning_sequence; }},
    {"echo_time_ms", "EchoTime_ms", [](const SeriesInfo& s) { return optional_number(s.echo_time_ms); }},
    {"repetition_time_ms", "RepetitionTime_ms", [](const SeriesInfo& s) { return optional_number(s.repetition_time_ms); }},
    {"inversion_time_ms", "InversionTime_ms", [](const SeriesInfo& s) { return optional_number(s.inversion_time_ms); }},
    {"slice_thickness_mm", "SliceThickness_mm", [](const SeriesInfo& s) { return optional_number(s.slice_thickness_mm); }},
    {"orientation", "Orientation", [](const SeriesInfo& s) -> J { return s.orientation; }},
    {"multi_frame", "EnhancedMultiFrame", [](const SeriesInfo& s) -> J { return s.multi_frame; }},
    {"slice_count", "Slices", [](const SeriesInfo& s) -> J { return s.slice_count; }},
};

}  // namespace

nlohmann::json optional_number(const std::optional<double>& value) { return value ? J(*value) : J(nullptr); }

void put_series_fields(nlohmann::json& j, const SeriesInfo& series, SeriesJsonKeys keys) {
  for (const auto& field : kSeriesFields) {
    j[keys == SeriesJsonKeys::scan_report ? field.scan_report_key : field.sidecar_key] = field.value(series);
  }
}

}  // namespace myo::dicom::detail
