#pragma once
// A timeline: each patient's visits, clinical events, treatment periods and trends, and the files `myoscope timeline`
// writes from it (timeline.json, timeline.csv, timeline-<n>.html and timeline-<n>.pdf).
#include <filesystem>
#include <string>
#include <vector>

#include "myo/core/repeatability.hpp"
#include "myo/timeline/clinical.hpp"
#include "myo/timeline/trends.hpp"
#include "myo/timeline/visits.hpp"

namespace myo::timeline {

struct PatientTimeline {
  int number = 0;  // 1, 2, ...: names the patient's page (timeline-<number>.html); never a tag value
  Patient patient;
  std::vector<ClinicalEvent> events;  // by date
  std::vector<TreatmentPeriod> treatments;
  std::vector<GroupTrend> trends;
  std::vector<std::string> sentences;
};

struct Timeline {
  core::RepeatabilityLimits limits;
  std::vector<PatientTimeline> patients;
};

struct TimelineRequest {
  std::vector<std::filesystem::path> inputs;  // analysis folders or batch outputs
  std::filesystem::path clinical_csv;         // empty: none
  std::string patient;                        // empty: every patient; else a key for patient_matches
  core::RepeatabilityLimits limits;
};

// Reads the analyses and the clinical CSV and builds the timeline. Input errors: core::MyoError (input) naming the file;
// a --patient key that matches no patient: core::MyoError (usage). Clinical rows of patients not in the timeline are
// reported in a warning by line number.
[[nodiscard]] Timeline build_timeline(const TimelineRequest& request);

[[nodiscard]] std::string timeline_json(const Timeline& timeline);
// Tidy: one row per patient, visit, group, side and metric.
[[nodiscard]] std::string timeline_csv(const Timeline& timeline);
// One self-contained page (inline SVG and CSS) for one patient.
[[nodiscard]] std::string timeline_html(const PatientTimeline& patient, const core::RepeatabilityLimits& limits);
// The same page as an A4 PDF (charts drawn, sentences as text), written atomically to PATH. Output errors:
// core::MyoError (output) naming PATH.
void write_timeline_pdf(const PatientTimeline& patient, const core::RepeatabilityLimits& limits,
                        const std::filesystem::path& path);

// Writes them all into OUTPUT as one transaction (core::OutputFolderTransaction). Output errors: core::MyoError
// (output) naming OUTPUT.
void write_timeline(const Timeline& timeline, const std::filesystem::path& output);

}  // namespace myo::timeline
