// Headless runs, honest report fields and command-line manners (issue #22, items 1, 2 and 6): what a new user met on
// a PACS export folder. Each test runs the real myoscope on a copy of the hardening phantom study.
#include <regex>

#include "hardening_fixture.hpp"

namespace {

using json = nlohmann::json;

// The shell prefix of a run without an X display; `xvfb` sets MYO_XVFB (the Xvfb to start; "/nonexistent": none),
// empty leaves the PATH lookup.
std::string headless(const std::string& xvfb = "") {
  return "unset DISPLAY MYO_XVFB; " + (xvfb.empty() ? std::string() : "export MYO_XVFB=" + xvfb + "; ");
}

bool xvfb_on_path() { return std::system("command -v Xvfb >/dev/null 2>&1") == 0; }

json read_json(const fs::path& path) { return json::parse(read_all(path)); }

// measurements.csv as rows of column -> field (no quoted commas in the columns these tests read).
std::vector<std::map<std::string, std::string>> read_csv(const fs::path& path) {
  std::istringstream in(read_all(path));
  const auto split = [](const std::string& line) {
    std::vector<std::string> fields;
    std::istringstream s(line);
    for (std::string f; std::getline(s, f, ',');) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    return fields;
  };
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto fields = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t c = 0; c < header.size(); ++c) row[header[c]] = c < fields.size() ? fields[c] : "";
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---- figures without a display --------------------------------------------------------------------------------

// Batch and PACS nodes run headless: without DISPLAY a private Xvfb renders the figures (all of them, and the
// secondary capture in dicom/), and it is gone when myoscope exits. Before: figures skipped, exit 0.
TEST_F(Hardening, HeadlessAnalysisStartsAPrivateXvfb) {
  if (!xvfb_on_path()) GTEST_SKIP() << "Xvfb is not installed (package xvfb)";
  const auto r = run_myoscope("analyze " + in().string() + " -o " + out().string(), headless());
  EXPECT_TRUE(documented(r));
  ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
  EXPECT_TRUE(fs::exists(out() / "figures" / "map3d_fat_fraction.png")) << r.err;
  EXPECT_TRUE(fs::exists(out() / "figures" / "slices_fat_fraction.png"));
  EXPECT_TRUE(fs::exists(out() / "dicom" / "figures.dcm"));
  const auto report = read_json(out() / "report.json");
  EXPECT_TRUE(report["problems"].empty()) << report["problems"].dump();
  std::smatch display;
  ASSERT_TRUE(std::regex_search(r.err, display, std::regex("private Xvfb \\(display :([0-9]+)\\)"))) << r.err;
  EXPECT_FALSE(fs::exists("/tmp/.X" + display[1].str() + "-lock")) << "the private Xvfb outlived myoscope";
  // `render` takes the same way.
  const auto render = run_myoscope("render " + out().string() + " --metric fat -o " + (out() / "again").string(),
                                   headless());
  EXPECT_EQ(render.exit_code, core::kExitOk) << render.err;
  EXPECT_TRUE(fs::exists(out() / "again" / "map3d_fat_fraction.png")) << render.err;
}

// No display and no Xvfb: everything else is written, report.json and the terminal say the figures are missing, and
// the exit code is 4 (partial), never 0. `render` and `view --screenshot` keep their exit code 6.
TEST_F(Hardening, HeadlessAnalysisWithoutXvfbIsPartial) {
  const auto r = run_myoscope("analyze " + in().string() + " -o " + out().string(), headless("/nonexistent/Xvfb"));
  EXPECT_TRUE(documented(r));
  EXPECT_EQ(r.exit_code, core::kExitPartial) << r.err;
  EXPECT_TRUE(has(r.err, "figures not rendered")) << r.err;
  const auto report = read_json(out() / "report.json");
  ASSERT_EQ(report["problems"].size(), 1U) << report.dump(2);
  EXPECT_TRUE(has(report["problems"][0].get<std::string>(), "figures not rendered"));
  for (const char* name : {"measurements.csv", "report.pdf", "report.html", "labels.nii.gz", "dicom/segmentation.dcm"})
    EXPECT_TRUE(fs::exists(out() / name)) << name;
  EXPECT_FALSE(fs::exists(out() / "dicom" / "figures.dcm"));

  const auto render = run_myoscope("render " + out().string(), headless("/nonexistent/Xvfb"));
  EXPECT_EQ(render.exit_code, core::kExitNoDisplay) << render.err;
  const auto view = run_myoscope("view " + out().string() + " --screenshot " + (out() / "v.png").string(),
                                 headless("/nonexistent/Xvfb"));
  EXPECT_EQ(view.exit_code, core::kExitNoDisplay) << view.err;
}

// ---- honest fields ----------------------------------------------------------------------------------------------

// The phantom writes MagneticFieldStrength 3 in every file; report.json said 0. The CSV's mercuri_grade held the
// modified scale while report.json's held the original; slab levels could not be matched to the figures' axis.
// One run also checks the progress lines.
TEST_F(Hardening, ReportFieldsSayWhatTheyHold) {
  const auto r = analyze("--no-dicom --no-report-documents");
  ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
  const auto report = read_json(out() / "report.json");
  EXPECT_DOUBLE_EQ(report["study"]["magnetic_field_strength_t"].get<double>(), 3.0);

  const auto rows = read_csv(out() / "measurements.csv");
  std::size_t wholes = 0, slabs = 0;
  for (const auto& m : report["muscles"]) {
    for (const auto& row : rows) {
      if (row.at("level") != "whole" || row.at("group") != m["group"] || row.at("side") != m["side"]) continue;
      ++wholes;
      EXPECT_EQ(row.at("mercuri_grade"), std::to_string(m["mercuri_grade"].get<int>()));
      EXPECT_EQ(row.at("mercuri_modified_grade"), m["mercuri_modified_grade"].get<std::string>());
    }
  }
  EXPECT_EQ(wholes, report["muscles"].size());

  ASSERT_TRUE(report["level_reference"]["z_mm"].is_number()) << report["level_reference"].dump();
  const double reference = report["level_reference"]["z_mm"].get<double>();
  EXPECT_EQ(report["level_reference"]["name"], "crotch");
  for (const auto& row : rows) {
    if (row.at("level") != "slab") continue;
    ++slabs;
    EXPECT_NEAR(std::stod(row.at("level_from_reference_mm")), std::stod(row.at("level_mm")) - reference, 0.11);
  }
  EXPECT_GT(slabs, 0U);
  const auto& level = report["profiles"][0]["levels"][0];
  EXPECT_NEAR(level["level_from_reference_mm"].get<double>(), level["level_mm"].get<double>() - reference, 1e-9);

  for (const char* stage : {"load", "segmentation", "quantification", "outputs"})
    EXPECT_TRUE(has(r.err, std::string("analyze: ") + stage + " done in")) << stage << "\n" << r.err;
}

// ---- command-line manners ---------------------------------------------------------------------------------------

TEST_F(Hardening, QuietAnalysisPrintsNoProgress) {
  const auto r = analyze("-q --no-dicom --no-report-documents --no-maps");
  ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
  EXPECT_FALSE(has(r.err, "done in")) << r.err;
}

// On a terminal each stage line is led by a bar of the run's progress, ending full; piped (as above) it is not.
TEST_F(Hardening, ProgressOnATerminalShowsABar) {
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "script (util-linux) not installed";
  const std::string inner = std::string(MYOSCOPE_EXE) + " analyze " + in().string() + " -o " + out().string() +
                            " --no-figures --no-dicom --no-report-documents --no-maps";
  FILE* pipe = ::popen(("script -qec '" + inner + "' /dev/null 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string terminal;
  std::array<char, 4096> buffer{};
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) terminal.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == core::kExitOk) << terminal;
  EXPECT_TRUE(std::regex_search(terminal, std::regex(R"(\[#+-+\] +[0-9]+ %  analyze: load done in)"))) << terminal;
  EXPECT_TRUE(has(terminal, "[####################] 100 %  analyze: outputs done in")) << terminal;
  const auto piped = analyze("--no-dicom --no-report-documents --no-maps");
  EXPECT_FALSE(has(piped.err, "%  analyze:")) << piped.err;
}

// A mistyped role used to fail after the whole study was scanned, with exit 3; now it is a usage error before any
// file is read, listing the valid roles.
TEST_F(Hardening, UnknownRoleIsAUsageErrorBeforeLoading) {
  for (const char* role : {"7=stirr", "3=bogus", "stir"}) {
    const auto r = run_myoscope("analyze " + in().string() + " -o " + out().string() + " --role " + role);
    EXPECT_EQ(r.exit_code, core::kExitUsage) << role << "\n" << r.err;
    EXPECT_TRUE(has(r.err, role)) << r.err;
    EXPECT_FALSE(has(r.err, "scan:")) << "the study was read first:\n" << r.err;
    EXPECT_FALSE(fs::exists(out()));
  }
  const auto r = run_myoscope("analyze " + in().string() + " -o " + out().string() + " --role 7=stirr");
  EXPECT_TRUE(has(r.err, "valid roles: dixon_water") && has(r.err, " stir,")) << r.err;
}

TEST(CliManners, MistypedSubcommandGetsASuggestion) {
  const auto r = run_myoscope("analyse /nonexistent -o /nonexistent/out");
  EXPECT_EQ(r.exit_code, core::kExitUsage);
  EXPECT_TRUE(has(r.err, "did you mean 'analyze'?")) << r.err;
  EXPECT_TRUE(has(run_myoscope("-v rendr x").err, "did you mean 'render'?"));
  const auto far = run_myoscope("xyzzy");
  EXPECT_EQ(far.exit_code, core::kExitUsage);
  EXPECT_FALSE(has(far.err, "did you mean")) << far.err;
}

// `view --metric fat` worked while `render --metric fat` was refused: both take the same names now.
TEST(CliManners, RenderAndViewAcceptTheSameMetricNames) {
  for (const char* metric : {"fat", "fat_fraction", "edema", "edema_fraction", "grade", "mercuri_grade"}) {
    // A missing folder is an input error (3): the metric itself passed the parser (else 2).
    EXPECT_EQ(run_myoscope(std::string("render /nonexistent/analysis --metric ") + metric).exit_code,
              core::kExitInputError)
        << metric;
    const auto view = run_myoscope(std::string("view /nonexistent/analysis --metric ") + metric, headless());
    EXPECT_NE(view.exit_code, core::kExitUsage) << metric << "\n" << view.err;
  }
  EXPECT_EQ(run_myoscope("render /nonexistent/analysis --metric bogus").exit_code, core::kExitUsage);
  EXPECT_EQ(run_myoscope("view /nonexistent/analysis --metric bogus").exit_code, core::kExitUsage);
}

// `scan` logged "0 problems" above a table listing a problem: the counts now agree with the list.
TEST_F(Hardening, ScanSummaryCountsTheListedProblems) {
  fs::remove(middle(water()));  // a missing slice: a problem of the series, not an unreadable file
  const auto r = run_myoscope("scan " + in().string());
  EXPECT_TRUE(documented(r));
  std::size_t listed = 0;
  for (std::size_t at = r.out.find("problem: "); at != std::string::npos; at = r.out.find("problem: ", at + 1))
    ++listed;
  EXPECT_GE(listed, 1U) << r.out;
  EXPECT_TRUE(has(r.out, ", 0 unreadable file(s), " + std::to_string(listed) + " series problem(s)")) << r.out;
  EXPECT_TRUE(has(r.err, std::to_string(listed) + " series problem(s)")) << r.err;
}

}  // namespace
