#pragma once
// The fields of a SeriesInfo that `myoscope scan --json` and convert's sidecar both describe, written once. Each
// output keeps its documented key names: snake_case in the scan report, BIDS-style PascalCase in the sidecar.
#include <nlohmann/json.hpp>

#include "myo/dicom/scan.hpp"

namespace myo::dicom::detail {

enum class SeriesJsonKeys { scan_report, sidecar };

// Adds the shared fields of `series` to `j` under the key names of `keys`; absent optional numbers become null.
void put_series_fields(nlohmann::json& j, const SeriesInfo& series, SeriesJsonKeys keys);

// A value that may be absent: the number, or null.
[[nodiscard]] nlohmann::json optional_number(const std::optional<double>& value);

}  // namespace myo::dicom::detail
