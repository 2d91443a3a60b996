#include "document_content.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "myo/core/muscle_catalog.hpp"

namespace myo::reporting::detail {
namespace {

using quantification::GroupMeasurement;

std::string display_name(const std::string& group) {
  const auto* g = core::MuscleCatalog::instance().find(group);
  return clean_text(g ? g->display_name : group);
}

// Chart labels: short enough for a bar slot or a small panel ("Adductors (magnus, longus, brevis)" -> "Adductors").
std::string short_name(const std::string& group) {
  static const std::map<std::string, std::string> abbreviations{{"gluteus_maximus", "Gluteus max."},
                                                                {"gluteus_medius", "Gluteus med./min."},
                                                                {"tensor_fasciae_latae", "Tensor fasciae latae"},
                                                                {"quadriceps", "Quadriceps"}};
  if (const auto it = abbreviations.find(group); it != abbreviations.end()) return it->second;
  std::string name = display_name(group);
  const auto paren = name.find(" (");
  return paren == std::string::npos ? name : name.substr(0, paren);
}

std::string side_label(const std::string& side) {
  if (side == "right") return "Right";
  if (side == "left") return "Left";
  return clean_text(side);
}

std::string date_text(const std::string& dicom_date) {
  const bool digits = dicom_date.size() == 8 &&
                      std::all_of(dicom_date.begin(), dicom_date.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return clean_text(dicom_date);
  return dicom_date.substr(0, 4) + "-" + dicom_date.substr(4, 2) + "-" + dicom_date.substr(6, 2);
}

// DICOM PN "Family^Given^Middle^Prefix^Suffix" -> "Family, Given Middle"; other text unchanged.
std::string person_name(const std::string& pn) {
  const std::string alphabetic = pn.substr(0, pn.find('='));
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto caret = alphabetic.find('^', start);
    parts.push_back(alphabetic.substr(start, caret == std::string::npos ? std::string::npos : caret - start));
    if (caret == std::string::npos) break;
    start = caret + 1;
  }
  std::string given;
  for (std::size_t i = 1; i < parts.size() && i < 3; ++i)
    if (!parts[i].empty()) given += (given.empty() ? "" : " ") + parts[i];
  std::string text = parts[0];
  if (!given.empty()) text += (text.empty() ? "" : ", ") + given;
  return clean_text(text);
}

std::string pct(const std::optional<double>& v) { return v ? fmt::format("{:.1f} %", *v) : "–"; }
// Signed, and never "-0.0": a difference that rounds to zero reads "+0.0".
double unsigned_zero(double v, double resolution) { return std::abs(v) < resolution / 2 ? 0.0 : v; }
std::string signed_num(double v, const char* unit) { return fmt::format("{:+.1f} {}", unsigned_zero(v, 0.1), unit); }

// "22.1 → 24.3" (%), "–" when either value is unknown.
std::string previous_to_current(const std::optional<double>& previous, const std::optional<double>& current) {
  if (!previous || !current) return "–";
  return fmt::format("{:.1f} → {:.1f}", *previous, *current);
}

bool has_dixon(const Report& r) {
  return r.protocol == "dixon" || r.quantification_method.fat_method == "dixon_pdff" ||
         std::any_of(r.muscles.begin(), r.muscles.end(), [](const auto& m) { return m.fat_fraction_pct.has_value(); });
}

std::optional<double> fat_value(const GroupMeasurement& m, bool dixon) {
  return dixon ? m.fat_fraction_pct : m.t1_fat_estimate_pct;
}

// Catalogue order; groups the catalogue does not know come last in report order.
std::vector<std::string> group_order(const Report& r) {
  std::vector<std::string> order;
  std::set<std::string> present;
  for (const auto& m : r.muscles) present.insert(m.group);
  for (const auto& p : r.profiles) present.insert(p.group);
  for (const auto& g : core::MuscleCatalog::instance().groups())
    if (present.count(g.name)) order.push_back(g.name);
  for (const auto& m : r.muscles)
    if (std::find(order.begin(), order.end(), m.group) == order.end()) order.push_back(m.group);
  for (const auto& p : r.profiles)
    if (std::find(order.begin(), order.end(), p.group) == order.end()) order.push_back(p.group);
  return order;
}

const GroupMeasurement* find_muscle(const Report& r, const std::string& group, core::Side side) {
  for (const auto& m : r.muscles)
    if (m.group == group && m.side == side) return &m;
  return nullptr;
}

// Columns of the group table that appear only when some group has a value: water T2 when it was fitted, the
// segmentation confidence with the automatic segmentation (a user's own labels have none).
struct OptionalColumns {
  bool water_t2 = false;
  bool confidence = false;
};

OptionalColumns optional_columns(const Report& r) {
  const auto any = [&](auto has) { return std::any_of(r.muscles.begin(), r.muscles.end(), has); };
  return {any([](const auto& m) { return m.water_t2_ms.has_value(); }),
          any([](const auto& m) { return m.segmentation_confidence.has_value(); })};
}

Table measurement_columns(bool dixon, OptionalColumns extra) {
  Table t;
  t.header = {"Muscle group",     "Side",
              "Volume",           dixon ? "Fat fraction (PDFF)" : "T1 fat estimate",
              "Edema extent",     "Edema grade 0–3",
              "Mercuri, modified"};
  t.widths = {1.8, 1.45, 2.05, 1.35, 1.2, 1.0, 1.15};
  t.numeric = {false, false, true, true, true, true, true};
  if (extra.water_t2) {
    // One more column on the same page width: group and side give up some room.
    t.header.push_back("Water T2");
    t.widths = {1.55, 1.2, 1.9, 1.3, 1.15, 1.0, 1.35, 1.25};
    t.numeric.push_back(true);
  }
  if (extra.confidence) {
    // Every column gives up room, each down to about what its longest word needs (widths in points).
    t.header.push_back("Seg. conf.");
    t.widths = extra.water_t2 ? std::vector<double>{70, 50, 64, 56, 50, 46, 59, 59, 45}
                              : std::vector<double>{80, 52, 80, 60, 54, 48, 60, 45};
    t.numeric.push_back(true);
  }
  return t;
}

std::string confidence_text(const std::optional<double>& confidence) {
  return confidence ? fmt::format("{:.2f}", *confidence) : "";
}

TableRow group_side_row(const GroupMeasurement& m, bool first, bool dixon, OptionalColumns extra) {
  TableRow row;
  row.style = first ? RowStyle::group_start : RowStyle::normal;
  row.cells = {first ? display_name(m.group) : "",
               side_label(core::to_string(m.side)),
               fmt::format("{:.1f} ml", m.volume_ml),
               pct(fat_value(m, dixon)),
               pct(m.edema_fraction_pct),
               m.edema_grade ? std::to_string(*m.edema_grade) : "–",
               m.mercuri_modified_grade.empty() ? "–" : clean_text(m.mercuri_modified_grade)};
  if (extra.water_t2) row.cells.push_back(m.water_t2_ms ? fmt::format("{:.1f} ms", *m.water_t2_ms) : "–");
  if (extra.confidence) row.cells.push_back(confidence_text(m.segmentation_confidence));
  return row;
}

TableRow difference_row(const GroupMeasurement& right, const GroupMeasurement& left, bool dixon,
                        OptionalColumns extra) {
  TableRow diff;
  diff.style = RowStyle::difference;
  std::string volume = signed_num(right.volume_ml - left.volume_ml, "ml");
  const double mean = (right.volume_ml + left.volume_ml) / 2;
  if (mean > 0)
    volume += fmt::format(" ({:+.0f} %)", unsigned_zero(100 * (right.volume_ml - left.volume_ml) / mean, 1));
  const auto fr = fat_value(right, dixon), fl = fat_value(left, dixon);
  const auto er = right.edema_fraction_pct, el = left.edema_fraction_pct;
  diff.cells = {"",
                "Right − Left",
                volume,
                fr && fl ? signed_num(*fr - *fl, "pp") : "–",
                er && el ? signed_num(*er - *el, "pp") : "–",
                "",
                ""};
  if (extra.water_t2)
    diff.cells.push_back(
        right.water_t2_ms && left.water_t2_ms ? signed_num(*right.water_t2_ms - *left.water_t2_ms, "ms") : "–");
  if (extra.confidence) diff.cells.push_back("");
  return diff;
}

void add_measurement_notes(Table& t, const Report& r, bool dixon, OptionalColumns extra) {
  const auto& p = r.quantification_method.params;
  t.notes.push_back(dixon ? "Fat fraction: mean Dixon proton density fat fraction (PDFF) over the muscle group."
                          : "T1 fat estimate: derived from T1-weighted signal because no Dixon series was available. "
                            "It is an estimate, not a measured fat fraction; compare between visits with caution.");
  t.notes.push_back(
      "Edema: share of the group's voxels whose STIR signal is above the normal-muscle reference. "
      "Edema grade by extent: 0 none (≤ 2.5 % of voxels), 1 < 30 %, 2 30–75 %, 3 > 75 %.");
  t.notes.push_back(
      fmt::format("Mercuri grade (modified scale 0, 1, 2a, 2b, 3, 4) from the share of voxels above {:.0f} % fat{}; "
                  "report.json and measurements.csv give it as mercuri_modified_grade, and the original scale "
                  "1–4 (1 normal, 2 < 30 %, 3 30–60 %, 4 > 60 %) as mercuri_grade.",
                  p.fat_replaced_threshold_pct, dixon ? "" : " (T1 estimate)"));
  if (extra.water_t2)
    t.notes.push_back(
        "Water T2: median over the group's fitted voxels (healthy thigh muscle about 30–35 ms; edema raises it); see "
        "Method for how fat was handled.");
  if (extra.confidence)
    t.notes.push_back(
        "Seg. conf.: segmentation confidence (0–1), how sure the automatic segmentation is of the group's outline; "
        "the confidence of its single muscles weighted by their volume (see Single muscles).");
  t.notes.push_back(
      "Right − Left: difference of the two sides; pp = percentage points; volume difference in % of "
      "the mean of both sides.");
}

Table measurement_table(const Report& r, bool dixon) {
  const auto extra = optional_columns(r);
  Table t = measurement_columns(dixon, extra);
  for (const auto& group : group_order(r)) {
    const auto* right = find_muscle(r, group, core::Side::right);
    const auto* left = find_muscle(r, group, core::Side::left);
    bool first = true;
    for (const auto* m : {right, left}) {
      if (!m) continue;
      t.rows.push_back(group_side_row(*m, first, dixon, extra));
      first = false;
    }
    if (right && left) t.rows.push_back(difference_row(*right, *left, dixon, extra));
  }
  add_measurement_notes(t, r, dixon, extra);
  return t;
}

// Catalogue order of the muscles, right before left; muscles the catalogue does not know come last in report order.
std::vector<const SingleMuscleEntry*> single_muscle_order(const Report& r) {
  std::vector<const SingleMuscleEntry*> order;
  for (const auto& muscle : core::MuscleCatalog::instance().muscles())
    for (const char* side : {"right", "left"})
      for (const auto& m : r.single_muscles)
        if (m.name == muscle.name && m.side == side) order.push_back(&m);
  for (const auto& m : r.single_muscles)
    if (std::find(order.begin(), order.end(), &m) == order.end()) order.push_back(&m);
  return order;
}

std::string muscle_display_name(const std::string& name) {
  const auto* m = core::MuscleCatalog::instance().find_muscle(name);
  return clean_text(m ? m->display_name : name);
}

// The automatic segmentation's single muscles; a flagged muscle's confidence carries a mark a reader cannot miss.
Table single_muscle_table(const Report& r, bool dixon) {
  Table t;
  t.header = {"Muscle", "Side", "Volume", dixon ? "Fat fraction (PDFF)" : "Fat fraction", "Edema extent",
              "Seg. confidence"};
  t.widths = {2.6, 0.9, 1.3, 1.4, 1.2, 1.4};
  t.numeric = {false, false, true, true, true, true};
  std::string previous;
  for (const auto* m : single_muscle_order(r)) {
    const bool first = m->name != previous;
    t.rows.push_back({{first ? muscle_display_name(m->name) : "", side_label(m->side),
                       fmt::format("{:.1f} ml", m->volume_ml), pct(m->fat_fraction_pct), pct(m->edema_fraction_pct),
                       fmt::format("{:.2f}{}", m->confidence, m->flagged ? " ⚠ low" : "")},
                      first ? RowStyle::group_start : RowStyle::normal});
    previous = m->name;
  }
  t.notes.push_back(
      "Single muscles as the automatic segmentation labels them (muscle_labels.nii.gz); the groups above add them "
      "up. Seg. confidence (0–1): the network's mean probability over the muscle, lowered where the labels from "
      "the water and fat images disagree.");
  if (r.confidence_flag_below)
    t.notes.push_back(fmt::format("⚠ low: confidence below {:.2f}; check the muscle's outline before relying on its "
                                  "numbers (see Warnings).",
                                  *r.confidence_flag_below));
  return t;
}

// "Labels corrected by the reader": who, and the volume of each label before and after, in mL.
Table correction_table(const LabelCorrection& c) {
  Table t;
  t.header = {"Label", "Muscle", "Side", "Automatic", "Corrected", "Change"};
  t.widths = {0.7, 2.6, 0.9, 1.3, 1.3, 1.3};
  t.numeric = {true, false, false, true, true, true};
  for (const auto& x : c.changes) {
    const bool muscle = core::MuscleCatalog::instance().find_muscle(x.name) != nullptr;
    t.rows.push_back({{std::to_string(x.label), muscle ? muscle_display_name(x.name) : display_name(x.name),
                       side_label(x.side), fmt::format("{:.1f} ml", x.automatic_volume_ml),
                       fmt::format("{:.1f} ml", x.corrected_volume_ml),
                       fmt::format("{:+.1f} ml", x.corrected_volume_ml - x.automatic_volume_ml)},
                      RowStyle::normal});
  }
  t.notes.push_back(clean_text(fmt::format(
      "Labels corrected by the reader{}: {} edit{} (edit_log.json) applied to the {} version; the table gives the "
      "volume of each label that differs from the automatic segmentation.",
      c.reader.empty() ? "" : " (" + c.reader + ")", c.edit_count, c.edit_count == 1 ? "" : "s", c.edited_from)));
  if (c.changes.empty()) t.notes.push_back("No label's volume differs from the automatic segmentation.");
  return t;
}

BarChart bar_chart(const Report& r, const std::vector<std::string>& order, bool fat, bool dixon) {
  BarChart c;
  if (fat) {
    c.title = dixon ? "Fat fraction per group (Dixon PDFF)" : "T1 fat estimate per group (estimate only)";
    c.axis_label = dixon ? "fat fraction (%)" : "T1 fat estimate (%)";
    c.min_axis_max = 20;
  } else {
    c.title = "Edema extent per group";
    c.axis_label = "edema (% of volume)";
    c.min_axis_max = 10;
  }
  for (const auto& group : order) {
    const auto* right = find_muscle(r, group, core::Side::right);
    const auto* left = find_muscle(r, group, core::Side::left);
    if (!right && !left) continue;
    c.categories.push_back(short_name(group));
    const auto value = [&](const GroupMeasurement* m) -> std::optional<double> {
      if (!m) return std::nullopt;
      return fat ? fat_value(*m, dixon) : m->edema_fraction_pct;
    };
    c.right.push_back(value(right));
    c.left.push_back(value(left));
  }
  return c;
}

std::optional<ProfileChart> profile_chart(const Report& r, const std::vector<std::string>& order, bool fat,
                                          bool dixon) {
  ProfileChart c;
  c.title = fat ? (dixon ? "Fat fraction along the limb" : "T1 fat estimate along the limb") : "Edema along the limb";
  c.axis_label = fat ? (dixon ? "fat fraction (%) per 20 mm level, distal → proximal"
                              : "T1 fat estimate (%) per 20 mm level, distal → proximal")
                     : "edema (% of muscle area) per 20 mm level, distal → proximal";
  c.min_axis_max = fat ? 20 : 10;
  bool any = false;
  for (const auto& group : order) {
    ProfilePanel panel;
    panel.title = short_name(group);
    bool present = false;
    for (const auto& p : r.profiles) {
      if (p.group != group) continue;
      present = true;
      auto& points = p.side == core::Side::right ? panel.right : panel.left;
      for (const auto& l : p.levels) {
        const auto& v = fat ? l.fat_fraction_pct : l.edema_fraction_pct;
        if (v) points.emplace_back(l.level_mm, *v);
      }
      any = any || !points.empty();
    }
    if (present) c.panels.push_back(std::move(panel));
  }
  if (!any) return std::nullopt;
  return c;
}

std::string read_png(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const std::string signature = "\x89PNG\r\n\x1a\n";
  return bytes.compare(0, signature.size(), signature) == 0 ? bytes : std::string{};
}

// Identifiers such as "dixon_opposed_phase" read as words and wrap between them.
std::string readable(const std::string& identifier) {
  std::string text = clean_text(identifier);
  std::replace(text.begin(), text.end(), '_', ' ');
  return text;
}

std::string seconds_text(const std::map<std::string, double>& stages) {
  // Pipeline order first, then any other stage.
  static const std::vector<std::string> order{"scan",    "load",    "segmentation",     "quantification",
                                              "outputs", "figures", "scene", "report_documents", "dicom_results"};
  std::vector<std::pair<std::string, double>> sorted;
  for (const auto& name : order)
    if (const auto it = stages.find(name); it != stages.end()) sorted.emplace_back(*it);
  for (const auto& entry : stages)
    if (std::find(order.begin(), order.end(), entry.first) == order.end()) sorted.emplace_back(entry);
  std::string text;
  double total = 0;
  for (const auto& [stage, seconds] : sorted) {
    text += fmt::format("{}{} {:.1f} s", text.empty() ? "" : " · ", readable(stage), seconds);
    total += seconds;
  }
  return text.empty() ? "–" : text + fmt::format(" (total {:.1f} s)", total);
}

bool mentions_path(const std::string& text) {
  return text.find('/') != std::string::npos || text.find('\\') != std::string::npos;
}

}  // namespace

namespace {

std::string software_text(const Report& r) {
  return fmt::format("{} {}", r.software_name.empty() ? "MyoScope" : r.software_name, r.software_version);
}

// Title, subtitle and the header lines: identifiers only when given and not de-identified.
void add_header(DocumentContent& d, const Report& r, const ReportExtras& extras, bool dixon) {
  const bool identified = !extras.deidentified;
  d.title = kReportTitle;
  d.subtitle = clean_text(fmt::format("{} · report created {}", software_text(r), r.created_utc));
  if (identified && extras.patient) {
    const auto& p = *extras.patient;
    if (!p.name.empty()) d.header.push_back({"Patient name", person_name(p.name)});
    if (!p.id.empty()) d.header.push_back({"Patient ID", clean_text(p.id)});
    if (!p.birth_date.empty()) d.header.push_back({"Birth date", date_text(p.birth_date)});
    if (!p.accession_number.empty()) d.header.push_back({"Accession number", clean_text(p.accession_number)});
  }
  if (identified) {
    if (!r.study.study_date.empty()) d.header.push_back({"Study date", date_text(r.study.study_date)});
    if (!r.study.study_description.empty())
      d.header.push_back({"Study description", clean_text(r.study.study_description)});
  }
  std::string scanner = clean_text(r.study.manufacturer);
  if (r.study.magnetic_field_strength_t > 0)
    scanner += fmt::format("{}{:.1f} T", scanner.empty() ? "" : ", ", r.study.magnetic_field_strength_t);
  if (!scanner.empty()) d.header.push_back({"Scanner", scanner});
  d.header.push_back({"Protocol", dixon ? "Dixon fat–water imaging + STIR"
                                        : "T1-weighted + STIR, no Dixon: fat values are T1 estimates"});
  if (extras.deidentified)
    d.header_notes.push_back(
        "De-identified report: patient identifiers, study date, study description, accession "
        "number and file paths are left out.");
  else if (!extras.patient)
    d.header_notes.push_back("No patient identifiers were given for this report.");
}

void add_summary(DocumentContent& d, const Report& r) {
  for (const auto& s : r.pattern.sentences) d.summary.push_back(clean_text(s));
  if (d.summary.empty()) d.summary.push_back("No pattern could be described from the measurements.");
  d.summary_disclaimer =
      "This summary describes the measurements in plain words. It is descriptive only and is not a diagnosis; "
      "the interpretation belongs to the reading physician.";
}

// The user's own (or the reader's corrected) labels, label by label.
Table input_label_table(const Report& r, bool dixon) {
  Table t;
  t.header = {"Label",       "Name", "Muscle group", "Side", "Volume", dixon ? "Fat fraction (PDFF)" : "Fat fraction",
              "Edema extent"};
  t.widths = {0.7, 2.4, 2.0, 0.9, 1.4, 1.3, 1.2};
  t.numeric = {true, false, false, false, true, true, true};
  for (const auto& l : r.input_labels)
    t.rows.push_back({{std::to_string(l.value), clean_text(l.name), l.group.empty() ? "–" : display_name(l.group),
                       l.side.empty() ? "–" : side_label(l.side), fmt::format("{:.1f} ml", l.volume_ml),
                       pct(l.fat_fraction_pct), pct(l.edema_fraction_pct)},
                      RowStyle::normal});
  t.notes.push_back(r.correction ? "The labels as corrected by the reader, rolled up into the muscle groups of the "
                                   "table above."
                                 : "The segmentation was supplied with the study; its labels are rolled up into the "
                                   "muscle groups of the table above.");
  return t;
}

void add_tables_and_charts(DocumentContent& d, const Report& r, bool dixon) {
  d.measurements = measurement_table(r, dixon);
  if (!r.input_labels.empty()) d.input_labels = input_label_table(r, dixon);
  if (r.correction) d.correction = correction_table(*r.correction);
  if (!r.single_muscles.empty()) d.single_muscles = single_muscle_table(r, dixon);
  const auto order = group_order(r);
  d.fat_chart = bar_chart(r, order, true, dixon);
  if (std::any_of(r.muscles.begin(), r.muscles.end(), [](const auto& m) { return m.edema_fraction_pct.has_value(); }))
    d.edema_chart = bar_chart(r, order, false, dixon);
  d.fat_profile = profile_chart(r, order, true, dixon);
  d.edema_profile = profile_chart(r, order, false, dixon);
}

// Figures in the given order; one that cannot be read becomes a note.
void add_figures(DocumentContent& d, const ReportExtras& extras) {
  for (const auto& f : extras.figures) {
    FigureContent figure;
    figure.png = read_png(f.path);
    figure.caption = clean_text(f.caption);
    figure.file_name = clean_text(f.path.filename().string());
    if (figure.png.empty())
      d.figure_notes.push_back("Figure " + figure.file_name + " could not be read and is left out.");
    else
      d.figures.push_back(std::move(figure));
  }
}

TableRow change_row(const FollowUpRow& row, bool group_start) {
  std::string flags;
  for (const auto& flag : row.flags) flags += (flags.empty() ? "" : "; ") + clean_text(flag);
  return {{group_start ? display_name(row.group) : "", side_label(row.side),
           previous_to_current(row.fat_fraction_previous_pct, row.fat_fraction_current_pct),
           row.fat_fraction_change_points ? signed_num(*row.fat_fraction_change_points, "pp") : "–",
           previous_to_current(row.edema_fraction_previous_pct, row.edema_fraction_current_pct),
           row.edema_fraction_change_points ? signed_num(*row.edema_fraction_change_points, "pp") : "–",
           row.volume_change_percent ? signed_num(*row.volume_change_percent, "%") : "–",
           flags.empty() ? "none" : flags},
          group_start ? RowStyle::group_start : RowStyle::normal};
}

Table change_table(const FollowUp& f, bool dixon) {
  Table t;
  t.header = {"Muscle group", "Side",    dixon ? "Fat fraction % (before → now)" : "Fat estimate % (before → now)",
              "Δ fat",        "Edema % (before → now)", "Δ edema", "Δ volume", "Changes beyond repeatability"};
  t.widths = {1.4, 0.75, 1.3, 1.0, 1.3, 1.0, 1.0, 1.8};
  t.numeric = {false, false, true, true, true, true, true, false};
  std::string previous;
  for (const auto& row : f.rows) {
    t.rows.push_back(change_row(row, row.group != previous));
    previous = row.group;
  }
  t.notes.push_back("Changes are this visit minus the previous one; pp = percentage points.");
  return t;
}

// Which visit this is compared with (dates only when identified) and the repeatability limits.
std::string change_intro(const FollowUp& f, const Report& r, bool identified) {
  const std::string followup_date = f.followup_study_date.empty() ? r.study.study_date : f.followup_study_date;
  std::string intro = identified && !f.baseline_study_date.empty()
                          ? fmt::format("Compared with the previous visit of {}{} (this study {}).",
                                        date_text(f.baseline_study_date),
                                        f.months_between ? fmt::format(", {:.0f} months earlier", *f.months_between)
                                                         : std::string(),
                                        followup_date.empty() ? "undated" : date_text(followup_date))
                          : std::string("Compared with a previous visit of the same patient.");
  return intro + fmt::format(
                     " Only changes beyond the repeatability of the measurement are flagged: fat fraction {:.1f} "
                     "points, edema {:.1f} points, volume {:.0f} %.",
                     f.fat_fraction_limit_points, f.edema_fraction_limit_points, f.volume_limit_percent);
}

ChangeSection change_section(const FollowUp& f, const Report& r, bool identified, bool dixon) {
  ChangeSection c;
  c.intro = change_intro(f, r, identified);
  for (const auto& s : f.sentences) c.sentences.push_back(clean_text(s));
  c.table = change_table(f, dixon);
  return c;
}

// The series found, the echoes of one multi-echo train (parts of one series, or one series per echo) as one row.
Table series_table(const Report& r) {
  Table t;
  t.header = {"No.", "Series description", "Detected role", "Why (tags that decided)", "Plane", "Slices", "Used as"};
  t.widths = {0.6, 2.25, 1.4, 2.45, 0.9, 0.85, 1.25};
  t.numeric = {true, false, false, false, false, true, false};
  for (std::size_t i = 0; i < r.series.size(); ++i) {
    const auto& s = r.series[i];
    std::size_t last = i;
    while (s.role == "t2_multi_echo" && last + 1 < r.series.size() && r.series[last + 1].role == s.role &&
           r.series[last + 1].description == s.description && r.series[last + 1].used_as == s.used_as)
      ++last;
    const auto& e = r.series[last];
    std::string number = std::to_string(s.series_number);
    if (e.series_number != s.series_number) number += "–" + std::to_string(e.series_number);
    std::string description = clean_text(s.description);
    if (last > i) description += fmt::format(" ({} echoes)", last - i + 1);
    t.rows.push_back({{number, description, readable(s.role), clean_text(s.role_reason), clean_text(s.orientation),
                       std::to_string(s.slice_count), s.used_as.empty() ? "not used" : readable(s.used_as)},
                      RowStyle::normal});
    i = last;
  }
  return t;
}

std::string segmentation_text(const Report& r) {
  if (r.segmentation_source == "user_labels") return "User-supplied label map, rolled up into muscle groups per side";
  if (r.correction)
    return clean_text("Labels corrected by the reader (edits replayed from edit_log.json on the " +
                      r.correction->edited_from + " version), rolled up into muscle groups per side");
  return clean_text("Muscle network: " + r.segmentation_method);
}

std::string dixon_fat_text(const Report& r) {
  const auto& m = r.quantification_method;
  std::string fat = "Dixon proton density fat fraction F/(W+F), the mean over the whole label";
  if (const auto& w = r.water_fat_separation)
    fat += fmt::format(" (water and fat separated by MyoScope from {} raw echoes, {} fat model)",
                       w->echo_times_ms.size(), w->fat_model);
  if (m.params.noise_floor_correction) fat += ", noise-floor corrected";
  if (m.noise_sigma) fat += fmt::format(" (noise σ = {:.1f})", *m.noise_sigma);
  if (m.scanner_ff_use == "cross_check") fat += "; the scanner's fat-fraction map compared per group";
  if (!m.swap_method.empty())
    fat += m.swap_regions.empty()
               ? "; checked for water/fat swaps (subcutaneous fat must read as fat): none found"
               : fmt::format("; water/fat swap found and corrected in {} region(s)", m.swap_regions.size());
  return fat;
}

std::string fat_text(const Report& r, bool dixon) {
  const auto& m = r.quantification_method;
  if (m.fat_method == "scanner_ff_map")
    return "the scanner's own fat-fraction map (no Dixon water/fat images in the study)";
  if (dixon) return dixon_fat_text(r);
  if (m.fat_method == "t1_estimate" ||
      std::any_of(r.muscles.begin(), r.muscles.end(), [](const auto& g) { return g.t1_fat_estimate_pct.has_value(); }))
    return "T1 estimate from T1-weighted signal (no Dixon series): an estimate, not a measurement";
  return "not measured";
}

// Water T2 as fitted from a multi-echo series or taken from a T2 map; empty when not measured.
std::string water_t2_text(const Report& r) {
  const auto& m = r.quantification_method;
  if (r.water_t2_fit) {
    const auto& f = *r.water_t2_fit;
    std::string tes;
    for (const double te : f.echo_times_used_ms) tes += (tes.empty() ? "" : ", ") + fmt::format("{:g}", te);
    return clean_text(fmt::format(
        "fitted per voxel inside the muscle groups from the multi-echo spin-echo series '{}': {}; echoes used "
        "TE {} ms{}; median per group of {} fitted voxels",
        f.series, f.fat_handling, tes,
        f.first_echo_dropped ? " (first echo left out: it lacks the stimulated-echo signal of the later echoes)" : "",
        f.fitted_voxels));
  }
  if (m.water_t2_method.empty()) return {};
  return m.water_t2_method == "t2_map_fat_excluded"
             ? fmt::format("median of the T2 map per group; voxels above {:.0f} % fat left out (fat "
                           "lengthens a mono-exponential T2)",
                           m.params.t2_map_max_fat_fraction_pct)
             : std::string("median of the T2 map per group; no fat map, so fat may lengthen it");
}

std::string edema_text(const Report& r) {
  const auto& m = r.quantification_method;
  const auto& p = m.params;
  if (m.edema_method == "none" || m.edema_method.empty()) return "not measured (no STIR series)";
  return fmt::format(
      "{}STIR{} above {:.2g} × the normal-muscle reference and {:.1f} robust SD above it; reference = "
      "mode of normal muscle per {:.0f} mm slab (searched from its {:.0f}th percentile)",
      m.stir_bias_method == "n4" ? "N4 bias-corrected " : "",
      p.edema_fat_correction ? " divided by the water share (1 − FF)" : "", p.edema_ratio_threshold, p.edema_noise_sd,
      p.level_slab_mm, 100 * p.edema_reference_percentile);
}

std::vector<KeyValue> method_rows(const Report& r, bool dixon) {
  std::vector<KeyValue> rows;
  rows.push_back({"Software", clean_text(software_text(r) +
                                         (r.git_revision.empty() ? "" : " (revision " + r.git_revision + ")"))});
  rows.push_back({"Report created (UTC)", clean_text(r.created_utc)});
  for (const auto& s : r.series)
    if (s.series_instance_uid == r.reference_series_uid && !r.reference_series_uid.empty())
      rows.push_back({"Reference series", fmt::format("{} — {}", s.series_number, clean_text(s.description))});
  rows.push_back({"Segmentation", segmentation_text(r)});
  rows.push_back({"Fat", fat_text(r, dixon)});
  if (auto t2 = water_t2_text(r); !t2.empty()) rows.push_back({"Water T2", std::move(t2)});
  rows.push_back({"Fat-replaced threshold",
                  fmt::format("{:.0f} % fat", r.quantification_method.params.fat_replaced_threshold_pct)});
  rows.push_back({"Edema", edema_text(r)});
  rows.push_back({"Processing time", seconds_text(r.stage_seconds)});
  return rows;
}

// Warnings; a de-identified report leaves out those naming files and says how many.
std::vector<std::string> warning_lines(const Report& r, bool deidentified) {
  std::vector<std::string> lines;
  std::size_t hidden = 0;
  for (const auto& w : r.warnings) {
    if (deidentified && mentions_path(w))
      ++hidden;
    else
      lines.push_back(clean_text(w));
  }
  if (hidden) lines.push_back(fmt::format("{} warning(s) naming files are left out here (see report.json).", hidden));
  return lines;
}

}  // namespace

DocumentContent build_content(const Report& r, const ReportExtras& extras) {
  DocumentContent d;
  const bool dixon = has_dixon(r);
  add_header(d, r, extras, dixon);
  add_summary(d, r);
  add_tables_and_charts(d, r, dixon);
  add_figures(d, extras);
  if (r.change_since_previous)
    d.change_since_previous = change_section(*r.change_since_previous, r, !extras.deidentified, dixon);
  d.series = series_table(r);
  d.method = method_rows(r, dixon);
  for (const auto& n : r.segmentation_notes) d.segmentation_notes.push_back(clean_text(n));
  d.warnings = warning_lines(r, extras.deidentified);
  d.footer = clean_text(software_text(r) + " · quantitative muscle MRI · descriptive, not a diagnosis");
  return d;
}

}  // namespace myo::reporting::detail
