// The clinical CSV reader: every documented kind is read, and every bad row is an error naming its line (never
// silently dropped).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "myo/core/error.hpp"
#include "myo/timeline/clinical.hpp"

namespace myo::timeline {
namespace {

using ::testing::HasSubstr;

constexpr const char* kHeader = "patient,date,kind,value,drug,dose,note\n";

std::string error_of(const std::string& text) {
  try {
    (void)parse_clinical_csv(text, "clinical.csv");
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::input);
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

TEST(ClinicalCsv, ReadsEveryKind) {
  const auto events = parse_clinical_csv(std::string(kHeader) +
                                             "p1,2026-01-03,ck_u_per_l,8400,,,\n"
                                             "p1,2026-01-03,antibody,anti-HMGCR positive,,,\n"
                                             "p1,2026-01-04,strength_mmt8,112,,,\n"
                                             "p1,2026-01-04,strength_mrc_sum,44,,,\n"
                                             "p1,2026-01-05,treatment_start,,prednisone,\"1 mg/kg, tapering\",\n"
                                             "p1,2026-06-05,treatment_stop,,prednisone,,\n"
                                             "p1,2025-10-01,statin,stopped,atorvastatin,,\n"
                                             "p1,2026-02-01,note,,,,\"walks 200 m, \"\"better\"\"\"\n"
                                             "\n",
                                         "clinical.csv");
  ASSERT_EQ(events.size(), 8U);
  EXPECT_EQ(events[0].kind, EventKind::ck_u_per_l);
  EXPECT_EQ(events[0].value_number, 8400);
  EXPECT_EQ(events[0].line, 2);
  EXPECT_EQ(events[1].value_text, "anti-HMGCR positive");
  EXPECT_EQ(events[4].dose, "1 mg/kg, tapering");
  EXPECT_EQ(events[7].note, "walks 200 m, \"better\"");
  EXPECT_EQ(events[7].date, (core::Date{2026, 2, 1}));
}

TEST(ClinicalCsv, ColumnsMayComeInAnyOrderAndOptionalOnesMayBeMissing) {
  const auto events = parse_clinical_csv("kind,value,date,patient\r\nck_u_per_l,950,2026-04-01,p1\r\n", "c.csv");
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].patient, "p1");
  EXPECT_EQ(events[0].value_number, 950);
}

TEST(ClinicalCsv, BadRowsAreErrorsNamingFileAndLine) {
  const std::string h = kHeader;
  EXPECT_THAT(error_of(h + "p1,2026-01-03,ck_u_per_l,8400,,,\np1,2026-02-30,ck_u_per_l,10,,,\n"),
              HasSubstr("clinical.csv: line 3: date '2026-02-30'"));
  EXPECT_THAT(error_of(h + "p1,2026-01-03,ck,8400,,,\n"), HasSubstr("line 2: unknown kind 'ck'"));
  EXPECT_THAT(error_of(h + "p1,2026-01-03,ck_u_per_l,high,,,\n"), HasSubstr("line 2: ck_u_per_l needs a number"));
  EXPECT_THAT(error_of(h + "p1,2026-01-03,ck_u_per_l,-5,,,\n"), HasSubstr("line 2: ck_u_per_l needs a number"));
  EXPECT_THAT(error_of(h + "p1,2026-01-03,strength_mrc_sum,61,,,\n"), HasSubstr("from 0 to 60"));
  EXPECT_THAT(error_of(h + "p1,2026-01-03,treatment_start,,,,\n"), HasSubstr("line 2: treatment_start needs the drug"));
  EXPECT_THAT(error_of(h + "p1,2026-01-03,statin,yes,,,\n"), HasSubstr("'started' or 'stopped'"));
  EXPECT_THAT(error_of(h + "p1,2026-01-03,note,,,,\n"), HasSubstr("note needs the text"));
  EXPECT_THAT(error_of(h + ",2026-01-03,ck_u_per_l,1,,,\n"), HasSubstr("line 2: no patient"));
  EXPECT_THAT(error_of(h + "p1,2026-01-03,ck_u_per_l,1,,\n"), HasSubstr("line 2: 6 fields where the header has 7"));
  EXPECT_THAT(error_of(h + "p1,2026-01-03,note,,,,\"open\n"), HasSubstr("line 2: a quoted field is not closed"));
}

TEST(ClinicalCsv, EveryBadLineIsCounted) {
  const auto message = error_of(std::string(kHeader) + "p1,x,ck_u_per_l,1,,,\np1,2026-01-01,ck_u_per_l,1,,,\n"
                                                       "p1,2026-01-01,ck_u_per_l,,,,\np1,2026-01-01,bogus,1,,,\n");
  EXPECT_THAT(message, HasSubstr("line 2:"));
  EXPECT_THAT(message, HasSubstr("and 2 more bad row(s), lines 4, 5"));
}

TEST(ClinicalCsv, HeaderProblemsNameLineOne) {
  EXPECT_THAT(error_of("patient,date,kind,value,dosage\n"), HasSubstr("line 1: unknown column 'dosage'"));
  EXPECT_THAT(error_of("patient,date,value\n"), HasSubstr("line 1: no 'kind' column"));
  EXPECT_THAT(error_of("patient,date,kind,value,date\n"), HasSubstr("line 1: column 'date' given twice"));
  EXPECT_THAT(error_of(""), HasSubstr("line 1:"));
}

TEST(ClinicalCsv, MissingFileIsAnInputErrorNamingIt) {
  try {
    (void)read_clinical_csv("/nonexistent/clinical.csv");
    FAIL() << "no error";
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::input);
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/clinical.csv"));
  }
}

TEST(TreatmentPeriods, PairStartsWithStopsOfTheSameDrug) {
  const auto events = parse_clinical_csv(std::string(kHeader) +
                                             "p,2025-12-01,statin,stopped,atorvastatin,,\n"
                                             "p,2026-01-05,treatment_start,,prednisone,60 mg,\n"
                                             "p,2026-02-01,treatment_start,,ivig,2 g/kg,\n"
                                             "p,2026-06-05,treatment_stop,,prednisone,,\n",
                                         "c.csv");
  const auto periods = treatment_periods(events);
  ASSERT_EQ(periods.size(), 3U);
  EXPECT_EQ(periods[0].drug, "atorvastatin");  // stopped without a recorded start: from the first event
  EXPECT_EQ(periods[0].stop, (core::Date{2025, 12, 1}));
  EXPECT_EQ(periods[1].drug, "prednisone");
  EXPECT_EQ(periods[1].dose, "60 mg");
  EXPECT_EQ(periods[1].stop, (core::Date{2026, 6, 5}));
  EXPECT_EQ(periods[2].drug, "ivig");
  EXPECT_FALSE(periods[2].stop);  // still given
}

}  // namespace
}  // namespace myo::timeline
