#pragma once
// The reports people read: report.pdf (A4, page numbers) and a self-contained report.html (inline CSS and scripts,
// every image and the 3D scene embedded, no external resource), drawn natively with Cairo and Pango (no browser). Both come from the same
// Report as report.json and say the same things: header, series used, the plain-language pattern summary
// (descriptive, never a diagnosis), a table per group and side, charts, the figures, the follow-up changes when a
// prior analysis is given, and the method with its parameters and provenance.
// Cairo and Pango stay private to this library: callers never include their headers.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/reporting/report.hpp"

namespace myo::reporting {

// The title of report.pdf and report.html (also the DocumentTitle of the report's Encapsulated PDF in the PACS).
inline constexpr const char* kReportTitle = "Quantitative muscle MRI of hips and thighs";

// Patient identifiers from the DICOM study. Shown only when given and the report is not de-identified.
// Never logged.
struct PatientHeader {
  std::string name;  // DICOM PN ("Family^Given^Middle^Prefix^Suffix") or plain text
  std::string id;
  std::string birth_date;  // YYYYMMDD as in the file
  std::string accession_number;
};

// A figure to embed (PNG). Missing or unreadable files are left out with a note, never a failure.
struct FigureRef {
  std::filesystem::path path;
  std::string caption;
};

struct ReportExtras {
  std::optional<PatientHeader> patient;  // identifiers, shown unless `deidentified`
  // De-identified: no patient identifiers, study date, study description, accession, study UID or file paths.
  bool deidentified = false;
  std::vector<FigureRef> figures;     // embedded in this order
  // scene.glb (rendering::export_scene): report.html shows it as a rotatable 3D map; empty = no 3D map, unreadable =
  // a note instead. report.pdf does not use it.
  std::filesystem::path scene_glb;
};

// The HTML document as text (self-contained; every text from DICOM or the file system is escaped). Figures and
// charts enlarge on a click, tables sort on a click on a header, and with `scene_glb` a WebGL 3D map of the groups
// coloured by fat fraction or edema (libs/reporting/web).
[[nodiscard]] std::string to_html_report(const Report& report, const ReportExtras& extras);

// Both write atomically (temporary file renamed into place). Throw core::MyoError naming the path on failure.
void write_html_report(const Report& report, const ReportExtras& extras, const std::filesystem::path& path);
void write_pdf_report(const Report& report, const ReportExtras& extras, const std::filesystem::path& path);

}  // namespace myo::reporting
