#pragma once
// What one patient's timeline page says, built once and rendered twice (timeline-<n>.html and timeline-<n>.pdf), so
// the two never disagree. Strings are plain text: the HTML escapes them, the PDF gives them to Pango as text.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/reporting/page_document.hpp"
#include "myo/timeline/timeline.hpp"

namespace myo::timeline::detail {

inline constexpr const char* kFatColour = "#c0661b";
inline constexpr const char* kEdemaColour = "#2166ac";
inline constexpr const char* kCkColour = "#5b3a8c";
inline constexpr const char* kStrengthColour = "#1b7837";
inline constexpr const char* kMarkColour = "#d62728";

struct PageContent {
  std::string title;  // "Timeline, patient <n>"
  std::string intro;  // visits, dates, the start of the patient key
  std::vector<std::string> sentences;
  std::string disclaimer;
  std::optional<reporting::TimeChart> ck_chart;       // CK with the treatment periods as bars
  std::vector<reporting::TimeChart> strength_charts;  // one per strength score recorded
  std::string no_clinical_data;                       // said instead of the clinical charts when there are none
  std::vector<reporting::TimeSeries> legend;          // of the group charts
  std::string limits_note;                            // what a ringed point means
  std::vector<reporting::TimeChart> group_charts;     // one per muscle group: fat fraction and edema, both sides
  reporting::PageTable visits;
  std::optional<reporting::PageTable> events;  // the clinical record; unset when there is none
};

[[nodiscard]] PageContent page_content(const PatientTimeline& patient, const core::RepeatabilityLimits& limits);

// The page drawn as self-contained HTML (html.cpp) and as an A4 PDF (pdf.cpp).
[[nodiscard]] std::string page_html(const PageContent& page);
void write_page_pdf(const PageContent& page, int patient_number, const std::filesystem::path& path);

}  // namespace myo::timeline::detail
