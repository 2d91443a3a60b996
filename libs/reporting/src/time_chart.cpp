// Time charts (values of one measure over months, visits as dashed lines, treatments as bars), drawn with Cairo for
// the PDF; the scale and ticks are public so the HTML drawing of the same chart uses the same ones.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "drawing.hpp"
#include "myo/core/calendar.hpp"
#include "myo/reporting/page_document.hpp"

namespace myo::reporting {

std::pair<double, int> time_chart_scale(const TimeChart& chart) {
  if (chart.axis_max && *chart.axis_max > 0) return {*chart.axis_max, 5};
  double max_value = 1.0;
  for (const auto& s : chart.series)
    for (const auto& p : s.points) max_value = std::max(max_value, p.value);
  constexpr int kSteps[] = {5, 5, 4, 3, 4, 5, 3, 7, 4, 3, 5};  // by leading digit 0..10
  const double magnitude = std::pow(10.0, std::floor(std::log10(max_value)));
  const int digit = static_cast<int>(std::ceil(max_value / magnitude - 1e-9));
  return {digit * magnitude, kSteps[std::clamp(digit, 1, 10)]};
}

std::vector<TimeMarker> time_chart_ticks(const TimeChart& chart) {
  const auto first = core::date_from_days(chart.first_day);
  const long span_months = std::lround(static_cast<double>(chart.last_day - chart.first_day) / core::kDaysPerMonth);
  const int step = static_cast<int>(std::max(1L, (span_months + 5) / 6));
  std::vector<TimeMarker> ticks;
  for (int m = first.month + (first.day > 1 ? 1 : 0) - 1;; m += step) {
    const core::Date tick{first.year + m / 12, m % 12 + 1, 1};
    const long day = core::days_since_epoch(tick);
    if (day > chart.last_day) break;
    ticks.push_back({day, fmt::format("{:04d}-{:02d}", tick.year, tick.month)});
  }
  return ticks;
}

namespace detail {
namespace {

constexpr double kPlotHeight = 112, kLeft = 34, kRight = 6, kTitleRoom = 24, kTickRoom = 13, kBarRow = 11;
constexpr Rgb kMarkColour{0.839, 0.153, 0.157};
constexpr Rgb kBarColour{0.561, 0.737, 0.561};

Rgb from_hex(const std::string& hex) {
  unsigned r = 0, g = 0, b = 0;
  if (hex.size() != 7 || std::sscanf(hex.c_str(), "#%2x%2x%2x", &r, &g, &b) != 3) return kBlack;
  return {r / 255.0, g / 255.0, b / 255.0};
}

// The plot's frame in the chart's box: x from days, y from values.
struct Frame {
  double left, right, top, bottom;
  long first_day, last_day;
  double axis_max;
  [[nodiscard]] double x(long day) const {
    return left + (right - left) * static_cast<double>(day - first_day) / static_cast<double>(last_day - first_day);
  }
  [[nodiscard]] double y(double v) const { return bottom - (bottom - top) * std::clamp(v, 0.0, axis_max) / axis_max; }
};

void draw_axes(cairo_t* cr, const TimeChart& chart, const Frame& f, int steps) {
  for (int i = 0; i <= steps; ++i) {
    const double value = f.axis_max * i / steps, y = f.y(value);
    stroke_line(cr, f.left, y, f.right, y, i == 0 ? kGrey : kLightGrey, i == 0 ? 0.8 : 0.5);
    auto label = make_layout(cr, fmt::format("{:g}", value), "DejaVu Sans 6", f.left - 10, PANGO_ALIGN_RIGHT);
    draw_layout(cr, label.get(), 0, y - layout_size(label.get()).second / 2, kGrey);
  }
  for (const auto& tick : time_chart_ticks(chart)) {
    const double x = f.x(tick.day);
    stroke_line(cr, x, f.top, x, f.bottom, kLightGrey, 0.4);
    draw_text(cr, tick.label, "DejaVu Sans 5.5", x - 20, f.bottom + 2, 40, kGrey, PANGO_ALIGN_CENTER);
  }
  auto unit = make_layout(cr, chart.axis_label, "DejaVu Sans 6", f.bottom - f.top, PANGO_ALIGN_CENTER);
  cairo_save(cr);
  cairo_translate(cr, 0, f.bottom);
  cairo_rotate(cr, -M_PI / 2);
  draw_layout(cr, unit.get(), 0, 0, kGrey);
  cairo_restore(cr);
}

void draw_markers(cairo_t* cr, const TimeChart& chart, const Frame& f) {
  const double dashes[] = {1.5, 2};
  for (const auto& m : chart.markers) {
    const double x = f.x(m.day);
    cairo_save(cr);
    cairo_set_dash(cr, dashes, 2, 0);
    stroke_line(cr, x, f.top, x, f.bottom, kGrey, 0.6);
    cairo_restore(cr);
    draw_text(cr, m.label, "DejaVu Sans 5.5", x - 20, f.top - 9, 40, kGrey, PANGO_ALIGN_CENTER);
  }
}

void draw_series(cairo_t* cr, const TimeSeries& s, const Frame& f) {
  if (s.points.empty()) return;
  const Rgb colour = from_hex(s.colour);
  const double dashes[] = {4, 2.5};
  cairo_save(cr);
  if (s.dashed) cairo_set_dash(cr, dashes, 2, 0);
  set_colour(cr, colour);
  cairo_set_line_width(cr, 1.3);
  for (std::size_t i = 0; i < s.points.size(); ++i)
    (i == 0 ? cairo_move_to : cairo_line_to)(cr, f.x(s.points[i].day), f.y(s.points[i].value));
  cairo_stroke(cr);
  cairo_restore(cr);
  for (const auto& p : s.points) {
    set_colour(cr, colour);
    cairo_arc(cr, f.x(p.day), f.y(p.value), 1.8, 0, 2 * M_PI);
    cairo_fill(cr);
    if (!p.beyond_limit) continue;
    set_colour(cr, kMarkColour);
    cairo_set_line_width(cr, 1.1);
    cairo_arc(cr, f.x(p.day), f.y(p.value), 4.5, 0, 2 * M_PI);
    cairo_stroke(cr);
  }
}

void draw_bars(cairo_t* cr, const TimeChart& chart, const Frame& f) {
  for (std::size_t i = 0; i < chart.bars.size(); ++i) {
    const auto& bar = chart.bars[i];
    const double y = f.bottom + kTickRoom + kBarRow * static_cast<double>(i);
    const double x0 = f.x(bar.start_day), x1 = bar.stop_day ? f.x(*bar.stop_day) : f.right;
    set_colour(cr, kBarColour);
    cairo_rectangle(cr, x0, y, std::max(1.5, x1 - x0), kBarRow - 2);
    cairo_fill(cr);
    auto label = make_layout(cr, bar.label, "DejaVu Sans 5.5", -1);
    pango_layout_set_width(label.get(), static_cast<int>((f.right - x0 - 2) * PANGO_SCALE));
    pango_layout_set_ellipsize(label.get(), PANGO_ELLIPSIZE_END);
    draw_layout(cr, label.get(), x0 + 2, y + 1, kBlack);
  }
}

}  // namespace

double time_chart_height(const TimeChart& chart) {
  return kTitleRoom + kPlotHeight + kTickRoom + kBarRow * static_cast<double>(chart.bars.size());
}

void draw_time_chart(cairo_t* cr, double width, const TimeChart& chart) {
  cairo_save(cr);
  auto title = make_layout(cr, chart.title, "DejaVu Sans Bold 8", width);
  pango_layout_set_ellipsize(title.get(), PANGO_ELLIPSIZE_END);
  draw_layout(cr, title.get(), 0, 0, kBlack);
  const auto [top, steps] = time_chart_scale(chart);
  const Frame frame{kLeft,
                    width - kRight,
                    kTitleRoom,
                    kTitleRoom + kPlotHeight,
                    chart.first_day,
                    std::max(chart.last_day, chart.first_day + 1),
                    top};
  draw_axes(cr, chart, frame, steps);
  draw_markers(cr, chart, frame);
  for (const auto& s : chart.series) draw_series(cr, s, frame);
  draw_bars(cr, chart, frame);
  cairo_restore(cr);
}

void draw_time_legend(cairo_t* cr, double width, const std::vector<TimeSeries>& entries) {
  double x = 0;
  const double dashes[] = {4, 2.5};
  for (const auto& e : entries) {
    auto label = make_layout(cr, e.label, "DejaVu Sans 7", -1);
    const double w = layout_size(label.get()).first;
    if (x + 26 + w > width) break;
    cairo_save(cr);
    if (e.dashed) cairo_set_dash(cr, dashes, 2, 0);
    stroke_line(cr, x, 5, x + 20, 5, from_hex(e.colour), 1.5);
    cairo_restore(cr);
    draw_layout(cr, label.get(), x + 23, 0, kBlack);
    x += 23 + w + 12;
  }
}

}  // namespace detail
}  // namespace myo::reporting
