// timeline-<n>.html: one patient's page, self-contained (inline CSS and SVG, no scripts, no external resources),
// drawn from the same page content as timeline-<n>.pdf.
#include <fmt/format.h>

#include <algorithm>

#include "myo/core/calendar.hpp"
#include "myo/core/text.hpp"
#include "myo/timeline/timeline.hpp"
#include "page_content.hpp"

namespace myo::timeline {
namespace {

using reporting::TimeChart;

constexpr double kChartWidth = 440, kLeft = 46, kRight = 12, kTop = 14, kPlotBottom = 160, kBarsTop = 184, kBarRow = 18;

// The plot's frame: x from days, y from values (SVG pixels).
struct Frame {
  const TimeChart* chart;
  double width;
  double top_value;
  [[nodiscard]] double x(long day) const {
    const long span = std::max(1L, chart->last_day - chart->first_day);
    return kLeft + (width - kLeft - kRight) * static_cast<double>(day - chart->first_day) / static_cast<double>(span);
  }
  [[nodiscard]] double y(double v) const {
    return kPlotBottom - (kPlotBottom - kTop) * std::min(v, top_value) / top_value;
  }
};

std::string axes_svg(const Frame& f, int steps) {
  std::string svg;
  for (int i = 0; i <= steps; ++i) {
    const double value = f.top_value * i / steps, y = f.y(value);
    svg += fmt::format(R"(<line x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}" class="grid"/>)"
                       R"(<text x="{3}" y="{4:.1f}" class="tick" text-anchor="end">{5:g}</text>)",
                       kLeft, y, f.width - kRight, kLeft - 4, y + 4, value);
  }
  for (const auto& tick : reporting::time_chart_ticks(*f.chart))
    svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" class="grid"/>)"
                       R"(<text x="{0:.1f}" y="{3}" class="tick" text-anchor="middle">{4}</text>)",
                       f.x(tick.day), kTop, kPlotBottom, kPlotBottom + 14, tick.label);
  const double middle = (kPlotBottom + kTop) / 2;
  return svg + fmt::format(R"svg(<text x="10" y="{0}" class="tick" text-anchor="middle" )svg"
                           R"svg(transform="rotate(-90 10 {0})">{1}</text>)svg",
                           middle, core::html_escape(f.chart->axis_label));
}

std::string markers_svg(const Frame& f) {
  std::string svg;
  for (const auto& m : f.chart->markers)
    svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" class="visit"/>)"
                       R"(<text x="{0:.1f}" y="{3}" class="tick" text-anchor="middle">{4}</text>)",
                       f.x(m.day), kTop, kPlotBottom, kTop - 3, core::html_escape(m.label));
  return svg;
}

// A point's tooltip: "<label> <value> <unit> on <date>", percentages to one decimal.
std::string point_title(const reporting::TimeSeries& s, const reporting::TimePoint& p) {
  const auto value = s.unit == "%" ? fmt::format("{:.1f}", p.value) : fmt::format("{:g}", p.value);
  return core::html_escape(fmt::format(
      "{} {}{}{} on {}{}", s.label, value, s.unit.empty() ? "" : " ", s.unit, core::to_iso(core::date_from_days(p.day)),
      p.beyond_limit ? " (changed beyond the repeatability limit since the previous MRI)" : ""));
}

std::string series_svg(const Frame& f, const reporting::TimeSeries& s) {
  std::string points, marks;
  for (const auto& p : s.points) {
    const double x = f.x(p.day), y = f.y(p.value);
    points += fmt::format("{:.1f},{:.1f} ", x, y);
    marks += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"><title>{}</title></circle>)", x, y,
                         s.colour, point_title(s, p));
    if (p.beyond_limit) marks += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="7" class="beyond"/>)", x, y);
  }
  return fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>)", points, s.colour,
                     s.dashed ? R"( stroke-dasharray="5,3")" : "") +
         marks;
}

std::string bars_svg(const Frame& f) {
  std::string svg;
  for (std::size_t i = 0; i < f.chart->bars.size(); ++i) {
    const auto& bar = f.chart->bars[i];
    const double y = kBarsTop + kBarRow * static_cast<double>(i);
    const double x0 = f.x(bar.start_day), x1 = bar.stop_day ? f.x(*bar.stop_day) : f.width - kRight;
    svg +=
        fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{}" class="treatment"/>)"
                    R"(<text x="{:.1f}" y="{:.1f}" class="bar">{}</text>)",
                    x0, y, std::max(2.0, x1 - x0), kBarRow - 4, x0 + 3, y + kBarRow - 8, core::html_escape(bar.label));
  }
  return svg;
}

std::string chart_svg(const TimeChart& chart, double width, const char* figure_class) {
  const auto [top, steps] = reporting::time_chart_scale(chart);
  const Frame f{&chart, width, top};
  std::string svg = axes_svg(f, steps) + markers_svg(f);
  for (const auto& s : chart.series) svg += series_svg(f, s);
  svg += bars_svg(f);
  const double height =
      chart.bars.empty() ? kPlotBottom + 30 : kBarsTop + kBarRow * static_cast<double>(chart.bars.size());
  return fmt::format(
      R"(<figure{}><figcaption>{}</figcaption><svg width="{}" height="{:.0f}" role="img">{}</svg></figure>)",
      figure_class, core::html_escape(chart.title), width, height, svg);
}

std::string table_html(const reporting::PageTable& table) {
  std::string html = "<table><tr>";
  for (const auto& h : table.header) html += "<th>" + core::html_escape(h) + "</th>";
  html += "</tr>";
  for (const auto& row : table.rows) {
    html += "<tr>";
    for (const auto& cell : row) html += "<td>" + core::html_escape(cell) + "</td>";
    html += "</tr>";
  }
  return html + "</table>";
}

std::string legend_html(const detail::PageContent& page) {
  std::string html = "<p class=\"legend\">";
  for (const auto& e : page.legend)
    html += fmt::format(R"(<span style="color:{}">{} {}</span>)", e.colour, e.dashed ? "&#9476;" : "&#9473;",
                        core::html_escape(e.label));
  return html + fmt::format(R"(<span style="color:{}">&#9711; {}</span></p>)", detail::kMarkColour,
                            core::html_escape(page.limits_note));
}

std::string clinical_html(const detail::PageContent& page) {
  if (!page.no_clinical_data.empty()) return "<p>" + core::html_escape(page.no_clinical_data) + "</p>";
  std::string html;
  if (page.ck_chart) html += chart_svg(*page.ck_chart, 2 * kChartWidth, R"( class="wide")");
  for (const auto& chart : page.strength_charts) html += chart_svg(chart, 2 * kChartWidth, R"( class="wide")");
  return html;
}

constexpr const char* kStyle = R"(body{font-family:sans-serif;margin:24px;color:#222;max-width:960px}
figure{display:inline-block;margin:4px 8px 12px 0}figcaption{font-weight:bold;font-size:13px}
.grid{stroke:#ddd;stroke-width:1}.visit{stroke:#999;stroke-dasharray:2,3}.tick{font-size:10px;fill:#555}
.beyond{fill:none;stroke:)"
                               "#d62728"
                               R"(;stroke-width:2}.treatment{fill:#8fbc8f}.bar{font-size:10px;fill:#123}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
.legend span{margin-right:14px;font-size:12px}.note{font-size:12px;color:#555})";

}  // namespace

std::string timeline_html(const PatientTimeline& t, const core::RepeatabilityLimits& limits) {
  return detail::page_html(detail::page_content(t, limits));
}

std::string detail::page_html(const PageContent& page) {
  std::string sentences, charts;
  for (const auto& s : page.sentences) sentences += "<li>" + core::html_escape(s) + "</li>";
  for (const auto& chart : page.group_charts) charts += chart_svg(chart, kChartWidth, "");
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>MyoScope {0}</title>"
      "<style>{1}</style></head><body><h1>{0}</h1><p>{2}</p><h2>Changes</h2><ul>{3}</ul>"
      "<p class=\"note\">{4}</p><h2>Clinical course</h2>{5}<h2>Fat fraction and edema per muscle group</h2>{6}{7}"
      "<h2>Visits</h2>{8}<h2>Clinical record</h2>{9}</body></html>\n",
      core::html_escape(page.title), kStyle, core::html_escape(page.intro), sentences,
      core::html_escape(page.disclaimer), clinical_html(page), legend_html(page), charts, table_html(page.visits),
      page.events ? table_html(*page.events) : "<p>None.</p>");
}

}  // namespace myo::timeline
