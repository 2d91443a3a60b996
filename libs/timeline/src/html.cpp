// timeline-<n>.html: one patient's page, self-contained (inline CSS and SVG, no scripts, no external resources).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/text.hpp"
#include "myo/timeline/timeline.hpp"

namespace myo::timeline {
namespace {

constexpr double kChartWidth = 440, kChartHeight = 190, kLeft = 46, kRight = 12, kTop = 14, kBottom = 30;
constexpr const char* kFatColour = "#c0661b";
constexpr const char* kEdemaColour = "#2166ac";
constexpr const char* kCkColour = "#5b3a8c";
constexpr const char* kMarkColour = "#d62728";


// The page's time axis: every visit, clinical event and treatment period fits, with a little margin.
struct TimeAxis {
  long first_day = 0, last_day = 1;
  double width = kChartWidth;
  [[nodiscard]] double x(long day) const {
    return kLeft + (width - kLeft - kRight) * static_cast<double>(day - first_day) / static_cast<double>(last_day - first_day);
  }
  [[nodiscard]] double x(const core::Date& d) const { return x(core::days_since_epoch(d)); }
};

TimeAxis time_axis_of(const PatientTimeline& t, double width) {
  std::vector<long> days;
  for (const auto& v : t.patient.visits) days.push_back(core::days_since_epoch(v.study_date));
  for (const auto& e : t.events) days.push_back(core::days_since_epoch(e.date));
  for (const auto& p : t.treatments) days.push_back(core::days_since_epoch(p.start));
  const auto [lo, hi] = std::minmax_element(days.begin(), days.end());
  const long margin = std::max(15L, (*hi - *lo) / 25);
  return {*lo - margin, *hi + margin, width};
}

// Month ticks (at most about seven) labelled YYYY-MM.
std::string time_ticks(const TimeAxis& axis, double y) {
  const auto first = core::date_from_days(axis.first_day);
  const long span_months = std::lround(static_cast<double>(axis.last_day - axis.first_day) / core::kDaysPerMonth);
  const int step = static_cast<int>(std::max(1L, (span_months + 5) / 6));
  std::string svg;
  for (int m = first.month + (first.day > 1 ? 1 : 0) - 1;; m += step) {
    const core::Date tick{first.year + m / 12, m % 12 + 1, 1};
    const long day = core::days_since_epoch(tick);
    if (day > axis.last_day) break;
    const double x = axis.x(day);
    svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2:.1f}" class="grid"/>)"
                       R"(<text x="{0:.1f}" y="{3:.1f}" class="tick" text-anchor="middle">{4:04d}-{5:02d}</text>)",
                       x, kTop, y, y + 14, tick.year, tick.month);
  }
  return svg;
}

// A round top for a y axis holding MAX_VALUE and into how many steps it divides: 50 in 5, 30 in 3, 9000 in 3.
std::pair<double, int> nice_scale(double max_value) {
  constexpr int kSteps[] = {5, 5, 4, 3, 4, 5, 3, 7, 4, 3, 5};  // by leading digit 0..10
  const double magnitude = std::pow(10.0, std::floor(std::log10(std::max(max_value, 1e-9))));
  const int digit = static_cast<int>(std::ceil(max_value / magnitude - 1e-9));
  return {digit * magnitude, kSteps[std::clamp(digit, 1, 10)]};
}

// A y axis from 0 to a round value above MAX_VALUE, labelled with UNIT; returns the SVG and the top.
std::pair<std::string, double> value_axis(double max_value, double height, double width, const char* unit) {
  const auto [top, steps] = nice_scale(std::max(max_value, 1.0));
  std::string svg;
  for (int i = 0; i <= steps; ++i) {
    const double value = top * i / steps, y = height - kBottom - (height - kBottom - kTop) * i / steps;
    svg += fmt::format(R"(<line x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}" class="grid"/>)"
                       R"(<text x="{3}" y="{4:.1f}" class="tick" text-anchor="end">{5:g}</text>)",
                       kLeft, y, width - kRight, kLeft - 4, y + 4, value);
  }
  const double middle = (height - kBottom + kTop) / 2;
  svg += fmt::format(R"svg(<text x="10" y="{0}" class="tick" text-anchor="middle" transform="rotate(-90 10 {0})">{1}</text>)svg",
                     middle, unit);
  return {svg, top};
}

// Vertical dashed lines at the MRI visits, numbered.
std::string visit_lines(const PatientTimeline& t, const TimeAxis& axis, double height) {
  std::string svg;
  for (std::size_t v = 0; v < t.patient.visits.size(); ++v) {
    const double x = axis.x(t.patient.visits[v].study_date);
    svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" class="visit"/>)"
                       R"(<text x="{0:.1f}" y="{3}" class="tick" text-anchor="middle">MRI {4}</text>)",
                       x, kTop, height - kBottom, kTop - 3, v + 1);
  }
  return svg;
}

std::string series_line(const MeasureTrend& trend, const PatientTimeline& t, const TimeAxis& axis, double top,
                        double height, const char* colour, bool dashed, const std::string& label) {
  const auto y = [&](double v) { return height - kBottom - (height - kBottom - kTop) * std::min(v, top) / top; };
  std::string points, marks;
  for (std::size_t v = 0; v < trend.values_pct.size(); ++v) {
    if (!trend.values_pct[v]) continue;
    const double x = axis.x(t.patient.visits[v].study_date), yv = y(*trend.values_pct[v]);
    points += fmt::format("{:.1f},{:.1f} ", x, yv);
    const auto step = std::find_if(trend.steps.begin(), trend.steps.end(), [&](const auto& c) { return c.to_visit == v; });
    const bool beyond = step != trend.steps.end() && step->beyond_limit;
    marks += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"><title>{}: {:.1f} %{}</title></circle>)", x,
                         yv, colour, core::html_escape(label), *trend.values_pct[v],
                         beyond ? fmt::format(" ({:+.1f} points since the previous MRI, beyond the limit)",
                                              step->change_points)
                                : "");
    if (beyond)
      marks += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="7" class="beyond"/>)", x, yv);
  }
  return fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>)", points, colour,
                     dashed ? R"( stroke-dasharray="5,3")" : "") + marks;
}

const GroupTrend* trend_for(const PatientTimeline& t, const std::string& group, const char* side) {
  for (const auto& g : t.trends)
    if (g.group == group && g.side == side) return &g;
  return nullptr;
}

std::string group_title(const std::string& group) {
  const auto* found = core::MuscleCatalog::instance().find(group);
  return core::html_escape(found == nullptr ? group : found->display_name);
}

// One muscle group: fat fraction and edema, right (solid) and left (dashed), over time.
std::string group_chart(const PatientTimeline& t, const std::string& group, const TimeAxis& axis) {
  const GroupTrend* sides[] = {trend_for(t, group, "right"), trend_for(t, group, "left")};
  double max_value = 0;
  for (const auto* g : sides)
    if (g != nullptr)
      for (const auto* trend : {&g->fat_fraction, &g->edema})
        for (const auto& v : trend->values_pct) max_value = std::max(max_value, v.value_or(0.0));
  const auto [ticks, top] = value_axis(max_value, kChartHeight, axis.width, "%");
  std::string svg = ticks + time_ticks(axis, kChartHeight - kBottom) + visit_lines(t, axis, kChartHeight);
  for (int s = 0; s < 2; ++s) {
    if (sides[s] == nullptr) continue;
    const std::string side = s == 0 ? "right" : "left";
    svg += series_line(sides[s]->fat_fraction, t, axis, top, kChartHeight, kFatColour, s == 1, "fat fraction " + side);
    svg += series_line(sides[s]->edema, t, axis, top, kChartHeight, kEdemaColour, s == 1, "edema " + side);
  }
  return fmt::format(R"(<figure><figcaption>{}</figcaption><svg width="{}" height="{}" role="img">{}</svg></figure>)",
                     group_title(group), axis.width, kChartHeight, svg);
}

// CK on its own axis, treatment periods as bars below it, the MRI visits as dashed lines.
std::string clinical_chart(const PatientTimeline& t, const TimeAxis& axis) {
  constexpr double kCkHeight = 170, kBarRow = 18;
  const double height = kCkHeight + kBarRow * static_cast<double>(t.treatments.size()) + 6;
  double max_ck = 0;
  std::string points, marks;
  for (const auto& e : t.events)
    if (e.kind == EventKind::ck_u_per_l) max_ck = std::max(max_ck, *e.value_number);
  const auto [ticks, top] = value_axis(max_ck, kCkHeight, axis.width, "CK U/L");
  for (const auto& e : t.events) {
    if (e.kind != EventKind::ck_u_per_l) continue;
    const double x = axis.x(e.date), y = kCkHeight - kBottom - (kCkHeight - kBottom - kTop) * *e.value_number / top;
    points += fmt::format("{:.1f},{:.1f} ", x, y);
    marks += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"><title>CK {:g} U/L on {}</title></circle>)",
                         x, y, kCkColour, *e.value_number, core::to_iso(e.date));
  }
  std::string svg = ticks + time_ticks(axis, kCkHeight - kBottom) +
                    visit_lines(t, axis, kCkHeight) +
                    fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>)", points, kCkColour) +
                    marks;
  for (std::size_t i = 0; i < t.treatments.size(); ++i) {
    const auto& p = t.treatments[i];
    const double y = kCkHeight + kBarRow * static_cast<double>(i);
    const double x0 = axis.x(p.start), x1 = p.stop ? axis.x(*p.stop) : axis.width - kRight;
    svg += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{}" class="treatment"/>)"
                       R"(<text x="{:.1f}" y="{:.1f}" class="bar">{} {}</text>)",
                       x0, y, std::max(2.0, x1 - x0), kBarRow - 4, x0 + 3, y + kBarRow - 8, core::html_escape(p.drug),
                       core::html_escape(p.dose));
  }
  return fmt::format(R"(<figure class="wide"><figcaption>Creatine kinase and treatment</figcaption>)"
                     R"(<svg width="{}" height="{:.0f}" role="img">{}</svg></figure>)",
                     axis.width, height, svg);
}

std::string visits_table(const PatientTimeline& t) {
  std::string rows;
  const auto& visits = t.patient.visits;
  for (std::size_t v = 0; v < visits.size(); ++v)
    rows += fmt::format("<tr><td>MRI {}</td><td>{}</td><td>{:.1f}</td><td>{}</td></tr>", v + 1,
                        core::to_iso(visits[v].study_date),
                        months_between(visits.front().study_date, visits[v].study_date),
                        core::html_escape(visits[v].folder.lexically_normal().filename().string()));
  return "<table><tr><th>Visit</th><th>Study date</th><th>Months from first</th><th>Analysis folder</th></tr>" + rows +
         "</table>";
}

std::string events_table(const PatientTimeline& t) {
  if (t.events.empty()) return "<p>None.</p>";
  std::string rows;
  for (const auto& e : t.events)
    rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        core::to_iso(e.date), to_string(e.kind),
                        e.value_number ? fmt::format("{:g}", *e.value_number) : core::html_escape(e.value_text), core::html_escape(e.drug),
                        core::html_escape(e.dose), core::html_escape(e.note));
  return "<table><tr><th>Date</th><th>Kind</th><th>Value</th><th>Drug</th><th>Dose</th><th>Note</th></tr>" + rows +
         "</table>";
}

constexpr const char* kStyle = R"(body{font-family:sans-serif;margin:24px;color:#222;max-width:960px}
figure{display:inline-block;margin:4px 8px 12px 0}figcaption{font-weight:bold;font-size:13px}
.grid{stroke:#ddd;stroke-width:1}.visit{stroke:#999;stroke-dasharray:2,3}.tick{font-size:10px;fill:#555}
.beyond{fill:none;stroke:)" "#d62728" R"(;stroke-width:2}.treatment{fill:#8fbc8f}.bar{font-size:10px;fill:#123}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
.legend span{margin-right:14px;font-size:12px}.note{font-size:12px;color:#555})";

std::string legend(const core::RepeatabilityLimits& limits) {
  return fmt::format(
      R"(<p class="legend"><span style="color:{0}">&#9473; fat fraction right</span><span style="color:{0}">&#9476; fat )"
      R"(fraction left</span><span style="color:{1}">&#9473; edema right</span><span style="color:{1}">&#9476; edema )"
      R"(left</span><span style="color:{2}">&#9711; change since the previous MRI beyond the repeatability limit )"
      R"((fat fraction {3:g} points, edema {4:g} points)</span></p>)",
      kFatColour, kEdemaColour, kMarkColour, limits.fat_fraction_points, limits.edema_fraction_points);
}

std::vector<std::string> groups_in_order(const PatientTimeline& t) {
  std::vector<std::string> groups;
  for (const auto& g : t.trends)
    if (std::find(groups.begin(), groups.end(), g.group) == groups.end()) groups.push_back(g.group);
  return groups;
}

}  // namespace

std::string timeline_html(const PatientTimeline& t, const core::RepeatabilityLimits& limits) {
  const auto axis = time_axis_of(t, kChartWidth);
  const auto wide = time_axis_of(t, 2 * kChartWidth);
  std::string sentences;
  for (const auto& s : t.sentences) sentences += "<li>" + core::html_escape(s) + "</li>";
  std::string charts;
  for (const auto& group : groups_in_order(t)) charts += group_chart(t, group, axis);
  const auto& visits = t.patient.visits;
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>MyoScope timeline, patient {0}</title>"
      "<style>{1}</style></head><body><h1>Timeline, patient {0}</h1>"
      "<p>{2} MRI visit(s) from {3} to {4}. Patient key {5}.</p><h2>Changes</h2><ul>{6}</ul>"
      "<p class=\"note\">Descriptive measurements of the images and the clinical record; not a diagnosis.</p>"
      "<h2>Clinical course</h2>{7}<h2>Fat fraction and edema per muscle group</h2>{8}{9}<h2>Visits</h2>{10}"
      "<h2>Clinical record</h2>{11}</body></html>\n",
      t.number, kStyle, visits.size(), core::to_iso(visits.front().study_date), core::to_iso(visits.back().study_date),
      core::html_escape(t.patient.key.substr(0, 24)) + (t.patient.key.size() > 24 ? "&hellip;" : ""), sentences,
      t.events.empty() ? "<p>No clinical data given (--clinical FILE.csv).</p>" : clinical_chart(t, wide), legend(limits), charts, visits_table(t), events_table(t));
}

}  // namespace myo::timeline
