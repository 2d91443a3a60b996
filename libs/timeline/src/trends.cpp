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

// Both sides in one phrase: "fell from 48 % to 2 % (right) and 45 % to 3 % (left)".
std::string movement_both(const MeasureChange& right, const MeasureChange& left) {
  return fmt::format("{} (right) and {:.0f} % to {:.0f} % (left)", movement(right), left.before_pct, left.after_pct);
}

// The change's interval in words (its months are back to whole days first).
std::string interval_of(const MeasureChange& c) {
  const long days = std::lround(c.months * core::kDaysPerMonth);
  return interval_words(core::date_from_days(0), core::date_from_days(days));
}

// The first-to-last change of a measure when it went beyond its limit, else null.
const MeasureChange* moved(const MeasureTrend& t) {
  return t.overall && t.overall->beyond_limit ? &*t.overall : nullptr;
}

// Whether two sides' changes read as one: both absent, or both in the same direction between the same visits.
bool same_way(const MeasureChange* a, const MeasureChange* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return (a->change_points > 0) == (b->change_points > 0) && a->from_visit == b->from_visit &&
         a->to_visit == b->to_visit;
}

// "Edema in the WHERE EDEMA over N months while their fat fraction FAT." (either part may be absent; INTERVAL is the
// change whose interval is named).
std::string sentence(const std::string& where, const std::string& edema, const std::string& fat,
                     const MeasureChange& interval) {
  if (!edema.empty() && !fat.empty())
    return fmt::format("Edema in the {} {} over {} while their fat fraction {}.", where, edema, interval_of(interval),
                       fat);
  if (!edema.empty()) return fmt::format("Edema in the {} {} over {}.", where, edema, interval_of(interval));
  return fmt::format("Fat fraction in the {} {} over {}.", where, fat, interval_of(interval));
}

std::string one_side(const GroupTrend& t) {
  const auto* edema = moved(t.edema);
  const auto* fat = moved(t.fat_fraction);
  return sentence(sentence_name(t.group) + " (" + t.side + ")", edema ? movement(*edema) : "",
                  fat ? movement(*fat) : "", edema ? *edema : *fat);
}

// Right and left of one group changed the same way: one sentence keeping both sides' numbers.
std::string both_sides(const GroupTrend& right, const GroupTrend& left) {
  const auto* edema = moved(right.edema);
  const auto* fat = moved(right.fat_fraction);
  return sentence(sentence_name(right.group), edema ? movement_both(*edema, *moved(left.edema)) : "",
                  fat ? movement_both(*fat, *moved(left.fat_fraction)) : "", edema ? *edema : *fat);
}

bool pair_reads_as_one(const GroupTrend& right, const GroupTrend& left) {
  return right.group == left.group && right.side == "right" && left.side == "left" &&
         same_way(moved(right.edema), moved(left.edema)) &&
         same_way(moved(right.fat_fraction), moved(left.fat_fraction));
}

}  // namespace

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
  for (std::size_t i = 0; i < trends.size(); ++i) {
    const auto& t = trends[i];
    if (moved(t.edema) == nullptr && moved(t.fat_fraction) == nullptr) continue;
    if (i + 1 < trends.size() && pair_reads_as_one(t, trends[i + 1])) {
      sentences.push_back(both_sides(t, trends[++i]));
      continue;
    }
    sentences.push_back(one_side(t));
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

const MeasureChange* step_into(const MeasureTrend& trend, std::size_t visit) {
  const auto step =
      std::find_if(trend.steps.begin(), trend.steps.end(), [&](const MeasureChange& c) { return c.to_visit == visit; });
  return step == trend.steps.end() ? nullptr : &*step;
}

}  // namespace myo::timeline
