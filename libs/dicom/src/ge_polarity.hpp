#pragma once
// GE's phase-encoding polarity, read as dcm2niix reads it (libs/dicom/vendor_conventions.md, "Phase encoding").
#include <dcmtk/dcmdata/dcdatset.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace myo::dicom::detail {

// The polarity recorded in the raw header that GE keeps in UserDefineData (0043,102A), for EPI only: true towards
// increasing row or column index (dcm2niix's "unflipped"), false the other way ("flipped"); nullopt when the block
// is too short, of an unknown header version, not EPI, or truncated before a flag.
[[nodiscard]] std::optional<bool> ge_user_data_polarity(const std::uint8_t* bytes, std::size_t length);

// The polarity of a GE file: RectilinearPhaseEncodeReordering (0018,9034) when present (software RX27 on), else
// the user data block. None for 3D acquisitions and for the research sequence epi_pepolar, whose volumes
// alternate polarity.
[[nodiscard]] std::optional<bool> ge_phase_polarity(DcmDataset& dataset);

}  // namespace myo::dicom::detail
