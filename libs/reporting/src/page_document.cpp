// A PDF page document (myo/reporting/page_document.hpp) laid out by the writer of report.pdf (detail::PdfLayout),
// which cleans every text it draws (detail::make_layout).
#include "myo/reporting/page_document.hpp"

#include <algorithm>

#include "document_content.hpp"
#include "drawing.hpp"
#include "pdf_layout.hpp"

namespace myo::reporting {
namespace {

detail::Table table_of(const PageTable& t) {
  detail::Table table;
  table.header = t.header;
  table.widths = t.widths;
  table.widths.resize(t.header.size(), 1.0);
  for (const auto& row : t.rows) table.rows.push_back({row, detail::RowStyle::normal});
  return table;
}

// CHARTS_PER_ROW charts side by side per block; a row is as tall as its tallest chart.
void charts(detail::PdfLayout& pdf, const std::vector<TimeChart>& list, int charts_per_row) {
  const auto per_row = static_cast<std::size_t>(std::max(1, charts_per_row));
  constexpr double kGap = 14;
  for (std::size_t first = 0; first < list.size(); first += per_row) {
    const std::size_t last = std::min(list.size(), first + per_row);
    double height = 0;
    for (std::size_t i = first; i < last; ++i) height = std::max(height, detail::time_chart_height(list[i]));
    pdf.block(height, [&](cairo_t* cr, double width) {
      const double w = (width - kGap * static_cast<double>(per_row - 1)) / static_cast<double>(per_row);
      for (std::size_t i = first; i < last; ++i) {
        cairo_save(cr);
        cairo_translate(cr, (w + kGap) * static_cast<double>(i - first), 0);
        detail::draw_time_chart(cr, w, list[i]);
        cairo_restore(cr);
      }
    });
  }
}

void section(detail::PdfLayout& pdf, const PageSection& s) {
  pdf.heading(s.heading, s.charts.empty() ? 60 : 180);
  for (const auto& p : s.paragraphs) pdf.paragraph(p);
  if (!s.legend.empty())
    pdf.block(10, [&](cairo_t* cr, double width) { detail::draw_time_legend(cr, width, s.legend); });
  charts(pdf, s.charts, s.charts_per_row);
  if (s.table) pdf.table(table_of(*s.table));
  for (const auto& n : s.notes) pdf.paragraph(n, detail::kSmall, detail::kGrey);
}

}  // namespace

void write_pdf_document(const PageDocument& document, const std::filesystem::path& path) {
  detail::PdfLayout pdf;
  pdf.title(document.title, document.subtitle);
  if (!document.summary.empty()) {
    pdf.heading(document.summary_heading);
    pdf.boxed(document.summary, document.summary_note);
  }
  for (const auto& s : document.sections) section(pdf, s);
  pdf.write(path, document.footer, document.title);
}

}  // namespace myo::reporting
