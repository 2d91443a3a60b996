#pragma once
// Calendar dates as study dates and clinical records hold them: DICOM DA (YYYYMMDD) and ISO 8601 (YYYY-MM-DD),
// proleptic Gregorian, counted in days so that intervals between visits are plain subtraction.
#include <optional>
#include <string>
#include <string_view>

namespace myo::core {

struct Date {
  int year = 1970;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
  friend bool operator==(const Date& a, const Date& b) {
    return a.year == b.year && a.month == b.month && a.day == b.day;
  }
};

// nullopt unless the text is exactly a valid date in that form (month 1-12, day within the month, year 1800-2999).
[[nodiscard]] std::optional<Date> parse_iso_date(std::string_view text);    // YYYY-MM-DD
[[nodiscard]] std::optional<Date> parse_dicom_date(std::string_view text);  // YYYYMMDD
[[nodiscard]] std::string to_iso(const Date& date);                         // YYYY-MM-DD
[[nodiscard]] std::string to_dicom_date(const Date& date);                  // YYYYMMDD

// Days since 1970-01-01 (negative before), and back.
[[nodiscard]] long days_since_epoch(const Date& date);
[[nodiscard]] Date date_from_days(long days);

constexpr double kDaysPerMonth = 365.2425 / 12.0;  // mean Gregorian month, for intervals given in months

// Months from `from` to `to` (mean Gregorian months; negative when `to` is earlier).
[[nodiscard]] inline double months_between(const Date& from, const Date& to) {
  return static_cast<double>(days_since_epoch(to) - days_since_epoch(from)) / kDaysPerMonth;
}

}  // namespace myo::core
