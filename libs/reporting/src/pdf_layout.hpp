#pragma once
// The A4 page layout of the PDF documents (report.pdf, timeline pages): Pango text, Cairo drawings and PNG figures
// flowed down pages with "Page i of N" footers. Each page is first drawn into a recording surface; once the page
// count is known, the pages are replayed into the PDF (vector text stays text, so pdftotext and screen readers see it).
// Private to the reporting library.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "document_content.hpp"
#include "drawing.hpp"

namespace myo::reporting::detail {

inline constexpr const char* kBody = "DejaVu Sans 9";
inline constexpr const char* kSmall = "DejaVu Sans 7.5";

class PdfLayout {
 public:
  PdfLayout() { new_page(); }

  static constexpr double kPageWidth = 595.276;  // A4 in points
  static constexpr double kPageHeight = 841.890;
  static constexpr double kMargin = 48;  // ~17 mm
  static constexpr double kTop = 46;
  static constexpr double kBottom = 58;  // room for the footer

  [[nodiscard]] double width() const { return kPageWidth - 2 * kMargin; }
  [[nodiscard]] double room() const { return kPageHeight - kBottom - y_; }
  [[nodiscard]] bool at_top() const { return y_ <= kTop + 0.5; }

  void new_page();
  // Starts a new page unless `height` fits on this one (an element taller than a page starts at the top).
  void ensure(double height);
  void space(double h) { y_ += h; }

  void title(const std::string& text, const std::string& subtitle);

  void heading(const std::string& text, double keep_with_next = 80);

  void paragraph(const std::string& text, const char* font = kBody, Rgb colour = kBlack, double indent = 0);

  void bullets(const std::vector<std::string>& items, const char* font = kSmall);

  void key_values(const std::vector<KeyValue>& items, double key_width = 140);

  // A tinted box with an accent bar, for the summary.
  void boxed(const std::vector<std::string>& lines, const std::string& last_line_italic);

  // Cells wrap inside their column (long words are broken), rows never split, the header repeats on each page.
  void table(const Table& t);

  // A drawing of fixed height (a chart), kept on one page.
  void block(double height, const std::function<void(cairo_t*, double)>& draw);

  // A PNG scaled to the text width (or less, to fit one page), with its caption below.
  void image(const std::string& png, const std::string& caption);

  void write(const std::filesystem::path& path, const std::string& footer, const std::string& title);

 private:
  void rule(double y, Rgb colour, double line_width);

  std::vector<SurfacePtr> pages_;
  CairoPtr cr_;
  double y_ = kTop;
};

}  // namespace myo::reporting::detail
