#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace myo::dicom {

enum class SeriesRole {
  dixon_water,
  dixon_fat,
  dixon_in_phase,
  dixon_opposed_phase,
  stir,
  t1,
  t2,
  fat_fraction_map,
  t2_map,
  t2_multi_echo,  // one echo of a multi-echo spin-echo train (several echo times at the same slice positions)
  dixon_echo,     // magnitude or phase of one echo of a multi-echo gradient echo: Dixon computed from raw echoes
  localizer,
  other
};

[[nodiscard]] const char* to_string(SeriesRole role);
[[nodiscard]] std::optional<SeriesRole> role_from_string(std::string_view text);
// Every role's name, in declaration order ("dixon_water, dixon_fat, ..."): what role_from_string accepts.
[[nodiscard]] std::string role_names();

enum class Vendor { siemens, philips, ge, unknown };
[[nodiscard]] const char* to_string(Vendor vendor);
[[nodiscard]] std::optional<Vendor> vendor_from_string(std::string_view text);  // "siemens" | "philips" | "ge"
// Vendor from the Manufacturer tag (0008,0070) as scanners write it ("SIEMENS", "Philips Medical Systems", "GE MEDICAL SYSTEMS").
[[nodiscard]] Vendor vendor_from_manufacturer(std::string_view manufacturer);

// The header values role detection looks at, gathered from one series (or one split part of it).
// Every text field is as found in the file (backslash-joined for multi-valued tags); detection is case-insensitive.
struct RoleEvidence {
  Vendor vendor = Vendor::unknown;
  std::string image_type;             // (0008,0008) ImageType, or (0008,9007) FrameType of enhanced objects
  std::string philips_image_type;     // (2005,1011) Philips private MR image type: M, P, R, I, W, F, IP, OP, ...
  std::string siemens_image_type_text;  // (0021,1175) Siemens XA ImageTypeText: XA moved e.g. the phase marker here
  std::string complex_component;      // (0008,9208) MAGNITUDE | PHASE | REAL | IMAGINARY | MIXED
  std::string description;            // (0008,103E) SeriesDescription
  std::string protocol_name;          // (0018,1030) ProtocolName
  std::string sequence_name;          // (0018,0024) SequenceName, or (0018,9005) PulseSequenceName
  std::string scanning_sequence;      // (0018,0020) SE, IR, GR, EP, RM
  std::string sequence_variant;       // (0018,0021) SK, SP, MP, OSP, NONE
  std::string scan_options;           // (0018,0022) e.g. FS, IR, DIXF/DIXW on GE
  std::optional<double> echo_time_ms;
  std::optional<double> repetition_time_ms;
  std::optional<double> inversion_time_ms;
  std::size_t slice_count = 0;
  std::size_t orientation_count = 1;  // distinct ImageOrientationPatient values in the series (3-plane localizers have 3)
};

struct RoleDecision {
  SeriesRole role = SeriesRole::other;
  std::string reason;  // which tags decided, e.g. "ImageType contains WATER"
};

// Decides a series' role from the tags each vendor really writes (see libs/dicom/vendor_conventions.md).
// Strong evidence (ImageType tokens, vendor private image type, GE description prefixes) wins over weak evidence
// (timing parameters), and SeriesDescription keywords are the last resort.
[[nodiscard]] RoleDecision detect_role(const RoleEvidence& evidence);

// Phase images are never used as magnitude images (dcm2niix writes them as *_ph); callers keep them role `other`.
[[nodiscard]] bool is_phase_image(const RoleEvidence& evidence);

}  // namespace myo::dicom
