#pragma once
// Cairo + Pango helpers shared by the PDF writer and the charts (private to the reporting library).
#include <cairo.h>
#include <pango/pangocairo.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "myo/reporting/page_document.hpp"

namespace myo::reporting::detail {

struct GObjectDeleter {
  void operator()(void* object) const { g_object_unref(object); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectDeleter>;

struct SurfaceDeleter {
  void operator()(cairo_surface_t* surface) const { cairo_surface_destroy(surface); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

struct CairoDeleter {
  void operator()(cairo_t* cr) const { cairo_destroy(cr); }
};
using CairoPtr = std::unique_ptr<cairo_t, CairoDeleter>;

struct Rgb {
  double r = 0, g = 0, b = 0;
};
inline constexpr Rgb kBlack{0.1, 0.1, 0.1};
inline constexpr Rgb kGrey{0.42, 0.42, 0.42};
inline constexpr Rgb kLightGrey{0.85, 0.85, 0.85};
inline constexpr Rgb kRightColour{0.0, 0.447, 0.698};  // blue   (colour-blind safe pair)
inline constexpr Rgb kLeftColour{0.902, 0.624, 0.0};   // orange

inline void set_colour(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

// Valid UTF-8 without control characters (tabs and newlines become spaces); invalid bytes become U+FFFD.
[[nodiscard]] std::string clean_text(std::string_view text);

// A plain-text layout (never markup: text from DICOM must not be interpreted). width <= 0: no wrapping.
// Long words are broken so text never runs out of its box. Every text drawn goes through here and is cleaned
// (clean_text): Pango refuses invalid UTF-8, which would leave a label or a chart title blank.
[[nodiscard]] LayoutPtr make_layout(cairo_t* cr, const std::string& text, const char* font, double width,
                                    PangoAlignment align = PANGO_ALIGN_LEFT);
[[nodiscard]] std::pair<double, double> layout_size(PangoLayout* layout);  // width, height in user units
void draw_layout(cairo_t* cr, PangoLayout* layout, double x, double y, Rgb colour = kBlack);
// Draws text and returns its height.
double draw_text(cairo_t* cr, const std::string& text, const char* font, double x, double y, double width,
                 Rgb colour = kBlack, PangoAlignment align = PANGO_ALIGN_LEFT);

// A straight line from (x0, y0) to (x1, y1).
void stroke_line(cairo_t* cr, double x0, double y0, double x1, double y1, Rgb colour, double width);

// Renders `draw` (in points, origin top-left, w x h) into PNG bytes at `scale` pixels per point.
[[nodiscard]] std::string render_png(double width, double height, double scale,
                                     const std::function<void(cairo_t*)>& draw);

// Charts, drawn at the current origin into a w x h box.
struct BarChart {
  std::string title;
  std::string axis_label;               // y axis, with unit
  std::vector<std::string> categories;  // group names
  std::vector<std::optional<double>> right, left;
  double min_axis_max = 10;
};
void draw_bar_chart(cairo_t* cr, double width, double height, const BarChart& chart);

struct ProfilePanel {
  std::string title;
  std::vector<std::pair<double, double>> right, left;  // (level mm, value), distal to proximal
};
struct ProfileChart {
  std::string title;
  std::string axis_label;  // value axis, with unit
  std::vector<ProfilePanel> panels;
  double min_axis_max = 10;
};
[[nodiscard]] double profile_chart_height(const ProfileChart& chart, double width);
void draw_profile_chart(cairo_t* cr, double width, double height, const ProfileChart& chart);

// A time chart (time_chart.cpp): title, the plot, month ticks, then one row per bar; its height follows its bars.
[[nodiscard]] double time_chart_height(const TimeChart& chart);
void draw_time_chart(cairo_t* cr, double width, const TimeChart& chart);
// One row of colour keys (a short line, dashed or not, and the label), cut where the width ends.
void draw_time_legend(cairo_t* cr, double width, const std::vector<TimeSeries>& entries);

}  // namespace myo::reporting::detail
