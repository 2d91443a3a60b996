// report.pdf and report.html: what a reader must find in them, and what must never be in them.
#include "myo/reporting/document.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;

namespace {

using myo::testing::have_tool;
using myo::testing::pdf_text;

constexpr const char* kHostile = "<script>alert(1)</script>";

quantification::GroupMeasurement muscle(const std::string& group, core::Side side, double volume, double fat,
                                        double edema, bool dixon) {
  quantification::GroupMeasurement m;
  m.group = group;
  m.side = side;
  m.volume_ml = volume;
  if (dixon)
    m.fat_fraction_pct = fat;
  else
    m.t1_fat_estimate_pct = fat;
  m.edema_fraction_pct = edema;
  m.edema_grade = edema > 75 ? 3 : edema > 30 ? 2 : edema > 2.5 ? 1 : 0;
  m.mercuri_grade = 2;
  m.mercuri_modified_grade = "2a";
  return m;
}

reporting::Report sample_report(bool dixon) {
  reporting::Report r;
  r.software_name = "MyoScope";
  r.software_version = "0.1.0";
  r.git_revision = "abc";
  r.created_utc = "2026-11-25T12:00:00Z";
  r.study.study_instance_uid = "1.2.3.4";
  r.study.study_date = "20260101";
  r.study.study_description = "MR thighs";
  r.study.manufacturer = "SIEMENS";
  r.study.magnetic_field_strength_t = 3;
  r.protocol = dixon ? "dixon" : "t1_stir";
  r.reference_series_uid = "1.2.3.4.5";
  r.series.push_back({"1.2.3.4.5", "", 5, dixon ? "t1_vibe_dixon_tra_W" : "t1_tse_tra", dixon ? "dixon_water" : "t1",
                      "ImageType WATER", "axial", 160, "reference"});
  // Guards HTML injection: SeriesDescription is free text typed at the scanner (or by an attacker).
  r.series.push_back(
      {"1.2.3.4.6", "", 7, kHostile, "stir", "ScanningSequence SE\\IR, TI 160 ms", "axial", 40, "edema"});
  r.muscles.push_back(muscle("hamstrings", core::Side::right, 310.25, 31.75, 42.5, dixon));
  r.muscles.push_back(muscle("hamstrings", core::Side::left, 298.5, 28.25, 12.0, dixon));
  r.muscles.push_back(muscle("quadriceps", core::Side::right, 1210.0, 8.5, 1.0, dixon));
  r.muscles.push_back(muscle("quadriceps", core::Side::left, 1190.0, 9.5, 0.0, dixon));
  for (const auto side : {core::Side::right, core::Side::left}) {
    quantification::GroupProfile p;
    p.group = "hamstrings";
    p.side = side;
    for (int i = 0; i < 6; ++i)
      p.levels.push_back(
          {-400.0 + 20 * i, 2500, dixon ? std::optional<double>(20.0 + 3 * i) : std::nullopt, 10.0 + 5 * i});
    r.profiles.push_back(p);
  }
  r.pattern.sentences = {"Fat replacement predominates in the hamstrings, right more than left.",
                         "Edema is most extensive in the hamstrings."};
  r.quantification_method.fat_method = dixon ? "dixon_pdff" : "t1_estimate";
  r.quantification_method.edema_method = "stir_reference_ratio";
  r.segmentation_notes = {"femur found on 120 of 160 slices"};
  r.stage_seconds["segmentation"] = 1.5;
  r.stage_seconds["quantification"] = 0.5;
  return r;
}

reporting::ReportExtras identified_extras() {
  reporting::ReportExtras e;
  e.patient = reporting::PatientHeader{"Doe^Jane", "PID-778899", "19700203", "ACC-4455"};
  return e;
}

// The sample's hamstrings as the automatic segmentation labels them: the right semitendinosus flagged.
reporting::Report with_single_muscles(reporting::Report r) {
  r.segmentation_method = "2D U-Net (test)";
  r.confidence_flag_below = 0.75;
  r.muscles[0].segmentation_confidence = 0.8125;
  r.muscles[1].segmentation_confidence = 0.9;
  r.single_muscles.push_back({"semitendinosus", "hamstrings", "right", 116, 61.25, 33.5, 40.0, 0.625, 0.625,
                              std::nullopt, true});
  r.single_muscles.push_back({"semitendinosus", "hamstrings", "left", 216, 58.75, 27.5, 11.0, 0.875, 0.9, 0.8, false});
  r.single_muscles.push_back(
      {"biceps_femoris_long_head", "hamstrings", "left", 214, 80.5, 29.0, 12.5, 0.9375, 0.95, 0.9, false});
  return r;
}

// The rows of an HTML table whose first cell is `text`, up to the end of each row.
std::vector<std::string> html_rows_starting(const std::string& html, const std::string& text) {
  std::vector<std::string> rows;
  const std::string start = "<td>" + text + "</td>";
  for (auto at = html.find(start); at != std::string::npos; at = html.find(start, at + 1))
    rows.push_back(html.substr(at, html.find("</tr>", at) - at));
  return rows;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The text of an HTML document without its embedded images (base64 may contain any short string by chance).
std::string without_data_uris(std::string html) {
  for (auto at = html.find("data:image/"); at != std::string::npos; at = html.find("data:image/", at + 1)) {
    const auto end = html.find('"', at);
    html.erase(at, end == std::string::npos ? std::string::npos : end - at);
  }
  return html;
}

void write_png(const std::filesystem::path& path) {
  // 1x1 RGB PNG.
  static const unsigned char png[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
      0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xDE, 0x00, 0x00, 0x00,
      0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8, 0xCF, 0xC0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18,
      0xDD, 0x8D, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(png), sizeof png);
}

}  // namespace

TEST(HtmlReport, ContainsTheTableValuesWithUnits) {
  const auto html = reporting::to_html_report(sample_report(true), identified_extras());
  for (const char* expected : {"Hamstrings", "Quadriceps femoris", "310.2 ml", "31.8 %", "42.5 %", "2a",
                               "Fat fraction (PDFF)", "Right − Left", "+3.5 pp"})
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  EXPECT_NE(html.find("Fat replacement predominates in the hamstrings"), std::string::npos);
  EXPECT_NE(html.find("not a diagnosis"), std::string::npos);
}

// Every <script> of the page is one of ours (report.js, viewer3d.js, the embedded scene), none from DICOM text.
bool only_our_scripts(const std::string& html) {
  for (auto at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1)) {
    const std::string tag = html.substr(at, 80);
    if (tag.rfind("<script>\n// report.html interactions", 0) != 0 && tag.rfind("<script>\n// report.html's 3D map", 0) != 0 &&
        tag.rfind("<script type=\"application/octet-stream\" id=\"scene-glb\">", 0) != 0)
      return false;
  }
  return true;
}

// Guards HTML injection through DICOM text (SeriesDescription is typed at the scanner console).
TEST(HtmlReport, EscapesHostileDicomText) {
  const auto html = reporting::to_html_report(sample_report(true), identified_extras());
  EXPECT_EQ(html.find(kHostile), std::string::npos);
  EXPECT_TRUE(only_our_scripts(html));
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST(HtmlReport, IsSelfContained) {
  myo::testing::TempDir dir("docs-report-test");
  auto extras = identified_extras();
  write_png(dir.path() / "map3d_fat_fraction.png");
  extras.figures.push_back({dir.path() / "map3d_fat_fraction.png", "3D map of fat fraction"});
  const auto html = reporting::to_html_report(sample_report(true), extras);
  for (const char* forbidden : {"src=\"http", "href=\"http", "src='http", "href='http", "url(", "@import", "src=\"//",
                                "href=\"//", "<link", "<iframe"})
    EXPECT_EQ(html.find(forbidden), std::string::npos) << forbidden;
  EXPECT_TRUE(only_our_scripts(html));  // inlined, no src
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("src=\"data:image/png;base64,iVBORw0KGgo"), std::string::npos);  // the figure, embedded
  EXPECT_NE(html.find("3D map of fat fraction"), std::string::npos);
}

TEST(HtmlReport, WithoutDixonSaysT1EstimateNeverPdff) {
  const auto html = reporting::to_html_report(sample_report(false), identified_extras());
  EXPECT_NE(html.find("T1 fat estimate"), std::string::npos);
  EXPECT_NE(html.find("estimate"), std::string::npos);
  EXPECT_EQ(html.find("PDFF"), std::string::npos);
}

TEST(HtmlReport, IdentifiersOnlyWhenGivenAndNotDeidentified) {
  const auto identified = reporting::to_html_report(sample_report(true), identified_extras());
  EXPECT_NE(identified.find("Doe, Jane"), std::string::npos);
  EXPECT_NE(identified.find("PID-778899"), std::string::npos);
  EXPECT_NE(identified.find("1970-02-03"), std::string::npos);
  EXPECT_NE(identified.find("ACC-4455"), std::string::npos);
  EXPECT_NE(identified.find("2026-01-01"), std::string::npos);

  auto extras = identified_extras();
  extras.deidentified = true;
  const auto anonymous = without_data_uris(reporting::to_html_report(sample_report(true), extras));
  for (const char* identifier :
       {"Doe", "Jane", "PID-778899", "1970-02-03", "19700203", "ACC-4455", "2026-01-01", "MR thighs"})
    EXPECT_EQ(anonymous.find(identifier), std::string::npos) << identifier;
  EXPECT_NE(anonymous.find("De-identified"), std::string::npos);

  const auto no_header = reporting::to_html_report(sample_report(true), reporting::ReportExtras{});
  EXPECT_EQ(no_header.find("PID-778899"), std::string::npos);
}

// The change section comes from the report's change_since_previous, only when it is set.
TEST(HtmlReport, FollowUpOnlyWhenGiven) {
  const auto without = reporting::to_html_report(sample_report(true), identified_extras());
  EXPECT_EQ(without.find("Change since the previous visit"), std::string::npos);
  const auto extras = identified_extras();
  reporting::FollowUp f;
  f.baseline_study_date = "20250601";
  f.rows.push_back({"hamstrings", "right", 4.25, -12.0, -8.5, {"fat fraction increased", "volume decreased"}});
  f.sentences.push_back("Fat fraction increased in the right hamstrings.");
  auto report = sample_report(true);
  report.change_since_previous = f;
  const auto with = reporting::to_html_report(report, extras);
  for (const char* expected : {"Change since the previous visit", "2025-06-01", "+4.2 pp", "-12.0 pp", "-8.5 %", "volume decreased",
                               "Fat fraction increased in the right hamstrings."})
    EXPECT_NE(with.find(expected), std::string::npos) << expected;
}

TEST(HtmlReport, WrittenAtomically) {
  myo::testing::TempDir dir("docs-report-test");
  reporting::write_html_report(sample_report(true), identified_extras(), dir.path() / "report.html");
  const auto html = slurp(dir.path() / "report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename(), "report.html") << "left-over temporary " << entry.path();
}

TEST(PdfReport, IsAValidMultiPageA4Document) {
  myo::testing::TempDir dir("docs-report-test");
  const auto pdf = dir.path() / "report.pdf";
  reporting::write_pdf_report(sample_report(true), identified_extras(), pdf);
  const auto bytes = slurp(pdf);
  ASSERT_GT(bytes.size(), 1000U);
  EXPECT_EQ(bytes.rfind("%PDF", 0), 0U);
  if (!have_tool("pdfinfo")) GTEST_SKIP() << "pdfinfo (poppler-utils) missing: cmake/setup-debian.sh installs it";
  const auto info = myo::testing::command_output("pdfinfo '" + pdf.string() + "'");
  const auto pages_at = info.find("Pages:");
  ASSERT_NE(pages_at, std::string::npos) << info;
  EXPECT_GE(std::atoi(info.c_str() + pages_at + 6), 2) << info;
  EXPECT_NE(info.find("595.276 x 841.89"), std::string::npos) << info;  // A4
  EXPECT_EQ(info.find("Doe"), std::string::npos);                       // no identifiers in the metadata
}

TEST(PdfReport, TextHasGroupsValuesWithUnitsAndThePattern) {
  if (!have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing: cmake/setup-debian.sh installs it";
  myo::testing::TempDir dir("docs-report-test");
  const auto pdf = dir.path() / "report.pdf";
  reporting::write_pdf_report(sample_report(true), identified_extras(), pdf);
  const auto text = pdf_text(pdf);
  for (const char* expected : {"Hamstrings", "Quadriceps femoris", "310.2 ml", "31.8 %", "42.5 %", "Dixon PDFF",
                               "Fat replacement predominates in the hamstrings, right more than left.",
                               "not a diagnosis", "Page 1 of", "Doe, Jane", "PID-778899", "alert(1)"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n--- text ---\n" << text;
  EXPECT_EQ(text.find("Change since the previous visit"), std::string::npos);
}

TEST(PdfReport, WithoutDixonSaysT1EstimateNeverPdff) {
  if (!have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing";
  myo::testing::TempDir dir("docs-report-test");
  const auto pdf = dir.path() / "report.pdf";
  reporting::write_pdf_report(sample_report(false), identified_extras(), pdf);
  const auto text = pdf_text(pdf);
  EXPECT_NE(text.find("T1 fat estimate"), std::string::npos) << text;
  EXPECT_EQ(text.find("PDFF"), std::string::npos) << text;
}

TEST(PdfReport, DeidentifiedHasNoIdentifiersAndFollowUpAppearsWhenGiven) {
  if (!have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing";
  myo::testing::TempDir dir("docs-report-test");
  auto extras = identified_extras();
  extras.deidentified = true;
  reporting::FollowUp f;
  f.baseline_study_date = "20250601";
  f.rows.push_back({"hamstrings", "left", 1.0, 2.0, 3.0, {}});
  auto report = sample_report(true);
  report.change_since_previous = f;
  const auto pdf = dir.path() / "report.pdf";
  reporting::write_pdf_report(report, extras, pdf);
  const auto text = pdf_text(pdf);
  for (const char* identifier : {"Doe", "Jane", "PID-778899", "1970-02-03", "ACC-4455", "2026-01-01", "2025-06-01"})
    EXPECT_EQ(text.find(identifier), std::string::npos) << identifier;
  EXPECT_NE(text.find("Change since the previous visit"), std::string::npos);
  EXPECT_NE(text.find("+1.0 pp"), std::string::npos);
}

TEST(PdfReport, EmbedsFiguresAndSurvivesMissingOnes) {
  myo::testing::TempDir dir("docs-report-test");
  auto extras = identified_extras();
  write_png(dir.path() / "slices_fat_fraction.png");
  extras.figures.push_back({dir.path() / "slices_fat_fraction.png", "Axial slices with the fat fraction overlay"});
  extras.figures.push_back({dir.path() / "missing.png", "never rendered"});
  const auto pdf = dir.path() / "report.pdf";
  reporting::write_pdf_report(sample_report(true), extras, pdf);
  if (!have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing";
  const auto text = pdf_text(pdf);
  EXPECT_NE(text.find("Axial slices with the fat fraction overlay"), std::string::npos);
  EXPECT_NE(text.find("missing.png could not be read"), std::string::npos);
}

TEST(PdfReport, LongTextStaysInsideThePage) {
  // An unbroken 300-character SeriesDescription and a 20000-character one must wrap inside their cells (the second
  // cut with an ellipsis), never run over the margins: every word's box lies within the text column.
  if (!have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing";
  myo::testing::TempDir dir("docs-report-test");
  auto report = sample_report(true);
  report.series[0].description = std::string(300, 'X');
  report.series[1].description = std::string(20000, 'W') + " end";
  const auto pdf = dir.path() / "report.pdf";
  reporting::write_pdf_report(report, identified_extras(), pdf);
  const auto boxes = myo::testing::command_output("pdftotext -bbox '" + pdf.string() + "' - 2>/dev/null");
  std::size_t words = 0;
  for (auto at = boxes.find("<word xMin=\""); at != std::string::npos; at = boxes.find("<word xMin=\"", at + 1)) {
    const double x_min = std::atof(boxes.c_str() + at + 12);
    const auto max_at = boxes.find("xMax=\"", at);
    ASSERT_NE(max_at, std::string::npos);
    const double x_max = std::atof(boxes.c_str() + max_at + 6);
    EXPECT_GE(x_min, 47.0) << boxes.substr(at, 200);
    EXPECT_LE(x_max, 595.276 - 47.0) << boxes.substr(at, 200);
    ++words;
  }
  EXPECT_GT(words, 100U);
}

// Not a check: writes the sample documents for a person to look at (pdftoppm -png report.pdf page).
TEST(ReportSamples, WrittenWhenAsked) {
  const char* dir = std::getenv("MYO_REPORT_SAMPLES_DIR");
  if (!dir) GTEST_SKIP() << "set MYO_REPORT_SAMPLES_DIR to write sample report.pdf/report.html there";
  std::filesystem::create_directories(dir);
  for (const bool dixon : {true, false}) {
    auto extras = identified_extras();
    reporting::FollowUp f;
    f.baseline_study_date = "20250601";
    f.rows.push_back({"hamstrings", "right", 4.25, -12.0, -8.5, {"fat fraction increased", "volume decreased"}});
    f.rows.push_back({"hamstrings", "left", 0.5, -1.0, -1.5, {}});
    f.sentences.push_back("Fat fraction increased in the right hamstrings.");
    const std::string stem = dixon ? "dixon" : "t1";
    auto report = dixon ? with_single_muscles(sample_report(dixon)) : sample_report(dixon);
    report.change_since_previous = f;
    const auto pdf = std::filesystem::path(dir) / (stem + ".pdf");
    const auto html = std::filesystem::path(dir) / (stem + ".html");
    reporting::write_pdf_report(report, extras, pdf);
    reporting::write_html_report(report, extras, html);
    EXPECT_GT(std::filesystem::file_size(pdf), 1000U) << pdf;
    EXPECT_GT(std::filesystem::file_size(html), 1000U) << html;
  }
  auto runaway = sample_report(true);
  runaway.series[0].description = std::string(300, 'X');
  runaway.series[1].description = std::string(20000, 'W') + " end";
  const auto runaway_pdf = std::filesystem::path(dir) / "runaway.pdf";
  reporting::write_pdf_report(runaway, {}, runaway_pdf);
  EXPECT_GT(std::filesystem::file_size(runaway_pdf), 1000U);
}

TEST(HtmlReport, ListsTheLabelsOfASuppliedSegmentation) {
  auto report = sample_report(true);
  EXPECT_EQ(reporting::to_html_report(report, {}).find("supplied segmentation"), std::string::npos);
  report.segmentation_source = "user_labels";
  report.input_labels.push_back({31, "<b>semitendinosus</b>", "hamstrings", "right", 95.5, 18.25, std::nullopt});
  const auto html = reporting::to_html_report(report, {});
  EXPECT_NE(html.find("supplied segmentation"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;semitendinosus&lt;/b&gt;"), std::string::npos);  // label names are user text
  EXPECT_NE(html.find("95.5 ml"), std::string::npos);
  EXPECT_NE(html.find("User-supplied label map"), std::string::npos);
}

// DICOM text is often Latin-1 or broken; the documents must stay valid UTF-8 and the PDF must still be written.
TEST(PdfReport, SurvivesInvalidUtf8AndRunawayText) {
  myo::testing::TempDir dir("docs-report-test");
  auto report = sample_report(true);
  report.series[0].description = "Becken\xe9 \xff\xfe axial";
  report.series[1].description = std::string(20000, 'W') + " end";
  const auto html = reporting::to_html_report(report, {});
  EXPECT_NE(html.find("Becken\xEF\xBF\xBD"), std::string::npos);  // U+FFFD replaces the stray byte
  EXPECT_EQ(html.find("\xff"), std::string::npos);
  const auto pdf = dir.path() / "report.pdf";
  reporting::write_pdf_report(report, {}, pdf);
  EXPECT_EQ(slurp(pdf).rfind("%PDF", 0), 0U);
  if (!have_tool("pdfinfo")) GTEST_SKIP() << "pdfinfo missing";
  const auto info = myo::testing::command_output("pdfinfo '" + pdf.string() + "'");
  const auto pages_at = info.find("Pages:");
  ASSERT_NE(pages_at, std::string::npos);
  EXPECT_LE(std::atoi(info.c_str() + pages_at + 6), 6);  // the runaway cell is cut, not spread over many pages
}

// Water T2 appears in the table (with the right − left difference) and its method is stated, only when measured.
TEST(HtmlReport, WaterT2ColumnAndMethodOnlyWhenFitted) {
  auto r = sample_report(true);
  const auto without = reporting::to_html_report(r, identified_extras());
  EXPECT_EQ(without.find("Water T2"), std::string::npos);
  r.muscles[0].water_t2_ms = 41.25;
  r.muscles[1].water_t2_ms = 33.0;
  quantification::WaterT2Method method;
  method.name = "multi_echo_biexponential_fixed_fat";
  method.series = "t2_se_mc_tra";
  method.echo_times_ms = {10, 20, 30, 40};
  method.echo_times_used_ms = {20, 30, 40};
  method.fat_handling = "bi-exponential, fat share fixed to the Dixon fat fraction";
  method.fitted_voxels = 1234;
  r.water_t2_fit = method;
  r.quantification_method.water_t2_method = method.name;
  const auto html = reporting::to_html_report(r, identified_extras());
  for (const char* expected : {"Water T2", "41.2 ms", "33.0 ms", "+8.2 ms", "TE 20, 30, 40 ms", "first echo left out",
                               "fat share fixed to the Dixon fat fraction"})
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
}

// The ten echoes of a multi-echo series are one row of the series table, not ten.
TEST(HtmlReport, EchoesOfATrainAreOneSeriesRow) {
  auto r = sample_report(true);
  for (int e = 1; e <= 10; ++e)
    r.series.push_back({"1.2.3.4.8", "TE=" + std::to_string(10 * e), 8, "t2_se_mc_tra", "t2_multi_echo",
                        "multi-echo spin echo: 10 echo times", "axial", 76, "water_t2"});
  const auto html = reporting::to_html_report(r, identified_extras());
  EXPECT_NE(html.find("t2_se_mc_tra (10 echoes)"), std::string::npos);
  std::size_t rows = 0;
  for (auto at = html.find("multi-echo spin echo: 10 echo times"); at != std::string::npos;
       at = html.find("multi-echo spin echo: 10 echo times", at + 1))
    ++rows;
  EXPECT_EQ(rows, 1U);
}

// The group table gains the segmentation confidence (0.00) and a "Single muscles" table lists each muscle and side
// with a mark on the flagged one; with the user's own labels neither appears.
TEST(HtmlReport, SingleMusclesAndConfidenceWithTheAutomaticSegmentation) {
  const auto html = reporting::to_html_report(with_single_muscles(sample_report(true)), {});
  EXPECT_NE(html.find("<th class=\"num\" data-sort-type=\"number\">Seg. conf.</th>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">0.81</td>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Single muscles</h2>"), std::string::npos);
  const auto semitendinosus = html_rows_starting(html, "Semitendinosus");
  ASSERT_EQ(semitendinosus.size(), 1U);  // the left side's row leaves the name out, as the group table does
  EXPECT_NE(semitendinosus[0].find("61.2 ml"), std::string::npos) << semitendinosus[0];
  EXPECT_NE(semitendinosus[0].find("0.62 ⚠ low"), std::string::npos) << semitendinosus[0];
  const auto biceps = html_rows_starting(html, "Biceps femoris, long head");
  ASSERT_EQ(biceps.size(), 1U);
  EXPECT_NE(biceps[0].find("0.94"), std::string::npos) << biceps[0];
  EXPECT_EQ(biceps[0].find("⚠"), std::string::npos) << biceps[0];
  EXPECT_NE(html.find("confidence below 0.75"), std::string::npos);

  auto user = sample_report(true);
  user.segmentation_source = "user_labels";
  const auto user_html = reporting::to_html_report(user, {});
  EXPECT_EQ(user_html.find("Single muscles"), std::string::npos);
  EXPECT_EQ(user_html.find("Seg. conf"), std::string::npos);
}

// The muscles are listed in catalogue order (semitendinosus after biceps femoris), right before left.
TEST(HtmlReport, SingleMusclesInCatalogueOrder) {
  const auto html = reporting::to_html_report(with_single_muscles(sample_report(true)), {});
  const auto biceps = html.find("<td>Biceps femoris, long head</td>");
  const auto semitendinosus = html.find("<td>Semitendinosus</td>");
  ASSERT_NE(biceps, std::string::npos);
  ASSERT_NE(semitendinosus, std::string::npos);
  EXPECT_LT(biceps, semitendinosus);
  const auto right = html.find("61.2 ml", semitendinosus), left = html.find("58.8 ml", semitendinosus);
  ASSERT_NE(left, std::string::npos);
  EXPECT_LT(right, left);
}

// The PDF says the same for a full report (every catalogue group and muscle on both sides, so that the tables run
// over page breaks), and its pages keep their text inside the margins and above the footer.
TEST(PdfReport, SingleMusclesAndConfidence) {
  if (!have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing";
  myo::testing::TempDir dir("docs-report-test");
  auto report = with_single_muscles(sample_report(true));
  report.muscles[0].water_t2_ms = 41.25;  // the widest group table: water T2 and confidence
  for (const auto& g : core::MuscleCatalog::instance().groups())
    if (g.name != "hamstrings" && g.name != "quadriceps")
      for (const auto side : {core::Side::right, core::Side::left}) {
        report.muscles.push_back(muscle(g.name, side, 250.0, 10.0, 2.0, true));
        report.muscles.back().segmentation_confidence = 0.875;
      }
  for (const auto& m : core::MuscleCatalog::instance().muscles())
    if (m.name != "semitendinosus" && m.name != "biceps_femoris_long_head")
      for (const auto side : {core::Side::right, core::Side::left})
        report.single_muscles.push_back({m.name, m.group, core::to_string(side), m.label(side), 42.25, 12.5, 3.0,
                                         0.9, 0.92, 0.85, false});
  const auto pdf = dir.path() / "report.pdf";
  reporting::write_pdf_report(report, identified_extras(), pdf);
  const auto text = pdf_text(pdf);
  for (const char* expected : {"Seg. conf.", "0.81", "Single muscles", "Semitendinosus", "Biceps femoris, long head",
                               "0.62 ⚠ low", "61.2 ml", "0.94", "Psoas major", "Semimembranosus", "Page 1 of"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n--- text ---\n" << text;
  const auto boxes = myo::testing::command_output("pdftotext -bbox '" + pdf.string() + "' - 2>/dev/null");
  std::size_t words = 0;
  for (auto at = boxes.find("<word xMin=\""); at != std::string::npos; at = boxes.find("<word xMin=\"", at + 1)) {
    const auto attribute = [&](const std::string& name) {
      const auto value_at = boxes.find(name + "=\"", at);
      return value_at == std::string::npos ? -1.0 : std::atof(boxes.c_str() + value_at + name.size() + 2);
    };
    const auto word = boxes.substr(at, 200);
    EXPECT_GE(attribute("xMin"), 47.0) << word;
    EXPECT_LE(attribute("xMax"), 595.276 - 47.0) << word;
    // The body ends 58 pt above the page's foot; the footer line sits below that, nothing in between.
    EXPECT_TRUE(attribute("yMax") <= 841.89 - 58 + 1 || attribute("yMin") >= 841.89 - 58 + 16) << word;
    ++words;
  }
  EXPECT_GT(words, 300U);
}
