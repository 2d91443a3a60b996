// Cohort outputs of a batch: cohort.csv, errors.csv and the SQLite store cohort.sqlite (schema and upsert rules:
// libs/pipeline/cohort_schema.md), and merging batch outputs (shards).
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <nlohmann/json.hpp>
#include <sstream>

#include "batch_internal.hpp"
#include "myo/core/calendar.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/pipeline/analysis_folder.hpp"
#include "myo/pipeline/batch.hpp"
#include "process.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace detail {

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return core::sanitize_path_component(buffer, "unknown");
}

}  // namespace detail

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Reading one analysis folder.

using Row = std::map<std::string, std::string>;

std::vector<std::string> split_csv_line(const std::string& line) {
  // measurements.csv holds UIDs, catalogue names and numbers: no quoting needed (reporting writes none).
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

// `columns` receives the header of the first file read (reporting writes the same columns in every file).
std::vector<Row> read_measurements(const fs::path& file, std::vector<std::string>& columns) {
  std::istringstream in(core::read_text_file(file));
  std::string line;
  if (!std::getline(in, line)) return {};
  const auto header = split_csv_line(line);
  if (columns.empty()) columns = header;
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto fields = split_csv_line(line);
    Row r;
    for (std::size_t i = 0; i < header.size(); ++i) r[header[i]] = i < fields.size() ? fields[i] : "";
    rows.push_back(std::move(r));
  }
  return rows;
}

struct StudyRecord {
  detail::Manifest manifest;
  fs::path folder;
  reporting::ReportRecord report;  // empty for failed studies
  std::vector<Row> measurements;
};

// serve.json as a manifest: "analysed" is done, "failed" failed; a study recorded "incomplete" (never analysed) or an
// unreadable record has none. A study the node found in its spool without a UID goes by its key.
std::optional<detail::Manifest> read_serve_record(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  try {
    const auto j = json::parse(core::read_text_file(file));
    const auto status = j.value("status", std::string());
    if (status != "analysed" && status != "failed") return std::nullopt;
    detail::Manifest m;
    m.key = j.value("key", file.parent_path().filename().string());
    m.study_instance_uid = j.value("study_instance_uid", std::string());
    if (m.study_instance_uid.empty()) m.study_instance_uid = m.key;
    m.status = status == "analysed" ? "done" : "failed";
    m.exit_code = j.value("exit_code", 0);
    m.message = j.value("message", std::string());
    m.started_utc = j.value("started_utc", std::string());
    m.finished_utc = j.value("finished_utc", std::string());
    return m;
  } catch (const std::exception& e) {
    log::warn("{}: unreadable record ({}); study left out of the cohort", file.string(), e.what());
    return std::nullopt;
  }
}

std::optional<detail::Manifest> read_record(const fs::path& folder, detail::CohortLayout layout) {
  return layout == detail::CohortLayout::batch ? detail::read_manifest(folder / "batch.json")
                                               : read_serve_record(folder / "serve.json");
}

std::vector<StudyRecord> read_studies(const fs::path& output, std::vector<std::string>& columns,
                                      detail::CohortLayout layout) {
  std::vector<StudyRecord> out;
  const fs::path dir = layout == detail::CohortLayout::batch ? output / "studies" : output;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> folders;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory()) folders.push_back(e.path());
  }
  std::sort(folders.begin(), folders.end());
  for (const auto& folder : folders) {
    auto manifest = read_record(folder, layout);
    if (!manifest) continue;  // never finished (or being analysed right now)
    StudyRecord r{*manifest, folder, {}, {}};
    if (manifest->status == "done") {
      try {
        r.report = AnalysisFolder(folder).report();
        if (fs::exists(folder / "measurements.csv"))
          r.measurements = read_measurements(folder / "measurements.csv", columns);
      } catch (const std::exception& e) {
        log::warn("{}: unreadable analysis ({}); left out of the cohort", folder.string(), e.what());
        r.manifest.status = "failed";
        r.manifest.message = std::string("unreadable analysis: ") + e.what();
        r.report = {};
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out + "\"";
}

// The studies a reader should look at: one row per single muscle the automatic segmentation flagged (confidence
// below method.segmentation.confidence_flag_below), with the study's analysis folder. Studies without a flag are
// absent. The same rows go to review.csv and the review table.
struct ReviewRow {
  const StudyRecord* study;
  std::string muscle, group, side;
  std::optional<double> confidence, flag_below;
  std::string analysis;  // the analysis folder, relative to the cohort's folder
};

std::vector<ReviewRow> review_rows(const fs::path& output, const std::vector<StudyRecord>& studies) {
  std::vector<ReviewRow> rows;
  for (const auto& s : studies) {
    if (s.manifest.status != "done") continue;
    for (const auto& m : s.report.single_muscles)
      if (m.flagged)
        rows.push_back({&s, m.name, m.group, m.side, m.confidence, s.report.confidence_flag_below,
                        fs::relative(s.folder, output).string()});
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// SQLite.

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;

class Database {
 public:
  explicit Database(const fs::path& file) : file_(file) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) fail("cannot open database");
    sqlite3_busy_timeout(db_.get(), 30000);
  }
  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      throw core::MyoError(file_.string(), "SQLite: " + text, core::ErrorKind::output);
    }
  }
  Stmt prepare(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) fail("cannot prepare statement");
    return Stmt(raw);
  }
  void step_done(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) fail("statement failed");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
  [[noreturn]] void fail(const char* what) {
    throw core::MyoError(file_.string(), fmt::format("SQLite: {}: {}", what, db_ ? sqlite3_errmsg(db_.get()) : "?"),
                         core::ErrorKind::output);
  }

 private:
  fs::path file_;
  Db db_;
};

// One done study as a visit of its patient.
struct VisitRow {
  std::string study_uid;
  std::string patient_key;  // study.patient_pseudonym, or "study:<uid>" when the analysis recorded none
  std::string study_date;   // YYYYMMDD as in report.json, empty when unknown
  int number = 0;           // 1, 2, ... by study date within the patient
  std::optional<double> months_from_first;
};

// The done studies grouped by patient and numbered by study date (undated ones last, by UID).
std::vector<VisitRow> visits_of(const std::vector<StudyRecord>& studies) {
  std::vector<VisitRow> rows;
  for (const auto& s : studies) {
    if (s.manifest.status != "done") continue;
    auto key = s.report.study.patient_pseudonym;
    if (key.empty()) key = "study:" + s.manifest.study_instance_uid;
    rows.push_back({s.manifest.study_instance_uid, key, s.report.study.study_date, 0, std::nullopt});
  }
  const auto day = [](const VisitRow& v) {
    const auto date = core::parse_dicom_date(v.study_date);
    return date ? core::days_since_epoch(*date) : std::numeric_limits<long>::max();
  };
  std::sort(rows.begin(), rows.end(), [&](const VisitRow& a, const VisitRow& b) {
    return std::tuple(a.patient_key, day(a), a.study_uid) < std::tuple(b.patient_key, day(b), b.study_uid);
  });
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool first = i == 0 || rows[i].patient_key != rows[i - 1].patient_key;
    rows[i].number = first ? 1 : rows[i - 1].number + 1;
    const auto& head = rows[i - (static_cast<std::size_t>(rows[i].number) - 1)];
    if (day(rows[i]) != std::numeric_limits<long>::max() && day(head) != std::numeric_limits<long>::max())
      rows[i].months_from_first = static_cast<double>(day(rows[i]) - day(head)) / core::kDaysPerMonth;
  }
  return rows;
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void bind_text_or_null(sqlite3_stmt* s, int i, const std::string& v) {
  if (v.empty())
    sqlite3_bind_null(s, i);
  else
    bind_text(s, i, v);
}
void bind_real_or_null(sqlite3_stmt* s, int i, const std::string& v) {
  if (v.empty()) {
    sqlite3_bind_null(s, i);
    return;
  }
  try {
    std::size_t used = 0;
    const double d = std::stod(v, &used);
    if (used == v.size()) {
      sqlite3_bind_double(s, i, d);
      return;
    }
  } catch (const std::exception&) {
  }
  bind_text(s, i, v);  // not a number: kept as text rather than lost
}

constexpr int kSchemaVersion = 3;  // 2: patients and visits; 3: review

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
  study_uid TEXT PRIMARY KEY,
  study_key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  exit_code INTEGER NOT NULL,
  error_message TEXT,
  study_date TEXT,
  study_description TEXT,
  manufacturer TEXT,
  protocol TEXT,
  reference_series_uid TEXT,
  software_version TEXT,
  git_revision TEXT,
  parameters TEXT,
  started_utc TEXT,
  finished_utc TEXT,
  seconds REAL,
  output_folder TEXT
);
CREATE TABLE IF NOT EXISTS series (
  study_uid TEXT NOT NULL REFERENCES studies(study_uid) ON DELETE CASCADE,
  series_uid TEXT NOT NULL,
  split_key TEXT NOT NULL DEFAULT '',
  series_number INTEGER,
  description TEXT,
  role TEXT,
  used_as TEXT,
  orientation TEXT,
  slice_count INTEGER,
  PRIMARY KEY (study_uid, series_uid, split_key)
);
CREATE TABLE IF NOT EXISTS measurements (
  study_uid TEXT NOT NULL REFERENCES studies(study_uid) ON DELETE CASCADE,
  group_name TEXT NOT NULL,
  side TEXT NOT NULL,
  level TEXT NOT NULL,
  label INTEGER,
  level_mm REAL,
  volume_ml REAL,
  cross_sectional_area_mm2 REAL,
  fat_fraction_pct REAL,
  fat_fraction_median_pct REAL,
  fat_fraction_p90_pct REAL,
  fat_replaced_volume_ml REAL,
  t1_fat_estimate_pct REAL,
  edema_fraction_pct REAL,
  edema_volume_ml REAL,
  stir_ratio REAL,
  edema_grade INTEGER,
  mercuri_grade TEXT,
  PRIMARY KEY (study_uid, group_name, side, level)
);
CREATE TABLE IF NOT EXISTS patients (
  patient_key TEXT PRIMARY KEY,
  first_study_date TEXT,
  last_study_date TEXT,
  visit_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS visits (
  study_uid TEXT PRIMARY KEY REFERENCES studies(study_uid) ON DELETE CASCADE,
  patient_key TEXT NOT NULL REFERENCES patients(patient_key),
  visit_number INTEGER NOT NULL,
  study_date TEXT,
  months_from_first REAL
);
CREATE TABLE IF NOT EXISTS review (
  study_uid TEXT NOT NULL REFERENCES studies(study_uid) ON DELETE CASCADE,
  muscle TEXT NOT NULL,
  side TEXT NOT NULL,
  group_name TEXT,
  segmentation_confidence REAL,
  confidence_flag_below REAL,
  analysis TEXT,
  PRIMARY KEY (study_uid, muscle, side)
);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  started_utc TEXT,
  finished_utc TEXT,
  host TEXT,
  software_version TEXT,
  git_revision TEXT,
  parameters TEXT,
  shard TEXT,
  jobs INTEGER,
  studies_in_shard INTEGER,
  done INTEGER,
  skipped INTEGER,
  failed INTEGER,
  unreadable_files INTEGER,
  seconds REAL
);
)sql";

// The measurement columns stored as numbers; the rest of the row is keys and text.
const std::vector<std::string> kRealColumns{"volume_ml",
                                            "cross_sectional_area_mm2",
                                            "fat_fraction_pct",
                                            "fat_fraction_median_pct",
                                            "fat_fraction_p90_pct",
                                            "fat_replaced_volume_ml",
                                            "t1_fat_estimate_pct",
                                            "edema_fraction_pct",
                                            "edema_volume_ml",
                                            "stir_ratio"};

// "whole" for the whole group; slabs are told apart by their level: "slab@<level_mm>" (level_mm as written).
std::string level_key(const Row& r) {
  const auto level = r.count("level") ? r.at("level") : std::string("whole");
  if (level == "whole") return level;
  if (level == "muscle") return "muscle@" + (r.count("muscle") ? r.at("muscle") : std::string());  // one per muscle
  const auto mm = r.count("level_mm") ? r.at("level_mm") : std::string();
  return mm.empty() ? level : level + "@" + mm;
}

// The patients and visits tables, rewritten whole from the studies the folder holds now.
void replace_patients(Database& db, const std::vector<VisitRow>& visits) {
  db.exec("DELETE FROM visits; DELETE FROM patients;");
  auto patient_stmt = db.prepare(
      "INSERT INTO patients (patient_key, first_study_date, last_study_date, visit_count) VALUES (?1, ?2, ?3, ?4);");
  auto visit_stmt = db.prepare("INSERT INTO visits (study_uid, patient_key, visit_number, study_date, months_from_first) "
                               "VALUES (?1, ?2, ?3, ?4, ?5);");
  for (std::size_t i = 0; i < visits.size(); ++i) {
    const auto& v = visits[i];
    if (i + 1 == visits.size() || visits[i + 1].patient_key != v.patient_key) {  // the patient's last visit
      const auto& first = visits[i + 1 - static_cast<std::size_t>(v.number)];
      auto* ps = patient_stmt.get();
      bind_text(ps, 1, v.patient_key);
      bind_text_or_null(ps, 2, first.study_date);
      bind_text_or_null(ps, 3, v.study_date);
      sqlite3_bind_int(ps, 4, v.number);
      db.step_done(ps);
    }
  }
  for (const auto& v : visits) {
    auto* vs = visit_stmt.get();
    bind_text(vs, 1, v.study_uid);
    bind_text(vs, 2, v.patient_key);
    sqlite3_bind_int(vs, 3, v.number);
    bind_text_or_null(vs, 4, v.study_date);
    if (v.months_from_first) sqlite3_bind_double(vs, 5, *v.months_from_first);
    else sqlite3_bind_null(vs, 5);
    db.step_done(vs);
  }
}

void bind_real_or_null(sqlite3_stmt* s, int i, const std::optional<double>& v) {
  if (v) sqlite3_bind_double(s, i, *v);
  else sqlite3_bind_null(s, i);
}

// The review table, rewritten whole from the flagged muscles of the studies the folder holds now (as review.csv).
void replace_review(Database& db, const std::vector<ReviewRow>& rows) {
  db.exec("DELETE FROM review;");
  auto stmt = db.prepare("INSERT INTO review (study_uid, muscle, side, group_name, segmentation_confidence, "
                         "confidence_flag_below, analysis) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                         "ON CONFLICT(study_uid, muscle, side) DO NOTHING;");
  for (const auto& r : rows) {
    auto* st = stmt.get();
    bind_text(st, 1, r.study->manifest.study_instance_uid);
    bind_text(st, 2, r.muscle);
    bind_text(st, 3, r.side);
    bind_text_or_null(st, 4, r.group);
    bind_real_or_null(st, 5, r.confidence);
    bind_real_or_null(st, 6, r.flag_below);
    bind_text(st, 7, r.analysis);
    db.step_done(st);
  }
}

// The statements of one cohort update, prepared once for all its studies.
struct CohortStatements {
  Stmt study, delete_series, delete_measurements, series, measurement;
};

// A measurement row: keys, the integer columns, then kRealColumns in order.
Stmt prepare_measurement_statement(Database& db) {
  std::string columns = "study_uid, group_name, side, level, label, level_mm, edema_grade, mercuri_grade";
  std::string values = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8";
  std::string updates =
      "label = excluded.label, level_mm = excluded.level_mm, edema_grade = excluded.edema_grade, "
      "mercuri_grade = excluded.mercuri_grade";
  for (std::size_t i = 0; i < kRealColumns.size(); ++i) {
    columns += ", " + kRealColumns[i];
    values += fmt::format(", ?{}", 9 + i);
    updates += fmt::format(", {0} = excluded.{0}", kRealColumns[i]);
  }
  return db.prepare(fmt::format(
      "INSERT INTO measurements ({}) VALUES ({}) ON CONFLICT(study_uid, group_name, side, level) DO UPDATE SET {};",
      columns, values, updates));
}

CohortStatements prepare_statements(Database& db) {
  CohortStatements st;
  st.study = db.prepare(R"sql(
    INSERT INTO studies (study_uid, study_key, status, exit_code, error_message, study_date, study_description,
      manufacturer, protocol, reference_series_uid, software_version, git_revision, parameters, started_utc,
      finished_utc, seconds, output_folder)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
    ON CONFLICT(study_uid) DO UPDATE SET study_key = excluded.study_key, status = excluded.status,
      exit_code = excluded.exit_code, error_message = excluded.error_message, study_date = excluded.study_date,
      study_description = excluded.study_description, manufacturer = excluded.manufacturer,
      protocol = excluded.protocol, reference_series_uid = excluded.reference_series_uid,
      software_version = excluded.software_version, git_revision = excluded.git_revision,
      parameters = excluded.parameters, started_utc = excluded.started_utc, finished_utc = excluded.finished_utc,
      seconds = excluded.seconds, output_folder = excluded.output_folder;)sql");
  st.delete_series = db.prepare("DELETE FROM series WHERE study_uid = ?1;");
  st.delete_measurements = db.prepare("DELETE FROM measurements WHERE study_uid = ?1;");
  st.series = db.prepare(R"sql(
    INSERT INTO series (study_uid, series_uid, split_key, series_number, description, role, used_as, orientation,
      slice_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
    ON CONFLICT(study_uid, series_uid, split_key) DO UPDATE SET series_number = excluded.series_number,
      description = excluded.description, role = excluded.role, used_as = excluded.used_as,
      orientation = excluded.orientation, slice_count = excluded.slice_count;)sql");
  st.measurement = prepare_measurement_statement(db);
  return st;
}

// The study's row (OUTPUT_FOLDER relative to the database's folder), and none of its earlier series and
// measurements: a failed attempt keeps nothing of an earlier success, the cohort shows what the folder holds now.
void upsert_study(Database& db, CohortStatements& statements, const StudyRecord& s, const fs::path& file) {
  const auto& m = s.manifest;
  const auto& study = s.report.study;
  auto* st = statements.study.get();
  bind_text(st, 1, m.study_instance_uid);
  bind_text(st, 2, m.key);
  bind_text(st, 3, m.status == "done" ? "done" : "failed");
  sqlite3_bind_int(st, 4, m.exit_code);
  bind_text_or_null(st, 5, m.message);
  bind_text_or_null(st, 6, study.study_date);
  bind_text_or_null(st, 7, study.study_description);
  bind_text_or_null(st, 8, study.manufacturer);
  bind_text_or_null(st, 9, s.report.protocol);
  bind_text_or_null(st, 10, s.report.reference_series_uid);
  bind_text(st, 11, m.software_version);
  bind_text(st, 12, m.git_revision);
  bind_text(st, 13, m.parameters);
  bind_text(st, 14, m.started_utc);
  bind_text(st, 15, m.finished_utc);
  sqlite3_bind_double(st, 16, m.seconds);
  bind_text(st, 17, fs::relative(s.folder, file.parent_path()).string());
  db.step_done(st);
  bind_text(statements.delete_series.get(), 1, m.study_instance_uid);
  db.step_done(statements.delete_series.get());
  bind_text(statements.delete_measurements.get(), 1, m.study_instance_uid);
  db.step_done(statements.delete_measurements.get());
}

void insert_series(Database& db, sqlite3_stmt* ss, const std::string& study_uid,
                   const std::vector<reporting::SeriesEntry>& series) {
  for (const auto& e : series) {
    bind_text(ss, 1, study_uid);
    bind_text(ss, 2, e.series_instance_uid);
    bind_text(ss, 3, e.split_key);
    sqlite3_bind_int64(ss, 4, e.series_number);
    bind_text_or_null(ss, 5, e.description);
    bind_text_or_null(ss, 6, e.role);
    bind_text_or_null(ss, 7, e.used_as);
    bind_text_or_null(ss, 8, e.orientation);
    sqlite3_bind_int64(ss, 9, static_cast<sqlite3_int64>(e.slice_count));
    db.step_done(ss);
  }
}

// measurements.csv rows as they were written (numbers stored as numbers, empty fields as NULL).
void insert_measurements(Database& db, sqlite3_stmt* ms, const std::string& study_uid, const std::vector<Row>& rows) {
  for (const auto& r : rows) {
    const auto get = [&](const char* c) { return r.count(c) ? r.at(c) : std::string(); };
    bind_text(ms, 1, study_uid);
    bind_text(ms, 2, get("group"));
    bind_text(ms, 3, get("side"));
    bind_text(ms, 4, level_key(r));
    bind_real_or_null(ms, 5, get("label"));
    bind_real_or_null(ms, 6, get("level_mm"));
    bind_real_or_null(ms, 7, get("edema_grade"));
    bind_text_or_null(ms, 8, get("mercuri_grade"));
    for (std::size_t i = 0; i < kRealColumns.size(); ++i)
      bind_real_or_null(ms, static_cast<int>(9 + i), get(kRealColumns[i].c_str()));
    db.step_done(ms);
  }
}

// The batch run's row; a run recorded before (same run_id) is kept as it was.
void insert_run(Database& db, const detail::RunRecord& run) {
  auto rs = db.prepare(R"sql(
    INSERT INTO runs (run_id, started_utc, finished_utc, host, software_version, git_revision, parameters, shard,
      jobs, studies_in_shard, done, skipped, failed, unreadable_files, seconds)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
    ON CONFLICT(run_id) DO NOTHING;)sql");
  auto* st = rs.get();
  bind_text(st, 1, run.run_id);
  bind_text(st, 2, run.started_utc);
  bind_text(st, 3, run.finished_utc);
  bind_text(st, 4, run.host);
  bind_text(st, 5, run.software_version);
  bind_text(st, 6, run.git_revision);
  bind_text(st, 7, run.parameters);
  bind_text(st, 8, run.shard);
  sqlite3_bind_int(st, 9, static_cast<int>(run.jobs));
  sqlite3_bind_int64(st, 10, static_cast<sqlite3_int64>(run.studies_in_shard));
  sqlite3_bind_int64(st, 11, static_cast<sqlite3_int64>(run.done));
  sqlite3_bind_int64(st, 12, static_cast<sqlite3_int64>(run.skipped));
  sqlite3_bind_int64(st, 13, static_cast<sqlite3_int64>(run.failed));
  sqlite3_bind_int64(st, 14, static_cast<sqlite3_int64>(run.unreadable_files));
  sqlite3_bind_double(st, 15, run.seconds);
  db.step_done(st);
}

// Every table from the studies the folder holds now, in one transaction (rolled back on any failure).
void upsert_database(const fs::path& file, const std::vector<StudyRecord>& studies,
                     const std::vector<ReviewRow>& review, const detail::RunRecord* run) {
  Database db(file);
  db.exec("PRAGMA foreign_keys = ON;");
  db.exec(kSchema);
  db.exec("BEGIN IMMEDIATE;");
  try {
    db.exec(
        fmt::format("INSERT INTO meta(key, value) VALUES('schema_version', '{}') "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value;",
                    kSchemaVersion));
    auto statements = prepare_statements(db);
    for (const auto& s : studies) {
      upsert_study(db, statements, s, file);
      if (s.manifest.status != "done") continue;
      insert_series(db, statements.series.get(), s.manifest.study_instance_uid, s.report.series);
      insert_measurements(db, statements.measurement.get(), s.manifest.study_instance_uid, s.measurements);
    }
    replace_patients(db, visits_of(studies));
    replace_review(db, review);
    if (run) insert_run(db, *run);
    db.exec("COMMIT;");
  } catch (...) {
    try {
      db.exec("ROLLBACK;");
    } catch (...) {
    }
    throw;
  }
}

void write_cohort_csv(const fs::path& file, const std::vector<StudyRecord>& studies,
                      std::vector<std::string> measurement_columns) {
  if (measurement_columns.empty()) {  // no study done yet: the columns every measurements.csv has
    measurement_columns = {"group", "side", "label"};
    measurement_columns.insert(measurement_columns.end(), kRealColumns.begin(), kRealColumns.end());
  }
  measurement_columns.erase(
      std::remove_if(measurement_columns.begin(), measurement_columns.end(),
                     [](const std::string& c) { return c == "study_instance_uid" || c == "level" || c == "level_mm"; }),
      measurement_columns.end());
  std::ostringstream out;
  out << "study_instance_uid,study_key,study_date,manufacturer,protocol,software_version";
  for (const auto& c : measurement_columns) out << ',' << c;
  out << ",patient_key,visit_number\n";
  const auto visits = visits_of(studies);
  for (const auto& s : studies) {
    if (s.manifest.status != "done") continue;
    const auto visit = std::find_if(visits.begin(), visits.end(),
                                    [&](const VisitRow& v) { return v.study_uid == s.manifest.study_instance_uid; });
    for (const auto& r : s.measurements) {
      if (level_key(r) != "whole") continue;  // cohort.csv: study x group x side; slabs are in the database
      out << csv_field(s.manifest.study_instance_uid) << ',' << csv_field(s.manifest.key) << ','
          << csv_field(s.report.study.study_date) << ',' << csv_field(s.report.study.manufacturer) << ','
          << csv_field(s.report.protocol)
          << ',' << csv_field(s.manifest.software_version);
      for (const auto& c : measurement_columns) out << ',' << csv_field(r.count(c) ? r.at(c) : std::string());
      out << ',' << csv_field(visit->patient_key) << ',' << visit->number << '\n';
    }
  }
  core::write_file_atomically(file, out.str());
}

// The header alone means nothing needs a look.
void write_review_csv(const fs::path& file, const std::vector<ReviewRow>& rows) {
  const auto number = [](const std::optional<double>& x) { return x ? json(*x).dump() : std::string(); };
  std::ostringstream out;
  out << "study_instance_uid,study_key,study_date,muscle,group,side,segmentation_confidence,confidence_flag_below,"
         "analysis\n";
  for (const auto& r : rows) {
    const auto& m = r.study->manifest;
    out << csv_field(m.study_instance_uid) << ',' << csv_field(m.key) << ','
        << csv_field(r.study->report.study.study_date) << ',' << csv_field(r.muscle) << ','
        << csv_field(r.group) << ',' << csv_field(r.side) << ',' << number(r.confidence) << ','
        << number(r.flag_below) << ',' << csv_field(r.analysis) << '\n';
  }
  core::write_file_atomically(file, out.str());
}

void write_errors_csv(const fs::path& file, const std::vector<StudyRecord>& studies,
                      const std::vector<dicom::FileProblem>& unreadable) {
  std::ostringstream out;
  out << "study_instance_uid,study_key,exit_code,finished_utc,message,file\n";
  for (const auto& s : studies) {
    if (s.manifest.status == "done") continue;
    out << csv_field(s.manifest.study_instance_uid) << ',' << csv_field(s.manifest.key) << ',' << s.manifest.exit_code
        << ',' << csv_field(s.manifest.finished_utc) << ',' << csv_field(s.manifest.message) << ",\n";
  }
  for (const auto& p : unreadable)
    out << ",,,," << csv_field("unreadable file: " + p.reason) << ',' << csv_field(p.path.string()) << '\n';
  core::write_file_atomically(file, out.str());
}

}  // namespace

namespace detail {

std::vector<std::string> update_cohort(const fs::path& output, const RunRecord* run,
                                       const std::vector<dicom::FileProblem>& unreadable, CohortLayout layout) {
  std::vector<std::string> columns;
  const auto studies = read_studies(output, columns, layout);
  const auto review = review_rows(output, studies);
  write_cohort_csv(output / "cohort.csv", studies, columns);
  write_errors_csv(output / "errors.csv", studies, unreadable);
  write_review_csv(output / "review.csv", review);
  upsert_database(output / "cohort.sqlite", studies, review, run);
  std::vector<std::string> keys;
  for (const auto& r : review) keys.push_back(r.study->manifest.key);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace detail

std::vector<fs::path> cohort_analysis_folders(const fs::path& database) {
  const auto bad = [&](const std::string& what) {
    return core::MyoError(database.string(), "not a readable cohort database (" + what + ")", core::ErrorKind::input);
  };
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(database.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  const Db db(raw);
  if (rc != SQLITE_OK) throw bad(raw ? sqlite3_errmsg(raw) : "cannot open");
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db.get(),
                         "SELECT s.output_folder FROM studies s JOIN visits v USING (study_uid) "
                         "WHERE s.status = 'done' ORDER BY v.patient_key, v.visit_number;",
                         -1, &statement, nullptr) != SQLITE_OK)
    throw bad(sqlite3_errmsg(db.get()));
  const Stmt select(statement);
  std::vector<fs::path> folders;
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(select.get())) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(select.get(), 0);
    if (text != nullptr) folders.push_back(database.parent_path() / reinterpret_cast<const char*>(text));
  }
  if (step != SQLITE_DONE) throw bad(sqlite3_errmsg(db.get()));
  if (folders.empty()) throw core::MyoError(database.string(), "the cohort database holds no analysed study",
                                            core::ErrorKind::input);
  return folders;
}

std::vector<fs::path> expand_cohort_databases(const std::vector<fs::path>& inputs) {
  std::vector<fs::path> out;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (!fs::is_regular_file(input, ec)) {
      out.push_back(input);
      continue;
    }
    const auto folders = cohort_analysis_folders(input);
    out.insert(out.end(), folders.begin(), folders.end());
  }
  return out;
}

MergeSummary merge_batches(const std::vector<fs::path>& inputs, const fs::path& output) {
  MergeSummary summary;
  const fs::path studies_dir = output / "studies";
  try {
    fs::create_directories(studies_dir);
    fs::create_directories(output / "logs");
  } catch (const fs::filesystem_error& e) {
    throw core::MyoError(output.string(), std::string("cannot create output folder: ") + e.code().message(),
                         core::ErrorKind::output);
  }
  // Best candidate per study key: done beats failed; among equals the most recently finished wins.
  struct Candidate {
    detail::Manifest manifest;
    fs::path folder;
    fs::path log;
  };
  std::map<std::string, Candidate> best;
  std::map<std::string, int> done_count;
  for (const auto& in : inputs) {
    if (fs::equivalent(in, output)) throw core::MyoError(in.string(), "an input of the merge is its output folder");
    const fs::path dir = in / "studies";
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw core::MyoError(in.string(), "not a batch output (no studies/ folder)");
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_directory()) continue;
      auto m = detail::read_manifest(e.path() / "batch.json");
      if (!m) continue;
      if (m->status == "done") ++done_count[m->key];
      Candidate c{*m, e.path(), in / "logs" / (m->key + ".log")};
      const auto it = best.find(m->key);
      if (it == best.end()) {
        best.emplace(m->key, std::move(c));
        continue;
      }
      const auto rank = [](const detail::Manifest& x) { return std::make_pair(x.status == "done", x.finished_utc); };
      if (rank(c.manifest) > rank(it->second.manifest)) it->second = std::move(c);
    }
  }
  for (const auto& [key, c] : best) {
    if (done_count[key] > 1) ++summary.conflicts;
    const fs::path target = studies_dir / key;
    // Unchanged when the merged copy is the same attempt already.
    const auto existing = detail::read_manifest(target / "batch.json");
    if (existing && existing->finished_utc == c.manifest.finished_utc && existing->status == c.manifest.status &&
        existing->software_version == c.manifest.software_version)
      continue;
    const fs::path temporary = studies_dir / (".merge-" + key);
    std::error_code ec;
    fs::remove_all(temporary, ec);
    fs::copy(c.folder, temporary, fs::copy_options::recursive);
    fs::remove_all(target, ec);
    fs::rename(temporary, target);
    detail::fsync_path(studies_dir);
    if (fs::exists(c.log)) fs::copy_file(c.log, output / "logs" / (key + ".log"), fs::copy_options::overwrite_existing);
  }
  for (const auto& [key, c] : best) {
    if (c.manifest.status == "done")
      ++summary.studies;
    else
      ++summary.failures;
  }
  (void)detail::update_cohort(output, nullptr, {});
  // Carry the runs of every input over (ATTACH; run_id is unique per run, so merging twice adds nothing).
  {
    Database db(output / "cohort.sqlite");
    for (const auto& in : inputs) {
      const fs::path other = in / "cohort.sqlite";
      if (!fs::exists(other)) continue;
      auto attach = db.prepare("ATTACH DATABASE ?1 AS other;");
      bind_text(attach.get(), 1, fs::absolute(other).string());
      db.step_done(attach.get());
      attach.reset();
      try {
        db.exec("INSERT INTO runs SELECT * FROM other.runs WHERE true ON CONFLICT(run_id) DO NOTHING;");
      } catch (...) {
        db.exec("DETACH DATABASE other;");
        throw;
      }
      db.exec("DETACH DATABASE other;");
    }
  }
  return summary;
}

}  // namespace myo::pipeline
