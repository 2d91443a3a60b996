// Study dates and clinical dates: parsing is strict (a wrong date misplaces a visit), day counts are exact.
#include <gtest/gtest.h>

#include "myo/core/calendar.hpp"

namespace myo::core {
namespace {

TEST(Calendar, ParsesIsoAndDicomDates) {
  EXPECT_EQ(parse_iso_date("2026-03-31"), (Date{2026, 3, 31}));
  EXPECT_EQ(parse_dicom_date("20240229"), (Date{2024, 2, 29}));
  EXPECT_EQ(to_iso(Date{2026, 1, 5}), "2026-01-05");
  EXPECT_EQ(to_dicom_date(Date{2026, 1, 5}), "20260105");
}

TEST(Calendar, RejectsImpossibleOrMisformattedDates) {
  for (const char* text : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-5", "26-01-05", "2026/01/05", "",
                           "2026-01-05 ", "abcd-01-01"})
    EXPECT_FALSE(parse_iso_date(text)) << text;
  for (const char* text : {"20230229", "2026010", "2026-01-01", "1700101"}) EXPECT_FALSE(parse_dicom_date(text)) << text;
}

TEST(Calendar, CountsDaysAcrossLeapYearsAndBack) {
  EXPECT_EQ(days_since_epoch(Date{1970, 1, 1}), 0);
  EXPECT_EQ(days_since_epoch(Date{2024, 3, 1}) - days_since_epoch(Date{2024, 2, 28}), 2);
  EXPECT_EQ(days_since_epoch(Date{2027, 1, 1}) - days_since_epoch(Date{2026, 1, 1}), 365);
  for (const long day : {-1000L, 0L, 19000L, 20454L, 40000L})
    EXPECT_EQ(days_since_epoch(date_from_days(day)), day) << day;
}

}  // namespace
}  // namespace myo::core
