#pragma once
// A PDF document that is not an analysis report (a patient's timeline page): title, a boxed summary, then sections of
// paragraphs, bullets, time charts and a table, laid out on A4 by the same writer as report.pdf (page breaks, footers
// "Page i of N", text that pdftotext reads). Strings are plain text, never markup. Cairo and Pango stay private.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace myo::reporting {

// Days are core::days_since_epoch values (days since 1970-01-01); the chart labels its time axis by month.
struct TimePoint {
  long day = 0;
  double value = 0;
  bool beyond_limit = false;  // drawn ringed: a change beyond the repeatability limit since the previous point
};

struct TimeSeries {
  std::string label;               // e.g. "fat fraction right"
  std::string unit;                // of the values: "%", "U/L", empty for a score
  std::string colour = "#000000";  // "#rrggbb"
  bool dashed = false;
  std::vector<TimePoint> points;  // by day
};

// A period drawn as a bar under the plot (a treatment); open periods run to the end of the axis.
struct TimeBar {
  std::string label;
  long start_day = 0;
  std::optional<long> stop_day;
};

// A vertical line at a day, labelled above the plot (an MRI visit).
struct TimeMarker {
  long day = 0;
  std::string label;
};

struct TimeChart {
  std::string title;
  std::string axis_label;            // value axis, with unit
  long first_day = 0, last_day = 1;  // the time axis
  std::optional<double>
      axis_max;  // fixed top of the value axis (a score's maximum); unset: a round value above the data
  std::vector<TimeMarker> markers;
  std::vector<TimeSeries> series;
  std::vector<TimeBar> bars;
};

// A round top for a value axis holding MAX_VALUE and the number of steps it divides into (50 in 5, 30 in 3), or the
// chart's fixed axis_max in 5 steps. Shared by the PDF and the HTML drawings so both show the same scale.
[[nodiscard]] std::pair<double, int> time_chart_scale(const TimeChart& chart);
// The time axis ticks: first days of months (at most about seven), with their "YYYY-MM" labels.
[[nodiscard]] std::vector<TimeMarker> time_chart_ticks(const TimeChart& chart);

struct PageTable {
  std::vector<std::string> header;
  std::vector<double> widths;  // relative column widths
  std::vector<std::vector<std::string>> rows;
};

// One section, drawn in this order: heading, paragraphs, legend, charts (charts_per_row side by side), table, notes.
struct PageSection {
  std::string heading;
  std::vector<std::string> paragraphs;
  std::vector<TimeChart> charts;
  int charts_per_row = 1;
  std::vector<TimeSeries> legend;  // colour keys drawn above the charts (label, colour, dashed; no points)
  std::optional<PageTable> table;
  std::vector<std::string> notes;  // small grey lines
};

struct PageDocument {
  std::string title;
  std::string subtitle;
  std::string summary_heading;
  std::vector<std::string> summary;  // boxed lines
  std::string summary_note;          // the box's last, italic line
  std::vector<PageSection> sections;
  std::string footer;  // on every page, beside "Page i of N"
};

// Writes DOCUMENT as an A4 PDF to PATH atomically. Throws core::MyoError (output) naming PATH on failure.
void write_pdf_document(const PageDocument& document, const std::filesystem::path& path);

}  // namespace myo::reporting
