#pragma once
// Trend arithmetic over one patient's visits: per muscle group and side, the change between consecutive visits and from
// first to last, marked where it exceeds the repeatability limits, and plain descriptive sentences (never a diagnosis).
#include <optional>
#include <string>
#include <vector>

#include "myo/core/repeatability.hpp"
#include "myo/timeline/visits.hpp"

namespace myo::timeline {

// A change of one measure between two visits (indices into Patient::visits).
struct MeasureChange {
  std::size_t from_visit = 0;
  std::size_t to_visit = 0;
  double months = 0;          // interval between the two study dates
  double before_pct = 0;
  double after_pct = 0;
  double change_points = 0;   // after - before
  bool beyond_limit = false;  // |change| > the measure's repeatability limit
};

struct MeasureTrend {
  std::vector<std::optional<double>> values_pct;  // per visit; nullopt where the visit did not measure it
  std::vector<MeasureChange> steps;               // consecutive visits that both measured it
  std::optional<MeasureChange> overall;           // first to last visit that measured it (two or more)
};

// The step of `trend` that reached visit `visit`; null for the first visit that measured it or one that did not.
[[nodiscard]] const MeasureChange* step_into(const MeasureTrend& trend, std::size_t visit);

struct GroupTrend {
  std::string group;
  std::string side;
  MeasureTrend fat_fraction;
  MeasureTrend edema;
};

// One trend per group and side seen in any visit, in catalogue order, right before left.
[[nodiscard]] std::vector<GroupTrend> group_trends(const Patient& patient, const core::RepeatabilityLimits& limits);

// Sentences on the first-to-last changes beyond the limits, e.g. "Edema in the adductors (right) fell from 40 % to
// 12 % over 9 months while their fat fraction rose from 22 % to 27 %." When right and left of a group changed the same
// way (the same measures beyond the limits, in the same direction, between the same visits) one sentence keeps both
// sides' numbers: "Edema in the adductors fell from 48 % to 2 % (right) and 45 % to 3 % (left) over 15 months."
// One sentence when nothing changed beyond them, and one when no measure was taken at two visits (a single visit).
[[nodiscard]] std::vector<std::string> describe_trends(const std::vector<GroupTrend>& trends);

// Months between two dates (mean Gregorian month), and as words: "9 months", "1 month", "12 days".
using core::months_between;
[[nodiscard]] std::string interval_words(const core::Date& from, const core::Date& to);

}  // namespace myo::timeline
