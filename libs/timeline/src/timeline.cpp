#include "myo/timeline/timeline.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/output_folder.hpp"
#include "myo/core/version.hpp"

#include "page_content.hpp"

namespace myo::timeline {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<Patient> selected_patients(std::vector<Patient> patients, const std::string& key) {
  if (key.empty()) return patients;
  std::vector<Patient> chosen;
  for (auto& p : patients)
    if (patient_matches(p, key)) chosen.push_back(std::move(p));
  if (chosen.empty())
    throw core::MyoError("--patient", "matches no patient of the analyses given (give a pseudonym, 8 or more of its "
                                      "hex digits, or an analysis folder's name)",
                         core::ErrorKind::usage);
  return chosen;
}

// Hands each clinical row to the patient it names; rows naming no patient of the timeline are reported by line.
void attach_events(std::vector<PatientTimeline>& timelines, const std::vector<ClinicalEvent>& events,
                   const fs::path& csv) {
  std::vector<int> unmatched;
  for (const auto& e : events) {
    const auto it = std::find_if(timelines.begin(), timelines.end(),
                                 [&](const PatientTimeline& t) { return patient_matches(t.patient, e.patient); });
    if (it == timelines.end()) unmatched.push_back(e.line);
    else it->events.push_back(e);
  }
  if (!unmatched.empty())
    log::warn("{}: {} row(s) name no patient of this timeline and are not shown (lines {})", csv.string(),
              unmatched.size(), fmt::join(unmatched, ", "));
  for (auto& t : timelines) {
    std::stable_sort(t.events.begin(), t.events.end(), [](const ClinicalEvent& a, const ClinicalEvent& b) {
      return core::days_since_epoch(a.date) < core::days_since_epoch(b.date);
    });
    t.treatments = treatment_periods(t.events);
  }
}

json visit_json(const Visit& v) {
  json measures = json::array();
  const auto opt = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
  for (const auto& m : v.measures)
    measures.push_back({{"group", m.group}, {"side", m.side}, {"volume_ml", m.volume_ml},
                        {"fat_fraction_pct", opt(m.fat_fraction_pct)}, {"edema_fraction_pct", opt(m.edema_fraction_pct)}});
  return {{"study_date", core::to_iso(v.study_date)}, {"study_instance_uid", v.study_instance_uid},
          {"analysis_folder", v.folder.string()}, {"measures", measures}};
}

json change_json(const MeasureChange& c) {
  return {{"from_visit", c.from_visit + 1}, {"to_visit", c.to_visit + 1}, {"months", c.months},
          {"before_pct", c.before_pct},     {"after_pct", c.after_pct},   {"change_points", c.change_points},
          {"beyond_limit", c.beyond_limit}};
}

json trend_json(const MeasureTrend& t) {
  json steps = json::array();
  for (const auto& s : t.steps) steps.push_back(change_json(s));
  return {{"steps", steps}, {"overall", t.overall ? change_json(*t.overall) : json(nullptr)}};
}

json event_json(const ClinicalEvent& e) {
  return {{"date", core::to_iso(e.date)},
          {"kind", to_string(e.kind)},
          {"value", e.value_number ? json(*e.value_number) : json(e.value_text)},
          {"drug", e.drug},
          {"dose", e.dose},
          {"note", e.note}};
}

json patient_json(const PatientTimeline& t) {
  json visits = json::array(), events = json::array(), treatments = json::array(), trends = json::array();
  for (const auto& v : t.patient.visits) visits.push_back(visit_json(v));
  for (const auto& e : t.events) events.push_back(event_json(e));
  for (const auto& p : t.treatments)
    treatments.push_back({{"drug", p.drug}, {"dose", p.dose}, {"start", core::to_iso(p.start)},
                          {"stop", p.stop ? json(core::to_iso(*p.stop)) : json(nullptr)}});
  for (const auto& g : t.trends)
    trends.push_back({{"group", g.group}, {"side", g.side}, {"fat_fraction", trend_json(g.fat_fraction)},
                      {"edema", trend_json(g.edema)}});
  return {{"number", t.number}, {"page", fmt::format("timeline-{}.html", t.number)},
          {"pdf", fmt::format("timeline-{}.pdf", t.number)}, {"patient_key", t.patient.key},
          {"visits", visits}, {"clinical_events", events}, {"treatments", treatments}, {"trends", trends},
          {"sentences", t.sentences}};
}

}  // namespace

Timeline build_timeline(const TimelineRequest& request) {
  std::vector<Visit> visits;
  for (const auto& folder : find_analysis_folders(request.inputs)) visits.push_back(read_visit(folder));
  // Read before any output so that a bad CSV stops the run with nothing written.
  const auto events = request.clinical_csv.empty() ? std::vector<ClinicalEvent>{} : read_clinical_csv(request.clinical_csv);
  Timeline timeline;
  timeline.limits = request.limits;
  int number = 0;
  for (auto& patient : selected_patients(group_by_patient(std::move(visits)), request.patient)) {
    PatientTimeline t;
    t.number = ++number;
    t.trends = group_trends(patient, request.limits);
    t.sentences = describe_trends(t.trends);
    t.patient = std::move(patient);
    timeline.patients.push_back(std::move(t));
  }
  attach_events(timeline.patients, events, request.clinical_csv);
  return timeline;
}

std::string timeline_json(const Timeline& timeline) {
  json patients = json::array();
  for (const auto& p : timeline.patients) patients.push_back(patient_json(p));
  const auto& l = timeline.limits;
  return json{{"schema_version", 1},
              {"software", {{"name", core::software_name()}, {"version", core::software_version()}}},
              {"repeatability_limits",
               {{"fat_fraction_points", l.fat_fraction_points},
                {"edema_fraction_points", l.edema_fraction_points},
                {"volume_percent", l.volume_percent}}},
              {"patients", patients}}
             // Clinical CSV text need not be UTF-8 (a Latin-1 drug name): invalid bytes become U+FFFD, as in report.json.
             .dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

// The rows of one patient's MRI measures: per group, side, metric and visit, with the change since the previous visit.
std::string measure_rows(const PatientTimeline& t) {
  std::string out;
  const auto& visits = t.patient.visits;
  for (const auto& g : t.trends)
    for (const auto& [metric, trend] :
         {std::pair{"fat_fraction_pct", &g.fat_fraction}, std::pair{"edema_fraction_pct", &g.edema}})
      for (std::size_t v = 0; v < visits.size(); ++v) {
        if (!trend->values_pct[v]) continue;
        const auto* step = step_into(*trend, v);
        out += fmt::format("{},{},{},{:.1f},{},{},{},{:.2f},{},{}\n", t.number, v + 1,
                           core::to_iso(visits[v].study_date),
                           months_between(visits.front().study_date, visits[v].study_date), g.group, g.side, metric,
                           *trend->values_pct[v],
                           step ? fmt::format("{:.2f}", step->change_points) : std::string(),
                           !step ? "" : step->beyond_limit ? "yes" : "no");
      }
  return out;
}

// The clinical numbers (CK, strength scores) as rows without a visit, metric = the event kind, dated by the event.
std::string clinical_rows(const PatientTimeline& t) {
  std::string out;
  const auto& first = t.patient.visits.front().study_date;
  for (const auto& e : t.events)
    if (e.value_number)
      out += fmt::format("{},,{},{:.1f},,,{},{:g},,\n", t.number, core::to_iso(e.date), months_between(first, e.date),
                         to_string(e.kind), *e.value_number);
  return out;
}

}  // namespace

std::string timeline_csv(const Timeline& timeline) {
  std::string out = "patient,visit,study_date,months_from_first,group,side,metric,value,change_from_previous,"
                    "beyond_limit\n";
  for (const auto& t : timeline.patients) out += measure_rows(t) + clinical_rows(t);
  return out;
}

void write_timeline(const Timeline& timeline, const fs::path& output) {
  core::OutputFolderTransaction transaction(output, [](const std::string& name) {
    return name == "timeline.json" || name == "timeline.csv" || (name.rfind("timeline-", 0) == 0);
  });
  try {
    const auto& folder = transaction.staging();
    core::write_file_atomically(folder / "timeline.json", timeline_json(timeline));
    core::write_file_atomically(folder / "timeline.csv", timeline_csv(timeline));
    for (const auto& p : timeline.patients) {
      const auto page = detail::page_content(p, timeline.limits);  // drawn twice: HTML and PDF
      core::write_file_atomically(folder / fmt::format("timeline-{}.html", p.number), detail::page_html(page));
      detail::write_page_pdf(page, p.number, folder / fmt::format("timeline-{}.pdf", p.number));
    }
  } catch (const core::MyoError& e) {
    throw transaction.in_target_terms(e);
  }
  transaction.commit();
}

}  // namespace myo::timeline
