#include "myo/timeline/clinical.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <utility>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"

namespace myo::timeline {
namespace {

constexpr std::array<std::pair<EventKind, const char*>, 8> kKinds{{{EventKind::ck_u_per_l, "ck_u_per_l"},
                                                                  {EventKind::antibody, "antibody"},
                                                                  {EventKind::strength_mmt8, "strength_mmt8"},
                                                                  {EventKind::strength_mrc_sum, "strength_mrc_sum"},
                                                                  {EventKind::treatment_start, "treatment_start"},
                                                                  {EventKind::treatment_stop, "treatment_stop"},
                                                                  {EventKind::statin, "statin"},
                                                                  {EventKind::note, "note"}}};
constexpr std::array<const char*, 7> kColumns{"patient", "date", "kind", "value", "drug", "dose", "note"};

// A bad row: its line and what is wrong with it.
struct RowError {
  int line;
  std::string message;
};

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r") - first + 1));
}

// One CSV record (RFC 4180: fields in double quotes may hold commas, newlines and doubled quotes) from TEXT at POS;
// advances POS and LINE past it. Throws RowError for an unterminated quote.
std::vector<std::string> next_record(std::string_view text, std::size_t& pos, int& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  const int start_line = line;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') fields.back() += text[++pos];
      else if (c == '"') quoted = false;
      else fields.back() += c, line += c == '\n' ? 1 : 0;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      ++pos;
      break;
    } else {
      fields.back() += c;
    }
  }
  if (quoted) throw RowError{start_line, "a quoted field is not closed"};
  ++line;
  for (auto& f : fields) f = trim(f);
  return fields;
}

std::optional<double> parse_number(const std::string& text) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

// The column order the header gives; throws RowError for unknown, repeated or missing columns.
std::map<std::string, std::size_t> header_columns(const std::vector<std::string>& header) {
  std::map<std::string, std::size_t> columns;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto known = std::find(kColumns.begin(), kColumns.end(), header[i]) != kColumns.end();
    if (!known) throw RowError{1, fmt::format("unknown column '{}' (columns: {})", header[i], fmt::join(kColumns, ", "))};
    if (!columns.emplace(header[i], i).second) throw RowError{1, fmt::format("column '{}' given twice", header[i])};
  }
  for (const char* required : {"patient", "date", "kind", "value"})
    if (columns.count(required) == 0) throw RowError{1, fmt::format("no '{}' column", required)};
  return columns;
}

void require_number(ClinicalEvent& e, const std::string& value, double lo, double hi, const char* what) {
  e.value_number = parse_number(value);
  if (!e.value_number || *e.value_number < lo || *e.value_number > hi)
    throw RowError{e.line, fmt::format("{} needs a number from {} to {} as value, not '{}'", what, lo, hi, value)};
}

// Checks the fields a kind needs and fills the event's value.
void check_kind_fields(ClinicalEvent& e, const std::string& value) {
  const char* kind = to_string(e.kind);
  switch (e.kind) {
    case EventKind::ck_u_per_l: return require_number(e, value, 0, 1e6, kind);
    case EventKind::strength_mmt8: return require_number(e, value, 0, 150, kind);
    case EventKind::strength_mrc_sum: return require_number(e, value, 0, 60, kind);
    case EventKind::antibody:
      if (value.empty()) throw RowError{e.line, "antibody needs the result as value (e.g. anti-HMGCR positive)"};
      break;
    case EventKind::treatment_start:
    case EventKind::treatment_stop:
      if (e.drug.empty()) throw RowError{e.line, fmt::format("{} needs the drug", kind)};
      break;
    case EventKind::statin:
      if (value != "started" && value != "stopped")
        throw RowError{e.line, fmt::format("statin needs 'started' or 'stopped' as value, not '{}'", value)};
      break;
    case EventKind::note:
      if (e.note.empty() && value.empty()) throw RowError{e.line, "note needs the text (in note or value)"};
      break;
  }
  if (!e.value_number) e.value_text = value;
}

ClinicalEvent parse_row(const std::vector<std::string>& fields, const std::map<std::string, std::size_t>& columns,
                        int line) {
  if (fields.size() != columns.size())
    throw RowError{line, fmt::format("{} fields where the header has {}", fields.size(), columns.size())};
  const auto field = [&](const char* name) {
    const auto it = columns.find(name);
    return it == columns.end() ? std::string() : fields[it->second];
  };
  ClinicalEvent e;
  e.line = line;
  e.patient = field("patient");
  if (e.patient.empty()) throw RowError{line, "no patient"};
  const auto date = core::parse_iso_date(field("date"));
  if (!date) throw RowError{line, fmt::format("date '{}' is not a date (YYYY-MM-DD)", field("date"))};
  e.date = *date;
  const auto kind = event_kind_from_string(field("kind"));
  if (!kind) throw RowError{line, fmt::format("unknown kind '{}'", field("kind"))};
  e.kind = *kind;
  e.drug = field("drug");
  e.dose = field("dose");
  e.note = field("note");
  check_kind_fields(e, field("value"));
  return e;
}

bool blank(const std::vector<std::string>& fields) {
  return std::all_of(fields.begin(), fields.end(), [](const std::string& f) { return f.empty(); });
}

}  // namespace

const char* to_string(EventKind kind) {
  for (const auto& [k, name] : kKinds)
    if (k == kind) return name;
  return "note";
}

std::optional<EventKind> event_kind_from_string(std::string_view text) {
  for (const auto& [k, name] : kKinds)
    if (text == name) return k;
  return std::nullopt;
}

std::vector<ClinicalEvent> parse_clinical_csv(std::string_view text, const std::string& subject) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a byte-order mark, as spreadsheets write
  std::size_t pos = 0;
  int line = 1;
  std::vector<ClinicalEvent> events;
  std::vector<RowError> errors;
  try {
    const auto columns = header_columns(next_record(text, pos, line));
    while (pos < text.size()) {
      const int row_line = line;
      try {
        const auto fields = next_record(text, pos, line);
        if (!blank(fields)) events.push_back(parse_row(fields, columns, row_line));
      } catch (const RowError& e) {
        errors.push_back(e);
      }
    }
  } catch (const RowError& e) {
    errors.push_back(e);
  }
  if (errors.empty()) return events;
  std::string message = fmt::format("line {}: {}", errors.front().line, errors.front().message);
  if (errors.size() > 1) {
    std::vector<int> others;
    for (std::size_t i = 1; i < errors.size(); ++i) others.push_back(errors[i].line);
    message += fmt::format(" (and {} more bad row(s), lines {})", others.size(), fmt::join(others, ", "));
  }
  throw core::MyoError(subject, message + "; format: docs/clinical-csv.md");
}

std::vector<ClinicalEvent> read_clinical_csv(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) throw core::MyoError(path.string(), "not found (clinical CSV)");
  return parse_clinical_csv(core::read_text_file(path), path.string());
}

std::vector<TreatmentPeriod> treatment_periods(const std::vector<ClinicalEvent>& events) {
  std::vector<TreatmentPeriod> periods;
  std::map<std::string, std::size_t> open;  // drug -> index of its open period
  const auto first_date = events.empty() ? core::Date{} : events.front().date;
  for (const auto& e : events) {
    const bool statin = e.kind == EventKind::statin;
    const std::string drug = statin && e.drug.empty() ? "statin" : e.drug;
    const bool starts = e.kind == EventKind::treatment_start || (statin && e.value_text == "started");
    const bool stops = e.kind == EventKind::treatment_stop || (statin && e.value_text == "stopped");
    if (starts && open.count(drug) == 0) {
      open[drug] = periods.size();
      periods.push_back({drug, e.dose, e.date, std::nullopt});
    } else if (stops) {
      const auto it = open.find(drug);
      if (it != open.end()) {
        periods[it->second].stop = e.date;
        open.erase(it);
      } else {
        periods.push_back({drug, e.dose, first_date, e.date});
      }
    }
  }
  return periods;
}

}  // namespace myo::timeline
