#pragma once
// What the channels that miss part of the reference grid miss of each muscle: report entries and warnings.
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/pipeline/study_channels.hpp"
#include "myo/reporting/report.hpp"

namespace myo::pipeline::detail {

struct CoverageReport {
  std::vector<reporting::ChannelCoverageEntry> entries;  // for report.json "channel_coverage"
  std::vector<std::string> warnings;                     // one per channel, naming its series and missing levels
  bool numbers_withheld = false;                         // some group or muscle has a null number because of it
};

// For every channel of `channels` that misses part of the reference grid: the groups (`group_labels`) and single
// muscles (`muscle_labels`, may be empty) it misses part of, and whether their numbers from it are withheld (covered
// less than `min_covered_pct`).
[[nodiscard]] CoverageReport describe_channel_coverage(const StudyChannels& channels,
                                                       const core::LabelVolume& group_labels,
                                                       const core::LabelVolume& muscle_labels, double min_covered_pct);

}  // namespace myo::pipeline::detail
