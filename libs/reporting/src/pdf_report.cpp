// report.pdf: A4 pages (detail::PdfLayout) with the report's content, charts drawn with Cairo, figures embedded.
#include "document_content.hpp"
#include "drawing.hpp"
#include "myo/reporting/document.hpp"
#include "pdf_layout.hpp"

namespace myo::reporting {

using detail::kSmall;
using detail::PdfLayout;
using detail::Rgb;

void write_pdf_report(const Report& report, const ReportExtras& extras, const std::filesystem::path& path) {
  const detail::DocumentContent d = detail::build_content(report, extras);
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

  if (const auto& c = d.change_since_previous) {
    pdf.heading("Change since the previous visit", 170);
    pdf.paragraph(c->intro);
    for (const auto& s : c->sentences) pdf.paragraph(s);
    pdf.space(4);
    pdf.table(c->table);
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
