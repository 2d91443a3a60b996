#include "pdf_layout.hpp"

#include <cairo-pdf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"

namespace myo::reporting::detail {
namespace {

constexpr double kCellPad = 3.5;
constexpr int kMaxCellLines = 12;

constexpr const char* kTableFont = "DejaVu Sans 8";
constexpr const char* kTableBold = "DejaVu Sans Bold 7.5";
constexpr const char* kTableItalic = "DejaVu Sans Italic 7.5";

constexpr Rgb kAccent{0.0, 0.447, 0.698};
constexpr Rgb kHeaderFill{0.93, 0.953, 0.969};
constexpr Rgb kDiffFill{0.965, 0.965, 0.965};
constexpr Rgb kSummaryFill{0.953, 0.973, 0.984};

SurfacePtr png_surface(const std::string& png) {
  struct Reader {
    const std::string* bytes;
    std::size_t offset;
  } reader{&png, 0};
  SurfacePtr surface(cairo_image_surface_create_from_png_stream(
      [](void* closure, unsigned char* data, unsigned int length) {
        auto* r = static_cast<Reader*>(closure);
        if (r->offset + length > r->bytes->size()) return CAIRO_STATUS_READ_ERROR;
        std::memcpy(data, r->bytes->data() + r->offset, length);
        r->offset += length;
        return CAIRO_STATUS_SUCCESS;
      },
      &reader));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) return nullptr;
  return surface;
}

}  // namespace

void PdfLayout::new_page() {
  const cairo_rectangle_t extents{0, 0, kPageWidth, kPageHeight};
  pages_.emplace_back(cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents));
  cr_.reset(cairo_create(pages_.back().get()));
  y_ = kTop;
}

void PdfLayout::ensure(double height) {
  if (height > room() && !at_top()) new_page();
}

void PdfLayout::title(const std::string& text, const std::string& subtitle) {
  y_ += draw_text(cr_.get(), text, "DejaVu Sans Bold 15", kMargin, y_, width(), kAccent);
  y_ += 2 + draw_text(cr_.get(), subtitle, kSmall, kMargin, y_, width(), kGrey);
  y_ += 8;
}

void PdfLayout::heading(const std::string& text, double keep_with_next) {
  auto layout = make_layout(cr_.get(), text, "DejaVu Sans Bold 11.5", width());
  const double h = layout_size(layout.get()).second;
  ensure(h + 10 + keep_with_next);
  if (!at_top()) y_ += 10;
  draw_layout(cr_.get(), layout.get(), kMargin, y_, kAccent);
  y_ += h + 2;
  cairo_set_line_width(cr_.get(), 1.2);
  set_colour(cr_.get(), kAccent);
  cairo_move_to(cr_.get(), kMargin, y_);
  cairo_line_to(cr_.get(), kMargin + width(), y_);
  cairo_stroke(cr_.get());
  y_ += 6;
}

void PdfLayout::paragraph(const std::string& text, const char* font, Rgb colour, double indent) {
  auto layout = make_layout(cr_.get(), text, font, width() - indent);
  const double h = layout_size(layout.get()).second;
  ensure(h);
  draw_layout(cr_.get(), layout.get(), kMargin + indent, y_, colour);
  y_ += h + 3;
}

void PdfLayout::bullets(const std::vector<std::string>& items, const char* font) {
  for (const auto& item : items) {
    auto layout = make_layout(cr_.get(), item, font, width() - 12);
    const double h = layout_size(layout.get()).second;
    ensure(h);
    draw_text(cr_.get(), "•", font, kMargin + 2, y_, 10);
    draw_layout(cr_.get(), layout.get(), kMargin + 12, y_);
    y_ += h + 1.5;
  }
}

void PdfLayout::key_values(const std::vector<KeyValue>& items, double key_width) {
  for (const auto& kv : items) {
    auto key = make_layout(cr_.get(), kv.key, "DejaVu Sans Bold 8.5", key_width - 8);
    auto value = make_layout(cr_.get(), kv.value, "DejaVu Sans 8.5", width() - key_width);
    const double h = std::max(layout_size(key.get()).second, layout_size(value.get()).second);
    ensure(h);
    draw_layout(cr_.get(), key.get(), kMargin, y_);
    draw_layout(cr_.get(), value.get(), kMargin + key_width, y_);
    y_ += h + 2;
  }
}

void PdfLayout::boxed(const std::vector<std::string>& lines, const std::string& last_line_italic) {
  std::vector<LayoutPtr> layouts;
  double h = 2 * 6;
  for (const auto& line : lines) {
    layouts.push_back(make_layout(cr_.get(), line, "DejaVu Sans 9.5", width() - 22));
    h += layout_size(layouts.back().get()).second + 3;
  }
  layouts.push_back(make_layout(cr_.get(), last_line_italic, "DejaVu Sans Oblique 8", width() - 22));
  h += layout_size(layouts.back().get()).second + 4;
  ensure(h);
  set_colour(cr_.get(), kSummaryFill);
  cairo_rectangle(cr_.get(), kMargin, y_, width(), h);
  cairo_fill(cr_.get());
  set_colour(cr_.get(), kAccent);
  cairo_rectangle(cr_.get(), kMargin, y_, 3.5, h);
  cairo_fill(cr_.get());
  double y = y_ + 6;
  for (std::size_t i = 0; i < layouts.size(); ++i) {
    if (i + 1 == layouts.size()) y += 4;
    draw_layout(cr_.get(), layouts[i].get(), kMargin + 14, y,
                        i + 1 == layouts.size() ? kGrey : kBlack);
    y += layout_size(layouts[i].get()).second + 3;
  }
  y_ += h + 4;
}

void PdfLayout::table(const Table& t) {
  double total = 0;
  for (const double w : t.widths) total += w;
  std::vector<double> col_x, col_w;
  double x = kMargin;
  for (const double w : t.widths) {
    col_x.push_back(x);
    col_w.push_back(width() * w / total);
    x += col_w.back();
  }
  const auto layout_row = [&](const std::vector<std::string>& cells, const char* font, double& height) {
    std::vector<LayoutPtr> layouts;
    height = 0;
    for (std::size_t c = 0; c < col_w.size(); ++c) {
      const bool numeric = c < t.numeric.size() && t.numeric[c];
      layouts.push_back(make_layout(cr_.get(), c < cells.size() ? cells[c] : "", font,
                                            col_w[c] - 2 * kCellPad, numeric ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT));
      // A cell never grows taller than a page: hostile or runaway text is cut with an ellipsis.
      pango_layout_set_height(layouts.back().get(), -kMaxCellLines);
      pango_layout_set_ellipsize(layouts.back().get(), PANGO_ELLIPSIZE_END);
      height = std::max(height, layout_size(layouts.back().get()).second);
    }
    height += 2 * kCellPad;
    return layouts;
  };
  double header_h = 0;
  auto header_layouts = layout_row(t.header, kTableBold, header_h);
  const auto draw_header = [&]() {
    set_colour(cr_.get(), kHeaderFill);
    cairo_rectangle(cr_.get(), kMargin, y_, width(), header_h);
    cairo_fill(cr_.get());
    for (std::size_t c = 0; c < header_layouts.size(); ++c)
      draw_layout(cr_.get(), header_layouts[c].get(), col_x[c] + kCellPad, y_ + kCellPad);
    rule(y_ + header_h, kGrey, 0.8);
    y_ += header_h;
  };
  const auto font_of = [](const TableRow& row) {
    return row.style == RowStyle::difference ? kTableItalic : kTableFont;
  };
  std::vector<double> heights(t.rows.size(), 0.0);
  for (std::size_t i = 0; i < t.rows.size(); ++i) (void)layout_row(t.rows[i].cells, font_of(t.rows[i]), heights[i]);
  // A group (its first row up to the next group's first row) stays on one page when it fits on one.
  const auto group_height = [&](std::size_t first) {
    double h = heights[first];
    for (std::size_t i = first + 1; i < t.rows.size() && t.rows[i].style != RowStyle::group_start; ++i)
      h += heights[i];
    return h;
  };
  ensure(header_h + (t.rows.empty() ? 0.0 : group_height(0)));
  draw_header();
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    double h = 0;
    auto layouts = layout_row(row.cells, font_of(row), h);
    const double keep = row.style == RowStyle::group_start ? group_height(i) : h;
    const double page_room = kPageHeight - kTop - kBottom - header_h;
    if (h > room() || (keep > room() && keep <= page_room)) {
      new_page();
      draw_header();
    }
    if (row.style == RowStyle::difference) {
      set_colour(cr_.get(), kDiffFill);
      cairo_rectangle(cr_.get(), kMargin, y_, width(), h);
      cairo_fill(cr_.get());
    }
    if (row.style == RowStyle::group_start) rule(y_, kGrey, 0.6);
    for (std::size_t c = 0; c < layouts.size(); ++c)
      draw_layout(cr_.get(), layouts[c].get(), col_x[c] + kCellPad, y_ + kCellPad,
                          row.style == RowStyle::difference ? Rgb{0.3, 0.3, 0.3} : kBlack);
    y_ += h;
    rule(y_, kLightGrey, 0.4);
  }
  y_ += 4;
  for (const auto& note : t.notes) paragraph(note, "DejaVu Sans 7", kGrey);
  y_ += 2;
}

void PdfLayout::block(double height, const std::function<void(cairo_t*, double)>& draw) {
  ensure(height);
  cairo_save(cr_.get());
  cairo_translate(cr_.get(), kMargin, y_);
  draw(cr_.get(), width());
  cairo_restore(cr_.get());
  y_ += height + 8;
}

void PdfLayout::image(const std::string& png, const std::string& caption) {
  const auto surface = png_surface(png);
  if (!surface) {
    paragraph("A figure could not be decoded and is left out.", kSmall, kGrey);
    return;
  }
  const double pw = cairo_image_surface_get_width(surface.get());
  const double ph = cairo_image_surface_get_height(surface.get());
  auto caption_layout = make_layout(cr_.get(), caption, "DejaVu Sans Oblique 8", width());
  const double caption_h = layout_size(caption_layout.get()).second;
  const double max_h = kPageHeight - kTop - kBottom - caption_h - 10;
  const double scale = std::min(width() / pw, max_h / ph);
  const double w = pw * scale, h = ph * scale;
  ensure(h + caption_h + 6);
  cairo_save(cr_.get());
  cairo_translate(cr_.get(), kMargin + (width() - w) / 2, y_);
  cairo_scale(cr_.get(), scale, scale);
  cairo_set_source_surface(cr_.get(), surface.get(), 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr_.get()), CAIRO_FILTER_GOOD);
  cairo_paint(cr_.get());
  cairo_restore(cr_.get());
  y_ += h + 4;
  draw_layout(cr_.get(), caption_layout.get(), kMargin, y_, kGrey);
  y_ += caption_h + 10;
}

void PdfLayout::write(const std::filesystem::path& path, const std::string& footer, const std::string& title) {
  core::write_atomically_with(path, [&](const std::filesystem::path& temporary) {
    SurfacePtr pdf(cairo_pdf_surface_create(temporary.c_str(), kPageWidth, kPageHeight));
    cairo_pdf_surface_set_metadata(pdf.get(), CAIRO_PDF_METADATA_TITLE, clean_text(title).c_str());
    cairo_pdf_surface_set_metadata(pdf.get(), CAIRO_PDF_METADATA_CREATOR, "MyoScope");
    {
      CairoPtr cr(cairo_create(pdf.get()));
      const std::size_t n = pages_.size();
      for (std::size_t i = 0; i < n; ++i) {
        cairo_set_source_surface(cr.get(), pages_[i].get(), 0, 0);
        cairo_paint(cr.get());
        const double y = kPageHeight - kBottom + 22;
        cairo_set_line_width(cr.get(), 0.5);
        set_colour(cr.get(), kLightGrey);
        cairo_move_to(cr.get(), kMargin, y - 4);
        cairo_line_to(cr.get(), kPageWidth - kMargin, y - 4);
        cairo_stroke(cr.get());
        draw_text(cr.get(), footer, "DejaVu Sans 7", kMargin, y, width() - 80, kGrey);
        draw_text(cr.get(), fmt::format("Page {} of {}", i + 1, n), "DejaVu Sans 7",
                          kPageWidth - kMargin - 80, y, 80, kGrey, PANGO_ALIGN_RIGHT);
        cairo_show_page(cr.get());
      }
    }
    cairo_surface_finish(pdf.get());
    if (cairo_surface_status(pdf.get()) != CAIRO_STATUS_SUCCESS)
      throw core::MyoError(
          path.string(),
          std::string("cannot write the PDF report: ") + cairo_status_to_string(cairo_surface_status(pdf.get())),
          core::ErrorKind::output);
  });
}

void PdfLayout::rule(double y, Rgb colour, double line_width) {
  cairo_set_line_width(cr_.get(), line_width);
  set_colour(cr_.get(), colour);
  cairo_move_to(cr_.get(), kMargin, y);
  cairo_line_to(cr_.get(), kMargin + width(), y);
  cairo_stroke(cr_.get());
}

}  // namespace myo::reporting::detail
