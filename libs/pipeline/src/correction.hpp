#pragma once
// What a reader's correction changed, for the report (internal to libs/pipeline).
#include "myo/core/volume.hpp"
#include "myo/pipeline/analyze.hpp"
#include "myo/reporting/report.hpp"

namespace myo::pipeline::detail {

// Who corrected, from which version, and the volume of every label that differs between the automatic version's
// map and `corrected` (the corrected map on the analysis grid), in catalogue order of label value.
[[nodiscard]] reporting::LabelCorrection describe_correction(const ReaderCorrection& correction,
                                                            const core::LabelVolume& corrected);

}  // namespace myo::pipeline::detail
