#include "myo/timeline/trends.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "myo/core/muscle_catalog.hpp"

namespace myo::timeline {
namespace {

using Getter = std::optional<double> (*)(const GroupSideMeasure&);

std::optional<double> value_at(const Visit& visit, const std::string& group, const std::string& side, Getter get) {
  for (const auto& m : visit.measures)
    if (m.group == group && m.side == side) return get(m);
  return std::nullopt;
}

MeasureChange change_between(const Patient& patient, const std::vector<std::optional<double>>& values, std::size_t from,
                             std::size_t to, double limit_points) {
  MeasureChange c;
  c.from_visit = from;
  c.to_visit = to;
  c.months = months_between(patient.visits[from].study_date, patient.visits[to].study_date);
  c.before_pct = *values[from];
  c.after_pct = *values[to];
  c.change_points = c.after_pct - c.before_pct;
  c.beyond_limit = std::abs(c.change_points) > limit_points;
  return c;
}

MeasureTrend trend_of(const Patient& patient, const std::string& group, const std::string& side, Getter get,
                      double limit_points) {
  MeasureTrend t;
  std::vector<std::size_t> measured;
  for (std::size_t v = 0; v < patient.visits.size(); ++v) {
    t.values_pct.push_back(value_at(patient.visits[v], group, side, get));
    if (t.values_pct.back()) measured.push_back(v);
  }
  for (std::size_t i = 1; i < measured.size(); ++i)
    t.steps.push_back(change_between(patient, t.values_pct, measured[i - 1], measured[i], limit_points));
  if (measured.size() >= 2)
    t.overall = change_between(patient, t.values_pct, measured.front(), measured.back(), limit_points);
  return t;
}

// Catalogue position of a group (unknown groups last), for a stable anatomical order.
std::size_t catalogue_rank(const std::string& group) {
  const auto& groups = core::MuscleCatalog::instance().groups();
  const auto* found = core::MuscleCatalog::instance().find(group);
  return found == nullptr ? groups.size() : static_cast<std::size_t>(found - groups.data());
}

// The group as words in a sentence: "adductors", "gluteus medius" (the catalogue name without underscores).
std::string sentence_name(std::string group) {
  std::replace(group.begin(), group.end(), '_', ' ');
  return group;
}

std::string movement(const MeasureChange& c) {
  return fmt::format("{} from {:.0f} % to {:.0f} %", c.change_points > 0 ? "rose" : "fell", c.before_pct, c.after_pct);
}

// The change's interval in words (its months are back to whole days first).
std::string interval_of(const MeasureChange& c) {
  const long days = std::lround(c.months * core::kDaysPerMonth);
  return interval_words(core::date_from_days(0), core::date_from_days(days));
}

}  // namespace

double months_between(const core::Date& from, const core::Date& to) {
  return static_cast<double>(core::days_since_epoch(to) - core::days_since_epoch(from)) / core::kDaysPerMonth;
}

std::string interval_words(const core::Date& from, const core::Date& to) {
  const long days = core::days_since_epoch(to) - core::days_since_epoch(from);
  if (days < 45) return fmt::format("{} day{}", days, days == 1 ? "" : "s");
  const long months = std::lround(static_cast<double>(days) / core::kDaysPerMonth);
  return fmt::format("{} month{}", months, months == 1 ? "" : "s");
}

std::vector<GroupTrend> group_trends(const Patient& patient, const core::RepeatabilityLimits& limits) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& visit : patient.visits)
    for (const auto& m : visit.measures)
      if (std::find(keys.begin(), keys.end(), std::pair(m.group, m.side)) == keys.end()) keys.emplace_back(m.group, m.side);
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    const auto ra = catalogue_rank(a.first), rb = catalogue_rank(b.first);
    return ra != rb ? ra < rb : (a.second == "right" && b.second != "right");
  });
  std::vector<GroupTrend> trends;
  for (const auto& [group, side] : keys) {
    GroupTrend t{group, side, {}, {}};
    t.fat_fraction = trend_of(patient, group, side, [](const GroupSideMeasure& m) { return m.fat_fraction_pct; },
                              limits.fat_fraction_points);
    t.edema = trend_of(patient, group, side, [](const GroupSideMeasure& m) { return m.edema_fraction_pct; },
                       limits.edema_fraction_points);
    trends.push_back(std::move(t));
  }
  return trends;
}

std::vector<std::string> describe_trends(const std::vector<GroupTrend>& trends) {
  std::vector<std::string> sentences;
  for (const auto& t : trends) {
    const auto& edema = t.edema.overall;
    const auto& fat = t.fat_fraction.overall;
    const bool edema_moved = edema && edema->beyond_limit, fat_moved = fat && fat->beyond_limit;
    if (!edema_moved && !fat_moved) continue;
    const std::string where = sentence_name(t.group) + " (" + t.side + ")";
    if (edema_moved && fat_moved)
      sentences.push_back(fmt::format("Edema in the {} {} over {} while their fat fraction {}.", where,
                                      movement(*edema), interval_of(*edema), movement(*fat)));
    else if (edema_moved)
      sentences.push_back(fmt::format("Edema in the {} {} over {}.", where, movement(*edema), interval_of(*edema)));
    else
      sentences.push_back(fmt::format("Fat fraction in the {} {} over {}.", where, movement(*fat), interval_of(*fat)));
  }
  const bool comparable = std::any_of(trends.begin(), trends.end(), [](const GroupTrend& t) {
    return t.fat_fraction.overall.has_value() || t.edema.overall.has_value();
  });
  if (!comparable) sentences.push_back("One MRI visit only: no change to describe yet.");
  else if (sentences.empty())
    sentences.push_back("No change in fat fraction or edema beyond the repeatability limits between the first and last "
                        "visit.");
  return sentences;
}

}  // namespace myo::timeline
