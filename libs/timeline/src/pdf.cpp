// timeline-<n>.pdf: the patient's page content laid out on A4 by the reporting library's PDF writer.
#include <fmt/format.h>

#include "myo/core/version.hpp"
#include "myo/reporting/page_document.hpp"
#include "myo/timeline/timeline.hpp"
#include "page_content.hpp"

namespace myo::timeline {
namespace {

reporting::PageSection clinical_section(const detail::PageContent& page) {
  reporting::PageSection s;
  s.heading = "Clinical course";
  if (!page.no_clinical_data.empty()) s.paragraphs.push_back(page.no_clinical_data);
  if (page.ck_chart) s.charts.push_back(*page.ck_chart);
  s.charts.insert(s.charts.end(), page.strength_charts.begin(), page.strength_charts.end());
  return s;
}

reporting::PageSection groups_section(const detail::PageContent& page) {
  reporting::PageSection s;
  s.heading = "Fat fraction and edema per muscle group";
  s.legend = page.legend;
  s.charts = page.group_charts;
  s.charts_per_row = 2;
  s.notes = {page.limits_note};
  return s;
}

reporting::PageSection table_section(std::string heading, const std::optional<reporting::PageTable>& table) {
  reporting::PageSection s;
  s.heading = std::move(heading);
  s.table = table;
  if (!table) s.paragraphs.emplace_back("None.");
  return s;
}

}  // namespace

void write_timeline_pdf(const PatientTimeline& patient, const core::RepeatabilityLimits& limits,
                        const std::filesystem::path& path) {
  detail::write_page_pdf(detail::page_content(patient, limits), patient.number, path);
}

void detail::write_page_pdf(const PageContent& page, int patient_number, const std::filesystem::path& path) {
  reporting::PageDocument document;
  document.title = page.title;
  document.subtitle = page.intro;
  document.summary_heading = "Changes";
  document.summary = page.sentences;
  document.summary_note = page.disclaimer;
  document.sections = {clinical_section(page), groups_section(page), table_section("Visits", page.visits),
                       table_section("Clinical record", page.events)};
  document.footer = fmt::format("{} {} · timeline, patient {} · descriptive measurements, not a diagnosis",
                                core::software_name(), core::software_version(), patient_number);
  reporting::write_pdf_document(document, path);
}

}  // namespace myo::timeline
