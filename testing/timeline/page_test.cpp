// One patient's timeline page, built in code: the PDF beside the HTML (same sentences and charts, read back with
// pdftotext), strength scores on their own chart, and the clinical numbers in the tidy CSV.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "myo/core/files.hpp"
#include "myo/testing/test_support.hpp"
#include "myo/timeline/timeline.hpp"

namespace myo::timeline {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

Visit visit_on(core::Date date, const std::string& folder, double ff, double edema_right, double edema_left) {
  Visit v;
  v.folder = folder;
  v.study_date = date;
  v.measures = {{"adductors", "right", 500, ff, edema_right}, {"adductors", "left", 500, ff + 1, edema_left}};
  return v;
}

ClinicalEvent event(core::Date date, EventKind kind, std::optional<double> value, std::string drug = {}) {
  ClinicalEvent e;
  e.date = date;
  e.kind = kind;
  e.value_number = value;
  e.drug = std::move(drug);
  return e;
}

// Three visits; the adductors' edema fell on both sides, their fat fraction rose; CK, both strength scores and one
// treatment in the clinical record.
Timeline three_visit_timeline(double left_edema_at_end = 3) {
  PatientTimeline t;
  t.number = 1;
  t.patient.key = "hmac-sha256:0123456789abcdef";
  t.patient.visits = {visit_on({2026, 1, 10}, "visit1", 22, 48, 45), visit_on({2026, 7, 10}, "visit2", 24, 20, 22),
                      visit_on({2027, 4, 10}, "visit3", 27, 2, left_edema_at_end)};
  t.events = {
      event({2026, 1, 5}, EventKind::ck_u_per_l, 8400),     event({2026, 1, 6}, EventKind::treatment_start, {}, "ivig"),
      event({2026, 1, 8}, EventKind::strength_mmt8, 96),    event({2026, 4, 1}, EventKind::strength_mmt8, 118),
      event({2026, 4, 1}, EventKind::strength_mrc_sum, 48), event({2026, 10, 1}, EventKind::ck_u_per_l, 640)};
  t.treatments = treatment_periods(t.events);
  t.trends = group_trends(t.patient, {});
  t.sentences = describe_trends(t.trends);
  Timeline timeline;
  timeline.patients.push_back(std::move(t));
  return timeline;
}

constexpr const char* kBothSides =
    "Edema in the adductors fell from 48 % to 2 % (right) and 45 % to 3 % (left) over 15 "
    "months while their fat fraction rose from 22 % to 27 % (right) and 23 % to 28 % "
    "(left).";

TEST(TimelinePage, PdfBesideTheHtmlSaysTheSameSentences) {
  testing::TempDir dir;
  const auto timeline = three_visit_timeline();
  ASSERT_EQ(timeline.patients[0].sentences, std::vector<std::string>{kBothSides});
  write_timeline(timeline, dir.path() / "out");
  const auto pdf = dir.path() / "out" / "timeline-1.pdf";
  ASSERT_TRUE(fs::exists(pdf));
  EXPECT_EQ(core::read_text_file(pdf).substr(0, 5), "%PDF-");
  const auto doc = nlohmann::json::parse(core::read_text_file(dir.path() / "out" / "timeline.json"));
  EXPECT_EQ(doc["patients"][0]["pdf"], "timeline-1.pdf");
  EXPECT_THAT(core::read_text_file(dir.path() / "out" / "timeline-1.html"), HasSubstr(kBothSides));
  if (!testing::have_tool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) missing: the PDF's text is not read";
  const auto text = testing::pdf_text(pdf);
  for (const char* expected : {kBothSides, "Timeline, patient 1", "Creatine kinase and treatment", "Strength: MMT-8",
                               "Strength: MRC sum score", "Adductors", "MRI 3", "ivig", "not a diagnosis", "Page 1 of"})
    EXPECT_THAT(text, HasSubstr(expected));
}

TEST(TimelinePage, StrengthScoresHaveTheirOwnChartsAndCsvRows) {
  testing::TempDir dir;
  write_timeline(three_visit_timeline(), dir.path() / "out");
  const auto html = core::read_text_file(dir.path() / "out" / "timeline-1.html");
  EXPECT_THAT(html, HasSubstr("<figcaption>Strength: MMT-8</figcaption>"));
  EXPECT_THAT(html, HasSubstr("MMT-8 118 on 2026-04-01"));
  EXPECT_THAT(html, HasSubstr("MRC sum 48 on 2026-04-01"));
  EXPECT_THAT(html, HasSubstr("CK 8400 U/L on 2026-01-05"));
  const auto csv = core::read_text_file(dir.path() / "out" / "timeline.csv");
  EXPECT_THAT(csv, HasSubstr("1,,2026-04-01,2.7,,,strength_mmt8,118,,\n"));
  EXPECT_THAT(csv, HasSubstr("1,,2026-04-01,2.7,,,strength_mrc_sum,48,,\n"));
  EXPECT_THAT(csv, HasSubstr("1,,2026-01-05,-0.2,,,ck_u_per_l,8400,,\n"));
}

TEST(TimelinePage, WithoutStrengthScoresThereIsNoStrengthChart) {
  auto timeline = three_visit_timeline();
  auto& events = timeline.patients[0].events;
  events.erase(std::remove_if(events.begin(), events.end(),
                              [](const ClinicalEvent& e) {
                                return e.kind == EventKind::strength_mmt8 || e.kind == EventKind::strength_mrc_sum;
                              }),
               events.end());
  const auto html = timeline_html(timeline.patients[0], timeline.limits);
  EXPECT_THAT(html, ::testing::Not(HasSubstr("Strength")));
  EXPECT_THAT(html, HasSubstr("Creatine kinase and treatment"));
}

}  // namespace
}  // namespace myo::timeline
