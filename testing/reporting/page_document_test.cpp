// Page documents (documents that are not analysis reports, e.g. a timeline page) laid out by the report's PDF writer:
// the time charts' scale and month ticks (shared with the HTML drawing), and a document's text read back from the PDF.
#include "myo/reporting/page_document.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "myo/core/calendar.hpp"
#include "myo/core/files.hpp"
#include "myo/testing/test_support.hpp"

namespace myo::reporting {
namespace {

using ::testing::HasSubstr;

long day(int year, int month, int day_of_month) { return core::days_since_epoch({year, month, day_of_month}); }

TEST(TimeChartAxes, TicksAreMonthStartsAtMostAboutSeven) {
  TimeChart chart;
  chart.first_day = day(2026, 1, 10);
  chart.last_day = day(2027, 4, 20);  // 15 months: a tick every 3 months from the first month start inside
  std::vector<std::string> labels;
  for (const auto& t : time_chart_ticks(chart)) labels.push_back(t.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"2026-02", "2026-05", "2026-08", "2026-11", "2027-02"}));
}

TEST(TimeChartAxes, ScaleIsRoundAboveTheDataOrTheFixedMaximum) {
  TimeChart chart;
  chart.series.push_back({"CK", "U/L", "#000000", false, {{0, 8400, false}, {30, 640, false}}});
  EXPECT_EQ(time_chart_scale(chart), (std::pair<double, int>{9000, 3}));
  chart.axis_max = 150;  // a score's maximum
  EXPECT_EQ(time_chart_scale(chart), (std::pair<double, int>{150, 5}));
}

// A document longer than a page: every section's text is in the PDF, control characters are gone, pages are numbered.
TEST(PageDocumentPdf, SectionsChartsAndTablesAreWrittenAsText) {
  testing::TempDir dir;
  PageDocument doc;
  doc.title = "Timeline, patient 7";
  doc.subtitle = "Three visits\x01 over a year";
  doc.summary_heading = "Changes";
  doc.summary = {"Edema in the adductors fell from 48 % to 2 % over 15 months."};
  doc.summary_note = "Not a diagnosis.";
  PageSection charts{"Clinical course", {}, {}, 2, {}, {}, {}};
  for (int i = 0; i < 6; ++i) {
    TimeChart c;
    c.title = fmt::format("Chart {}", i + 1);
    c.axis_label = "%";
    c.first_day = day(2026, 1, 1);
    c.last_day = day(2027, 1, 1);
    c.markers = {{day(2026, 2, 1), "MRI 1"}};
    c.series = {{"edema right", "%", "#2166ac", false, {{day(2026, 2, 1), 40, false}, {day(2026, 9, 1), 10, true}}}};
    c.bars = {{"prednisone 1 mg/kg", day(2026, 1, 15), std::nullopt}};
    charts.charts.push_back(c);
  }
  PageTable table{{"Date", "Kind"}, {1, 2}, {}};
  for (int i = 0; i < 80; ++i) table.rows.push_back({fmt::format("row {}", i + 1), "ck_u_per_l"});
  doc.sections = {charts, {"Clinical record", {"All rows."}, {}, 1, {}, table, {"Last note."}}};
  doc.footer = "MyoScope test";
  const auto pdf = dir.path() / "page.pdf";
  write_pdf_document(doc, pdf);
  EXPECT_EQ(core::read_text_file(pdf).substr(0, 5), "%PDF-");
  if (!testing::have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing: the PDF's text is not read";
  const auto text = testing::pdf_text(pdf);
  for (const char* expected : {"Timeline, patient 7", "Three visits over a year", "fell from 48 % to 2 %", "Chart 6",
                               "prednisone 1 mg/kg", "MRI 1", "row 1 ", "row 80", "Last note.", "Page 1 of"})
    EXPECT_THAT(text, HasSubstr(expected));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Page 1 of 1 ")));
}

// Text drawn inside charts is cleaned where it is drawn: a chart title, axis label, visit marker, legend entry or
// treatment bar holding bytes that are not UTF-8 (e.g. a Latin-1 drug name from a clinical CSV) or control
// characters is drawn with U+FFFD in their place, not left out of the PDF.
TEST(PageDocumentPdf, ChartLabelsWithInvalidBytesAreDrawn) {
  testing::TempDir dir;
  TimeChart c;
  c.title = "Adductors\x01\xff right";
  c.axis_label = "fat \xe9 %";
  c.first_day = day(2026, 1, 1);
  c.last_day = day(2027, 1, 1);
  c.markers = {{day(2026, 2, 1), "MRI\x02\xc3 one"}};
  const TimeSeries edema{"edema \xfe right", "%", "#2166ac", false, {{day(2026, 2, 1), 40, false}}};
  c.series = {edema};
  c.bars = {{"m\xe9thotrexate 15 mg", day(2026, 1, 15), std::nullopt}};
  PageDocument doc;
  doc.title = "Charts";
  doc.sections = {{"Course", {}, {c}, 1, {edema}, {}, {}}};
  const auto pdf = dir.path() / "charts.pdf";
  write_pdf_document(doc, pdf);
  if (!testing::have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing: the PDF's text is not read";
  const auto text = testing::pdf_text(pdf);
  for (const char* expected : {"Adductors \xef\xbf\xbd right", "fat \xef\xbf\xbd %", "MRI \xef\xbf\xbd one",
                               "edema \xef\xbf\xbd right", "m\xef\xbf\xbdthotrexate 15 mg"})
    EXPECT_THAT(text, HasSubstr(expected));
}

}  // namespace
}  // namespace myo::reporting
