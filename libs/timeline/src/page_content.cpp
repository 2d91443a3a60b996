#include "page_content.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "myo/core/muscle_catalog.hpp"

namespace myo::timeline::detail {
namespace {

using reporting::TimeChart;
using reporting::TimePoint;
using reporting::TimeSeries;

// An empty chart on the page's time axis (every visit, clinical event and treatment fits, with a little margin), with
// the MRI visits as markers.
TimeChart chart_frame(const PatientTimeline& t, std::string title, std::string axis_label) {
  std::vector<long> days;
  for (const auto& v : t.patient.visits) days.push_back(core::days_since_epoch(v.study_date));
  for (const auto& e : t.events) days.push_back(core::days_since_epoch(e.date));
  for (const auto& p : t.treatments) days.push_back(core::days_since_epoch(p.start));
  const auto [lo, hi] = std::minmax_element(days.begin(), days.end());
  const long margin = std::max(15L, (*hi - *lo) / 25);
  TimeChart chart;
  chart.title = std::move(title);
  chart.axis_label = std::move(axis_label);
  chart.first_day = *lo - margin;
  chart.last_day = *hi + margin;
  for (std::size_t v = 0; v < t.patient.visits.size(); ++v)
    chart.markers.push_back({core::days_since_epoch(t.patient.visits[v].study_date), fmt::format("MRI {}", v + 1)});
  return chart;
}

// One measure of one group and side over the visits; a point is ringed when the step that reached it went beyond
// the repeatability limit.
TimeSeries measure_series(const PatientTimeline& t, const MeasureTrend& trend, std::string label, const char* colour,
                          bool dashed) {
  TimeSeries s{std::move(label), "%", colour, dashed, {}};
  for (std::size_t v = 0; v < trend.values_pct.size(); ++v) {
    if (!trend.values_pct[v]) continue;
    const auto* step = step_into(trend, v);
    s.points.push_back({core::days_since_epoch(t.patient.visits[v].study_date), *trend.values_pct[v],
                        step && step->beyond_limit});
  }
  return s;
}

TimeChart group_chart(const PatientTimeline& t, const std::string& group) {
  const auto* found = core::MuscleCatalog::instance().find(group);
  auto chart = chart_frame(t, found == nullptr ? group : found->display_name, "%");
  for (const auto& g : t.trends) {
    if (g.group != group) continue;
    const bool left = g.side == "left";
    chart.series.push_back(measure_series(t, g.fat_fraction, "fat fraction " + g.side, kFatColour, left));
    chart.series.push_back(measure_series(t, g.edema, "edema " + g.side, kEdemaColour, left));
  }
  return chart;
}

// The clinical events of KIND as one series (CK, a strength score).
TimeSeries event_series(const PatientTimeline& t, EventKind kind, std::string label, std::string unit,
                        const char* colour) {
  TimeSeries s{std::move(label), std::move(unit), colour, false, {}};
  for (const auto& e : t.events)
    if (e.kind == kind && e.value_number) s.points.push_back({core::days_since_epoch(e.date), *e.value_number, false});
  return s;
}

std::optional<TimeChart> ck_chart(const PatientTimeline& t) {
  auto ck = event_series(t, EventKind::ck_u_per_l, "CK", "U/L", kCkColour);
  if (ck.points.empty() && t.treatments.empty()) return std::nullopt;
  auto chart = chart_frame(t, "Creatine kinase and treatment", "CK U/L");
  chart.series.push_back(std::move(ck));
  for (const auto& p : t.treatments)
    chart.bars.push_back({p.dose.empty() ? p.drug : p.drug + " " + p.dose, core::days_since_epoch(p.start),
                          p.stop ? std::optional<long>(core::days_since_epoch(*p.stop)) : std::nullopt});
  return chart;
}

// Each strength score on its own axis, from 0 to the score's maximum (MMT-8 150, MRC sum 60).
std::vector<TimeChart> strength_charts(const PatientTimeline& t) {
  struct Score {
    EventKind kind;
    const char* title;
    const char* series;
    const char* axis;
    double maximum;
  };
  constexpr Score kScores[] = {
      {EventKind::strength_mmt8, "Strength: MMT-8", "MMT-8", "MMT-8 (0-150)", 150},
      {EventKind::strength_mrc_sum, "Strength: MRC sum score", "MRC sum", "MRC sum (0-60)", 60}};
  std::vector<TimeChart> charts;
  for (const auto& score : kScores) {
    auto series = event_series(t, score.kind, score.series, "", kStrengthColour);
    if (series.points.empty()) continue;
    auto chart = chart_frame(t, score.title, score.axis);
    chart.axis_max = score.maximum;
    chart.series.push_back(std::move(series));
    charts.push_back(std::move(chart));
  }
  return charts;
}

reporting::PageTable visits_table(const PatientTimeline& t) {
  reporting::PageTable table{{"Visit", "Study date", "Months from first", "Analysis folder"}, {1, 1.4, 1.4, 4}, {}};
  const auto& visits = t.patient.visits;
  for (std::size_t v = 0; v < visits.size(); ++v)
    table.rows.push_back({fmt::format("MRI {}", v + 1), core::to_iso(visits[v].study_date),
                          fmt::format("{:.1f}", months_between(visits.front().study_date, visits[v].study_date)),
                          visits[v].folder.lexically_normal().filename().string()});
  return table;
}

std::optional<reporting::PageTable> events_table(const PatientTimeline& t) {
  if (t.events.empty()) return std::nullopt;
  reporting::PageTable table{{"Date", "Kind", "Value", "Drug", "Dose", "Note"}, {1.3, 2.2, 1.6, 1.4, 1.4, 1.8}, {}};
  for (const auto& e : t.events)
    table.rows.push_back({core::to_iso(e.date), to_string(e.kind),
                          e.value_number ? fmt::format("{:g}", *e.value_number) : e.value_text, e.drug, e.dose,
                          e.note});
  return table;
}

std::vector<std::string> groups_in_order(const PatientTimeline& t) {
  std::vector<std::string> groups;
  for (const auto& g : t.trends)
    if (std::find(groups.begin(), groups.end(), g.group) == groups.end()) groups.push_back(g.group);
  return groups;
}

std::string intro(const PatientTimeline& t) {
  const auto& visits = t.patient.visits;
  const auto& key = t.patient.key;
  return fmt::format("{} MRI visit(s) from {} to {}; patient key {}{}", visits.size(),
                     core::to_iso(visits.front().study_date), core::to_iso(visits.back().study_date), key.substr(0, 24),
                     key.size() > 24 ? "…" : "");
}

}  // namespace

PageContent page_content(const PatientTimeline& t, const core::RepeatabilityLimits& limits) {
  PageContent page;
  page.title = fmt::format("Timeline, patient {}", t.number);
  page.intro = intro(t);
  page.sentences = t.sentences;
  page.disclaimer = "Descriptive measurements of the images and the clinical record; not a diagnosis.";
  page.ck_chart = ck_chart(t);
  page.strength_charts = strength_charts(t);
  if (t.events.empty()) page.no_clinical_data = "No clinical data given (--clinical FILE.csv).";
  page.legend = {{"fat fraction right", "%", kFatColour, false, {}},
                 {"fat fraction left", "%", kFatColour, true, {}},
                 {"edema right", "%", kEdemaColour, false, {}},
                 {"edema left", "%", kEdemaColour, true, {}}};
  page.limits_note = fmt::format(
      "Ringed: a change since the previous MRI beyond the repeatability limit (fat fraction "
      "{:g} points, edema {:g} points).",
      limits.fat_fraction_points, limits.edema_fraction_points);
  for (const auto& group : groups_in_order(t)) page.group_charts.push_back(group_chart(t, group));
  page.visits = visits_table(t);
  page.events = events_table(t);
  return page;
}

}  // namespace myo::timeline::detail
