#pragma once
// What the human-readable reports say, built once from the Report and rendered twice (HTML and PDF), so that
// the two documents never disagree. All strings are cleaned (valid UTF-8, no control characters) but NOT escaped:
// each renderer escapes for its own format (HTML entities; Pango gets plain text, never markup).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drawing.hpp"
#include "myo/reporting/document.hpp"

namespace myo::reporting::detail {

enum class RowStyle { normal, group_start, difference };

struct TableRow {
  std::vector<std::string> cells;
  RowStyle style = RowStyle::normal;
};

struct Table {
  std::vector<std::string> header;
  std::vector<double> widths;  // relative column widths
  std::vector<bool> numeric;   // right-aligned
  std::vector<TableRow> rows;
  std::vector<std::string> notes;
};

struct KeyValue {
  std::string key;
  std::string value;
};

struct FigureContent {
  std::string png;  // bytes; empty when the file was missing or not a PNG
  std::string caption;
  std::string file_name;
};

// The change since the previous visit (Report::change_since_previous, its one source).
struct ChangeSection {
  std::string intro;  // which visit it is compared with, and the repeatability limits
  std::vector<std::string> sentences;
  Table table;
};

struct DocumentContent {
  std::string title;
  std::string subtitle;
  std::vector<KeyValue> header;
  std::vector<std::string> header_notes;
  std::vector<std::string> summary;
  std::string summary_disclaimer;
  Table measurements;
  std::optional<Table> input_labels;  // the user's own label map (analyze --labels), label by label
  std::optional<Table> single_muscles;  // the automatic segmentation's single muscles with their confidence
  std::optional<Table> correction;      // labels corrected by the reader (myoscope edit): volume change per label
  BarChart fat_chart;
  std::optional<BarChart> edema_chart;
  std::optional<ProfileChart> fat_profile;
  std::optional<ProfileChart> edema_profile;
  std::vector<FigureContent> figures;
  std::vector<std::string> figure_notes;
  std::optional<ChangeSection> change_since_previous;
  Table series;
  std::vector<KeyValue> method;
  std::vector<std::string> segmentation_notes;
  std::vector<std::string> warnings;
  std::string footer;  // one line on every PDF page
};

[[nodiscard]] DocumentContent build_content(const Report& report, const ReportExtras& extras);

}  // namespace myo::reporting::detail
