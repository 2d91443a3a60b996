#include "ge_polarity.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>

#include <cstring>
#include <string>

#include "text_util.hpp"

namespace myo::dicom::detail {
namespace {

const DcmTagKey kGeUserDefineData(0x0043, 0x102A);     // OB: GE's raw header
const DcmTagKey kGePulseSequenceName(0x0019, 0x109C);  // LO, e.g. "epi", "epi_pepolar"

// Layout of the raw header inside (0043,102A), from dcm2niix (nii_dicom.cpp, kUserDefineDataGE): a 16-bit offset
// at byte 24 locates the header, which starts with its version as a float32; from version 25.002 on the fields
// move 0x4C bytes on and the view order 0x8C bytes back.
constexpr std::size_t kMinimumLength = 916;
constexpr std::size_t kHeaderOffsetAt = 24;
constexpr std::size_t kEpiFlagsAt = 0x3A;     // bit 0x800: EPI
constexpr std::size_t kPolarityFlagsAt = 0x30;  // bit 0x0004: flipped polarity
constexpr std::size_t kViewOrderAt = 0x394;   // 2: bottom-up k-space order, which reverses the polarity

std::uint16_t le16(const std::uint8_t* bytes) {
  return static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8));
}

float le_float(const std::uint8_t* bytes) {
  const std::uint32_t bits = static_cast<std::uint32_t>(bytes[0]) | (static_cast<std::uint32_t>(bytes[1]) << 8) |
                             (static_cast<std::uint32_t>(bytes[2]) << 16) | (static_cast<std::uint32_t>(bytes[3]) << 24);
  float value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// (0018,9034) on GE: LINEAR is dcm2niix's "flipped", REVERSE_LINEAR "unflipped" (dcm2niix issue 674). dcm2niix
// looks at the first letter only, so REVERSE_CENTRIC counts as unflipped and CENTRIC as unknown; so do we.
std::optional<bool> reordering_polarity(DcmDataset& dataset) {
  OFString value;
  if (dataset.findAndGetOFString(DCM_RectilinearPhaseEncodeReordering, value, 0, true).bad() || value.length() < 2) {
    return std::nullopt;
  }
  const auto first = to_upper(trim(value.c_str())).substr(0, 1);
  if (first == "L") return false;
  if (first == "R") return true;
  return std::nullopt;
}

std::optional<bool> user_data_polarity(DcmDataset& dataset) {
  const Uint8* bytes = nullptr;
  unsigned long length = 0;
  if (dataset.findAndGetUint8Array(kGeUserDefineData, bytes, &length).bad() || bytes == nullptr) return std::nullopt;
  return ge_user_data_polarity(bytes, length);
}

}  // namespace

std::optional<bool> ge_user_data_polarity(const std::uint8_t* bytes, std::size_t length) {
  if (bytes == nullptr || length < kMinimumLength) return std::nullopt;
  const std::size_t header = le16(bytes + kHeaderOffsetAt);
  if (length < header + kMinimumLength) return std::nullopt;
  const float version = le_float(bytes + header);
  if (!(version >= 5.0F && version <= 40.0F)) return std::nullopt;
  std::size_t fields = header;
  std::size_t view_order_at = kViewOrderAt;
  if (version >= 25.002F) {
    fields += 0x4C;
    view_order_at -= 0x8C;
  }
  // dcm2niix reads the view order of old headers 2 bytes past its minimum length: a block that short is refused.
  if (fields + view_order_at + 2 > length) return std::nullopt;
  if ((le16(bytes + fields + kEpiFlagsAt) & 0x800) == 0) return std::nullopt;
  bool positive = (le16(bytes + fields + kPolarityFlagsAt) & 0x0004) == 0;
  if (le16(bytes + fields + view_order_at) == 2) positive = !positive;
  return positive;
}

std::optional<bool> ge_phase_polarity(DcmDataset& dataset) {
  OFString acquisition, sequence;
  dataset.findAndGetOFString(DCM_MRAcquisitionType, acquisition);
  if (trim(acquisition.c_str()) == "3D") return std::nullopt;  // dcm2niix writes no polarity for 3D (issue 849)
  dataset.findAndGetOFString(kGePulseSequenceName, sequence);
  if (std::string(sequence.c_str()).find("epi_pepolar") != std::string::npos) return std::nullopt;
  if (const auto polarity = reordering_polarity(dataset)) return polarity;
  return user_data_polarity(dataset);
}

}  // namespace myo::dicom::detail
