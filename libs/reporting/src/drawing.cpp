#include "drawing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace myo::reporting::detail {
namespace {

// Layout metrics must not depend on the target surface (recording surface vs PDF vs PNG): no hinting.
void unhinted(PangoLayout* layout) {
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(pango_layout_get_context(layout), options);
  cairo_font_options_destroy(options);
  pango_layout_context_changed(layout);
}

double nice_axis_max(double value, double minimum) {
  const double v = std::max(value, minimum);
  const double step = v <= 10 ? 2 : v <= 50 ? 10 : 20;
  return std::ceil(v / step - 1e-9) * step;
}

double axis_step(double axis_max) { return axis_max <= 10 ? 2 : axis_max <= 50 ? 10 : 20; }

void legend(cairo_t* cr, double right_edge, double y) {
  const char* font = "DejaVu Sans 7.5";
  double x = right_edge;
  const std::pair<const char*, Rgb> entries[] = {{"Left", kLeftColour}, {"Right", kRightColour}};
  for (const auto& [name, colour] : entries) {
    auto layout = make_layout(cr, name, font, -1);
    const auto [w, h] = layout_size(layout.get());
    x -= w;
    draw_layout(cr, layout.get(), x, y, kBlack);
    x -= 11;
    set_colour(cr, colour);
    cairo_rectangle(cr, x, y + h / 2 - 4, 8, 8);
    cairo_fill(cr);
    x -= 10;
  }
}

}  // namespace

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len != 0 && i + len <= n && !(len == 2 && c < 0xC2);
    for (std::size_t k = 1; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && len == 3) {
      const unsigned cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
      ok = cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (ok && len == 4) {
      const unsigned cp =
          ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
      ok = cp >= 0x10000 && cp <= 0x10FFFF;
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

void stroke_line(cairo_t* cr, double x0, double y0, double x1, double y1, Rgb colour, double width) {
  set_colour(cr, colour);
  cairo_set_line_width(cr, width);
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

LayoutPtr make_layout(cairo_t* cr, const std::string& text, const char* font, double width, PangoAlignment align) {
  LayoutPtr layout(pango_cairo_create_layout(cr));
  unhinted(layout.get());
  PangoFontDescription* description = pango_font_description_from_string(font);
  pango_layout_set_font_description(layout.get(), description);
  pango_font_description_free(description);
  if (width > 0) {
    pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_alignment(layout.get(), align);
  const std::string clean = clean_text(text);
  pango_layout_set_text(layout.get(), clean.c_str(), static_cast<int>(clean.size()));
  return layout;
}

std::pair<double, double> layout_size(PangoLayout* layout) {
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  return {static_cast<double>(w) / PANGO_SCALE, static_cast<double>(h) / PANGO_SCALE};
}

void draw_layout(cairo_t* cr, PangoLayout* layout, double x, double y, Rgb colour) {
  cairo_save(cr);
  set_colour(cr, colour);
  cairo_move_to(cr, x, y);
  pango_cairo_update_layout(cr, layout);
  unhinted(layout);
  pango_cairo_show_layout(cr, layout);
  cairo_restore(cr);
}

double draw_text(cairo_t* cr, const std::string& text, const char* font, double x, double y, double width, Rgb colour,
                 PangoAlignment align) {
  auto layout = make_layout(cr, text, font, width, align);
  draw_layout(cr, layout.get(), x, y, colour);
  return layout_size(layout.get()).second;
}

std::string render_png(double width, double height, double scale, const std::function<void(cairo_t*)>& draw) {
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(std::ceil(width * scale)),
                                                static_cast<int>(std::ceil(height * scale))));
  {
    CairoPtr cr(cairo_create(surface.get()));
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    cairo_scale(cr.get(), scale, scale);
    draw(cr.get());
  }
  std::string bytes;
  cairo_surface_write_to_png_stream(
      surface.get(),
      [](void* closure, const unsigned char* data, unsigned int length) {
        static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
        return CAIRO_STATUS_SUCCESS;
      },
      &bytes);
  return bytes;
}

void draw_bar_chart(cairo_t* cr, double width, double height, const BarChart& chart) {
  cairo_save(cr);
  const double title_h = draw_text(cr, chart.title, "DejaVu Sans Bold 9", 0, 0, width * 0.62);
  legend(cr, width, 1);
  const double left = 44, top = std::max(title_h, 14.0) + 10, bottom_labels = 34;
  const double plot_w = width - left - 4, plot_h = height - top - bottom_labels;
  double max_value = 0;
  for (const auto* values : {&chart.right, &chart.left})
    for (const auto& v : *values)
      if (v) max_value = std::max(max_value, *v);
  const double axis_max = nice_axis_max(max_value, chart.min_axis_max);
  const double step = axis_step(axis_max);
  const auto y_of = [&](double v) { return top + plot_h * (1 - std::clamp(v, 0.0, axis_max) / axis_max); };
  // Grid and y ticks.
  for (double t = 0; t <= axis_max + 1e-9; t += step) {
    stroke_line(cr, left, y_of(t), left + plot_w, y_of(t), t == 0 ? kGrey : kLightGrey, t == 0 ? 0.8 : 0.5);
    auto label = make_layout(cr, fmt::format("{:.0f}", t), "DejaVu Sans 7", 24, PANGO_ALIGN_RIGHT);
    draw_layout(cr, label.get(), left - 28, y_of(t) - layout_size(label.get()).second / 2, kGrey);
  }
  // Axis label, rotated.
  {
    auto label = make_layout(cr, chart.axis_label, "DejaVu Sans 7.5", plot_h, PANGO_ALIGN_CENTER);
    cairo_save(cr);
    cairo_translate(cr, 0, top + plot_h);
    cairo_rotate(cr, -M_PI / 2);
    draw_layout(cr, label.get(), 0, 0, kBlack);
    cairo_restore(cr);
  }
  const std::size_t n = chart.categories.size();
  if (n == 0) {
    cairo_restore(cr);
    return;
  }
  const double slot = plot_w / static_cast<double>(n);
  const double bar_w = std::min(slot * 0.36, 26.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double centre = left + slot * (static_cast<double>(i) + 0.5);
    const std::pair<const std::optional<double>*, Rgb> bars[] = {
        {i < chart.right.size() ? &chart.right[i] : nullptr, kRightColour},
        {i < chart.left.size() ? &chart.left[i] : nullptr, kLeftColour}};
    for (int b = 0; b < 2; ++b) {
      const double x = b == 0 ? centre - bar_w - 1 : centre + 1;
      const auto* value = bars[b].first;
      if (value && *value) {
        const double y = y_of(**value);
        set_colour(cr, bars[b].second);
        cairo_rectangle(cr, x, y, bar_w, top + plot_h - y);
        cairo_fill(cr);
        auto text = make_layout(cr, fmt::format("{:.0f}", **value), "DejaVu Sans 6.5", bar_w + 8, PANGO_ALIGN_CENTER);
        draw_layout(cr, text.get(), x - 4, y - layout_size(text.get()).second - 0.5, kBlack);
      } else {
        auto text = make_layout(cr, "n/a", "DejaVu Sans 6", bar_w + 8, PANGO_ALIGN_CENTER);
        draw_layout(cr, text.get(), x - 4, top + plot_h - layout_size(text.get()).second - 1, kGrey);
      }
    }
    auto name = make_layout(cr, chart.categories[i], "DejaVu Sans 6.5", slot - 2, PANGO_ALIGN_CENTER);
    pango_layout_set_wrap(name.get(), PANGO_WRAP_WORD);
    pango_layout_set_height(name.get(), -3);  // at most three lines
    pango_layout_set_ellipsize(name.get(), PANGO_ELLIPSIZE_END);
    draw_layout(cr, name.get(), centre - (slot - 2) / 2, top + plot_h + 3, kBlack);
  }
  cairo_restore(cr);
}

namespace {
constexpr int kProfileColumns = 3;
constexpr double kProfilePanelHeight = 96;
constexpr double kProfileHeader = 28;
}  // namespace

double profile_chart_height(const ProfileChart& chart, double /*width*/) {
  const auto rows = (chart.panels.size() + kProfileColumns - 1) / kProfileColumns;
  return kProfileHeader + static_cast<double>(rows) * kProfilePanelHeight;
}

void draw_profile_chart(cairo_t* cr, double width, double /*height*/, const ProfileChart& chart) {
  cairo_save(cr);
  draw_text(cr, chart.title, "DejaVu Sans Bold 9", 0, 0, width * 0.62);
  draw_text(cr, chart.axis_label, "DejaVu Sans 7", 0, 12, width - 90, kGrey);
  legend(cr, width, 1);
  double max_value = 0;
  for (const auto& p : chart.panels)
    for (const auto* pts : {&p.right, &p.left})
      for (const auto& [mm, v] : *pts) max_value = std::max(max_value, v);
  const double axis_max = nice_axis_max(max_value, chart.min_axis_max);
  const double panel_w = width / kProfileColumns;
  for (std::size_t i = 0; i < chart.panels.size(); ++i) {
    const auto& panel = chart.panels[i];
    const double px = panel_w * static_cast<double>(i % kProfileColumns);
    const double py = kProfileHeader + kProfilePanelHeight * static_cast<double>(i / kProfileColumns);
    const double left = px + 30, right = px + panel_w - 8, top = py + 14, bottom = py + kProfilePanelHeight - 22;
    auto title = make_layout(cr, panel.title, "DejaVu Sans Bold 7.5", panel_w - 12);
    pango_layout_set_ellipsize(title.get(), PANGO_ELLIPSIZE_END);
    draw_layout(cr, title.get(), left, py + 1, kBlack);
    double lo = 1e300, hi = -1e300;
    for (const auto* pts : {&panel.right, &panel.left})
      for (const auto& [mm, v] : *pts) {
        lo = std::min(lo, mm);
        hi = std::max(hi, mm);
      }
    if (lo > hi) {
      lo = 0;
      hi = 1;
    }
    if (hi - lo < 1) {
      lo -= 10;
      hi += 10;
    }
    const auto x_of = [&](double mm) { return left + (right - left) * (mm - lo) / (hi - lo); };
    const auto y_of = [&](double v) { return bottom - (bottom - top) * std::clamp(v, 0.0, axis_max) / axis_max; };
    for (const double t : {0.0, axis_max / 2, axis_max}) {
      stroke_line(cr, left, y_of(t), right, y_of(t), t == 0 ? kGrey : kLightGrey, t == 0 ? 0.8 : 0.5);
      auto label = make_layout(cr, fmt::format("{:.0f}", t), "DejaVu Sans 6.5", 20, PANGO_ALIGN_RIGHT);
      draw_layout(cr, label.get(), left - 23, y_of(t) - layout_size(label.get()).second / 2, kGrey);
    }
    draw_text(cr, "distal", "DejaVu Sans 6.5", left, bottom + 2, 40, kGrey);
    draw_text(cr, "proximal", "DejaVu Sans 6.5", right - 40, bottom + 2, 40, kGrey, PANGO_ALIGN_RIGHT);
    draw_text(cr, fmt::format("{:.0f} mm", hi - lo), "DejaVu Sans 6", left + 30, bottom + 2.5, right - left - 60, kGrey,
              PANGO_ALIGN_CENTER);
    const std::pair<const std::vector<std::pair<double, double>>*, Rgb> series[] = {{&panel.right, kRightColour},
                                                                                    {&panel.left, kLeftColour}};
    for (const auto& [pts, colour] : series) {
      if (pts->empty()) continue;
      set_colour(cr, colour);
      cairo_set_line_width(cr, 1.4);
      for (std::size_t k = 0; k < pts->size(); ++k) {
        const double x = x_of((*pts)[k].first), y = y_of((*pts)[k].second);
        if (k == 0)
          cairo_move_to(cr, x, y);
        else
          cairo_line_to(cr, x, y);
      }
      cairo_stroke(cr);
      for (const auto& [mm, v] : *pts) {
        cairo_arc(cr, x_of(mm), y_of(v), 1.6, 0, 2 * M_PI);
        cairo_fill(cr);
      }
    }
    if (panel.right.empty() && panel.left.empty())
      draw_text(cr, "no levels", "DejaVu Sans 7", left, (top + bottom) / 2 - 5, right - left, kGrey,
                PANGO_ALIGN_CENTER);
  }
  cairo_restore(cr);
}

}  // namespace myo::reporting::detail
