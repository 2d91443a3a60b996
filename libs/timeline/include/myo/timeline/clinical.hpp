#pragma once
// The clinical course beside the MRI: a CSV with one row per dated event (CK, antibody, strength, treatment, statin,
// note). Format: docs/clinical-csv.md.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "myo/core/calendar.hpp"

namespace myo::timeline {

enum class EventKind {
  ck_u_per_l,        // creatine kinase, U/L (value: number >= 0)
  antibody,          // myositis antibody result (value: text, e.g. "anti-HMGCR positive")
  strength_mmt8,     // Manual Muscle Testing of 8 muscles, total 0-150 (value: number)
  strength_mrc_sum,  // MRC sum score 0-60 (value: number)
  treatment_start,   // drug started (drug required; dose optional)
  treatment_stop,    // drug stopped (drug required)
  statin,            // statin exposure (value: "started" or "stopped"; drug optional)
  note,              // free text (note required)
};

[[nodiscard]] const char* to_string(EventKind kind);
[[nodiscard]] std::optional<EventKind> event_kind_from_string(std::string_view text);

struct ClinicalEvent {
  std::string patient;  // a patient pseudonym, or the name of one of the patient's analysis folders
  core::Date date;
  EventKind kind = EventKind::note;
  std::optional<double> value_number;  // CK, strength scores
  std::string value_text;              // antibody result, statin started/stopped
  std::string drug;
  std::string dose;
  std::string note;
  int line = 0;  // line in the CSV file (1: header)
};

// Parses the CSV TEXT; SUBJECT (the file name) names it in errors. Every bad row is an error: throws core::MyoError
// (input) whose message names the first bad line and what is wrong, and counts the other bad lines.
[[nodiscard]] std::vector<ClinicalEvent> parse_clinical_csv(std::string_view text, const std::string& subject);
// Reads and parses PATH (core::MyoError naming it when it cannot be read).
[[nodiscard]] std::vector<ClinicalEvent> read_clinical_csv(const std::filesystem::path& path);

// A drug given over a period: from a treatment_start row to the next treatment_stop of the same drug (open when none).
struct TreatmentPeriod {
  std::string drug;
  std::string dose;
  core::Date start;
  std::optional<core::Date> stop;
};
// The treatment periods of EVENTS (one patient's), in start order; statin exposure is a period of drug "statin" (or the
// named statin). A stop without a start begins at the first event's date.
[[nodiscard]] std::vector<TreatmentPeriod> treatment_periods(const std::vector<ClinicalEvent>& events);

}  // namespace myo::timeline
