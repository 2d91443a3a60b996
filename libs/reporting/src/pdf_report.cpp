// report.pdf: A4 pages laid out with Pango, charts drawn with Cairo, figures embedded as image surfaces.
// Each page is first drawn into a recording surface; once the page count is known, the pages are replayed into
// the PDF with "Page i of N" footers (vector text stays text, so pdftotext and screen readers see it).
#include <cairo-pdf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "document_content.hpp"
#include "drawing.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/reporting/document.hpp"

namespace myo::reporting {
namespace {

using detail::CairoPtr;
using detail::DocumentContent;
using detail::Rgb;
using detail::RowStyle;
using detail::SurfacePtr;
using detail::Table;

constexpr double kPageWidth = 595.276;  // A4 in points
constexpr double kPageHeight = 841.890;
constexpr double kMargin = 48;  // ~17 mm
constexpr double kTop = 46;
constexpr double kBottom = 58;  // room for the footer
constexpr double kCellPad = 3.5;
constexpr int kMaxCellLines = 12;

constexpr const char* kBody = "DejaVu Sans 9";
constexpr const char* kSmall = "DejaVu Sans 7.5";
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

class PdfLayout {
 public:
  PdfLayout() { new_page(); }

  [[nodiscard]] double width() const { return kPageWidth - 2 * kMargin; }
  [[nodiscard]] double room() const { return kPageHeight - kBottom - y_; }
  [[nodiscard]] bool at_top() const { return y_ <= kTop + 0.5; }

  void new_page() {
    const cairo_rectangle_t extents{0, 0, kPageWidth, kPageHeight};
    pages_.emplace_back(cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents));
    cr_.reset(cairo_create(pages_.back().get()));
    y_ = kTop;
  }
  // Starts a new page unless `height` fits on this one (an element taller than a page starts at the top).
  void ensure(double height) {
    if (height > room() && !at_top()) new_page();
  }
  void space(double h) { y_ += h; }

  void title(const std::string& text, const std::string& subtitle) {
    y_ += detail::draw_text(cr_.get(), text, "DejaVu Sans Bold 15", kMargin, y_, width(), kAccent);
    y_ += 2 + detail::draw_text(cr_.get(), subtitle, kSmall, kMargin, y_, width(), detail::kGrey);
    y_ += 8;
  }

  void heading(const std::string& text, double keep_with_next = 80) {
    auto layout = detail::make_layout(cr_.get(), text, "DejaVu Sans Bold 11.5", width());
    const double h = detail::layout_size(layout.get()).second;
    ensure(h + 10 + keep_with_next);
    if (!at_top()) y_ += 10;
    detail::draw_layout(cr_.get(), layout.get(), kMargin, y_, kAccent);
    y_ += h + 2;
    cairo_set_line_width(cr_.get(), 1.2);
    detail::set_colour(cr_.get(), kAccent);
    cairo_move_to(cr_.get(), kMargin, y_);
    cairo_line_to(cr_.get(), kMargin + width(), y_);
    cairo_stroke(cr_.get());
    y_ += 6;
  }

  void paragraph(const std::string& text, const char* font = kBody, Rgb colour = detail::kBlack, double indent = 0) {
    auto layout = detail::make_layout(cr_.get(), text, font, width() - indent);
    const double h = detail::layout_size(layout.get()).second;
    ensure(h);
    detail::draw_layout(cr_.get(), layout.get(), kMargin + indent, y_, colour);
    y_ += h + 3;
  }

  void bullets(const std::vector<std::string>& items, const char* font = kSmall) {
    for (const auto& item : items) {
      auto layout = detail::make_layout(cr_.get(), item, font, width() - 12);
      const double h = detail::layout_size(layout.get()).second;
      ensure(h);
      detail::draw_text(cr_.get(), "•", font, kMargin + 2, y_, 10);
      detail::draw_layout(cr_.get(), layout.get(), kMargin + 12, y_);
      y_ += h + 1.5;
    }
  }

  void key_values(const std::vector<detail::KeyValue>& items, double key_width = 140) {
    for (const auto& kv : items) {
      auto key = detail::make_layout(cr_.get(), kv.key, "DejaVu Sans Bold 8.5", key_width - 8);
      auto value = detail::make_layout(cr_.get(), kv.value, "DejaVu Sans 8.5", width() - key_width);
      const double h = std::max(detail::layout_size(key.get()).second, detail::layout_size(value.get()).second);
      ensure(h);
      detail::draw_layout(cr_.get(), key.get(), kMargin, y_);
      detail::draw_layout(cr_.get(), value.get(), kMargin + key_width, y_);
      y_ += h + 2;
    }
  }

  // A tinted box with an accent bar, for the summary.
  void boxed(const std::vector<std::string>& lines, const std::string& last_line_italic) {
    std::vector<detail::LayoutPtr> layouts;
    double h = 2 * 6;
    for (const auto& line : lines) {
      layouts.push_back(detail::make_layout(cr_.get(), line, "DejaVu Sans 9.5", width() - 22));
      h += detail::layout_size(layouts.back().get()).second + 3;
    }
    layouts.push_back(detail::make_layout(cr_.get(), last_line_italic, "DejaVu Sans Oblique 8", width() - 22));
    h += detail::layout_size(layouts.back().get()).second + 4;
    ensure(h);
    detail::set_colour(cr_.get(), kSummaryFill);
    cairo_rectangle(cr_.get(), kMargin, y_, width(), h);
    cairo_fill(cr_.get());
    detail::set_colour(cr_.get(), kAccent);
    cairo_rectangle(cr_.get(), kMargin, y_, 3.5, h);
    cairo_fill(cr_.get());
    double y = y_ + 6;
    for (std::size_t i = 0; i < layouts.size(); ++i) {
      if (i + 1 == layouts.size()) y += 4;
      detail::draw_layout(cr_.get(), layouts[i].get(), kMargin + 14, y,
                          i + 1 == layouts.size() ? detail::kGrey : detail::kBlack);
      y += detail::layout_size(layouts[i].get()).second + 3;
    }
    y_ += h + 4;
  }

  // Cells wrap inside their column (long words are broken), rows never split, the header repeats on each page.
  void table(const Table& t) {
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
      std::vector<detail::LayoutPtr> layouts;
      height = 0;
      for (std::size_t c = 0; c < col_w.size(); ++c) {
        const bool numeric = c < t.numeric.size() && t.numeric[c];
        layouts.push_back(detail::make_layout(cr_.get(), c < cells.size() ? cells[c] : "", font,
                                              col_w[c] - 2 * kCellPad, numeric ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT));
        // A cell never grows taller than a page: hostile or runaway text is cut with an ellipsis.
        pango_layout_set_height(layouts.back().get(), -kMaxCellLines);
        pango_layout_set_ellipsize(layouts.back().get(), PANGO_ELLIPSIZE_END);
        height = std::max(height, detail::layout_size(layouts.back().get()).second);
      }
      height += 2 * kCellPad;
      return layouts;
    };
    double header_h = 0;
    auto header_layouts = layout_row(t.header, kTableBold, header_h);
    const auto draw_header = [&]() {
      detail::set_colour(cr_.get(), kHeaderFill);
      cairo_rectangle(cr_.get(), kMargin, y_, width(), header_h);
      cairo_fill(cr_.get());
      for (std::size_t c = 0; c < header_layouts.size(); ++c)
        detail::draw_layout(cr_.get(), header_layouts[c].get(), col_x[c] + kCellPad, y_ + kCellPad);
      rule(y_ + header_h, detail::kGrey, 0.8);
      y_ += header_h;
    };
    const auto font_of = [](const detail::TableRow& row) {
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
        detail::set_colour(cr_.get(), kDiffFill);
        cairo_rectangle(cr_.get(), kMargin, y_, width(), h);
        cairo_fill(cr_.get());
      }
      if (row.style == RowStyle::group_start) rule(y_, detail::kGrey, 0.6);
      for (std::size_t c = 0; c < layouts.size(); ++c)
        detail::draw_layout(cr_.get(), layouts[c].get(), col_x[c] + kCellPad, y_ + kCellPad,
                            row.style == RowStyle::difference ? Rgb{0.3, 0.3, 0.3} : detail::kBlack);
      y_ += h;
      rule(y_, detail::kLightGrey, 0.4);
    }
    y_ += 4;
    for (const auto& note : t.notes) paragraph(note, "DejaVu Sans 7", detail::kGrey);
    y_ += 2;
  }

  // A drawing of fixed height (a chart), kept on one page.
  void block(double height, const std::function<void(cairo_t*, double)>& draw) {
    ensure(height);
    cairo_save(cr_.get());
    cairo_translate(cr_.get(), kMargin, y_);
    draw(cr_.get(), width());
    cairo_restore(cr_.get());
    y_ += height + 8;
  }

  // A PNG scaled to the text width (or less, to fit one page), with its caption below.
  void image(const std::string& png, const std::string& caption) {
    const auto surface = png_surface(png);
    if (!surface) {
      paragraph("A figure could not be decoded and is left out.", kSmall, detail::kGrey);
      return;
    }
    const double pw = cairo_image_surface_get_width(surface.get());
    const double ph = cairo_image_surface_get_height(surface.get());
    auto caption_layout = detail::make_layout(cr_.get(), caption, "DejaVu Sans Oblique 8", width());
    const double caption_h = detail::layout_size(caption_layout.get()).second;
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
    detail::draw_layout(cr_.get(), caption_layout.get(), kMargin, y_, detail::kGrey);
    y_ += caption_h + 10;
  }

  void write(const std::filesystem::path& path, const std::string& footer, const std::string& title) {
    core::write_atomically_with(path, [&](const std::filesystem::path& temporary) {
      SurfacePtr pdf(cairo_pdf_surface_create(temporary.c_str(), kPageWidth, kPageHeight));
      cairo_pdf_surface_set_metadata(pdf.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
      cairo_pdf_surface_set_metadata(pdf.get(), CAIRO_PDF_METADATA_CREATOR, "MyoScope");
      {
        CairoPtr cr(cairo_create(pdf.get()));
        const std::size_t n = pages_.size();
        for (std::size_t i = 0; i < n; ++i) {
          cairo_set_source_surface(cr.get(), pages_[i].get(), 0, 0);
          cairo_paint(cr.get());
          const double y = kPageHeight - kBottom + 22;
          cairo_set_line_width(cr.get(), 0.5);
          detail::set_colour(cr.get(), detail::kLightGrey);
          cairo_move_to(cr.get(), kMargin, y - 4);
          cairo_line_to(cr.get(), kPageWidth - kMargin, y - 4);
          cairo_stroke(cr.get());
          detail::draw_text(cr.get(), footer, "DejaVu Sans 7", kMargin, y, width() - 80, detail::kGrey);
          detail::draw_text(cr.get(), fmt::format("Page {} of {}", i + 1, n), "DejaVu Sans 7",
                            kPageWidth - kMargin - 80, y, 80, detail::kGrey, PANGO_ALIGN_RIGHT);
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

 private:
  void rule(double y, Rgb colour, double line_width) {
    cairo_set_line_width(cr_.get(), line_width);
    detail::set_colour(cr_.get(), colour);
    cairo_move_to(cr_.get(), kMargin, y);
    cairo_line_to(cr_.get(), kMargin + width(), y);
    cairo_stroke(cr_.get());
  }

  std::vector<SurfacePtr> pages_;
  CairoPtr cr_;
  double y_ = kTop;
};

}  // namespace

void write_pdf_report(const Report& report, const ReportExtras& extras, const std::filesystem::path& path) {
  const DocumentContent d = detail::build_content(report, extras);
  PdfLayout pdf;
  pdf.title(d.title, d.subtitle);
  pdf.key_values(d.header);
  for (const auto& n : d.header_notes) pdf.paragraph(n, kSmall, detail::kGrey);

  pdf.heading("Summary");
  pdf.boxed(d.summary, d.summary_disclaimer);

  pdf.heading("Measurements per muscle group and side");
  pdf.table(d.measurements);
  if (d.correction) {
    pdf.heading("Labels corrected by the reader");
    pdf.table(*d.correction);
  }
  if (d.input_labels) {
    pdf.heading("Labels of the supplied segmentation");
    pdf.table(*d.input_labels);
  }
  if (d.single_muscles) {
    pdf.heading("Single muscles");
    pdf.table(*d.single_muscles);
  }

  pdf.heading("Charts", 200);
  constexpr double bar_h = 200;
  pdf.block(bar_h, [&](cairo_t* cr, double w) { detail::draw_bar_chart(cr, w, bar_h, d.fat_chart); });
  if (d.edema_chart)
    pdf.block(bar_h, [&](cairo_t* cr, double w) { detail::draw_bar_chart(cr, w, bar_h, *d.edema_chart); });
  for (const auto* profile : {&d.fat_profile, &d.edema_profile}) {
    if (!*profile) continue;
    const double h = detail::profile_chart_height(**profile, pdf.width());
    pdf.block(h, [&](cairo_t* cr, double w) { detail::draw_profile_chart(cr, w, h, **profile); });
  }

  if (d.follow_up) {
    pdf.heading("Change since the previous visit", 170);
    pdf.paragraph(d.follow_up_intro);
    for (const auto& s : d.follow_up_sentences) pdf.paragraph(s);
    pdf.space(4);
    pdf.table(*d.follow_up);
  }

  if (!d.figures.empty() || !d.figure_notes.empty()) {
    pdf.heading("Figures", 250);
    for (const auto& f : d.figures) pdf.image(f.png, f.caption);
    for (const auto& n : d.figure_notes) pdf.paragraph(n, kSmall, detail::kGrey);
  }

  pdf.heading("Series used and detected");
  pdf.table(d.series);

  pdf.heading("Method, parameters and provenance");
  pdf.key_values(d.method);
  if (!d.segmentation_notes.empty()) {
    pdf.space(4);
    pdf.paragraph("Segmentation notes", "DejaVu Sans Bold 8.5");
    pdf.bullets(d.segmentation_notes);
  }
  if (!d.warnings.empty()) {
    pdf.space(4);
    pdf.paragraph("Warnings", "DejaVu Sans Bold 8.5", Rgb{0.54, 0.29, 0.0});
    pdf.bullets(d.warnings);
  }
  pdf.write(path, d.footer, d.title);
}

}  // namespace myo::reporting
