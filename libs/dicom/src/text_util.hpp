#pragma once
// Small text helpers for DICOM string values (case folding, backslash-separated multi-values, word matching).
#include <string>
#include <string_view>
#include <vector>

namespace myo::dicom::detail {

[[nodiscard]] std::string to_upper(std::string_view text);
[[nodiscard]] std::string to_lower(std::string_view text);
[[nodiscard]] std::string trim(std::string_view text);
// Splits a backslash-separated multi-value string; values are trimmed, empty values dropped.
[[nodiscard]] std::vector<std::string> split_values(std::string_view text);
// True when `word` appears in `text` delimited by non-alphanumeric characters (or the ends). Both upper case.
[[nodiscard]] bool contains_word(std::string_view text, std::string_view word);

}  // namespace myo::dicom::detail
