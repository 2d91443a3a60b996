// libFuzzer target: reporting::read_report_muscles on arbitrary bytes (compare/longitudinal read earlier reports).
// MyoError is the expected answer to bad input; anything else escaping, or a sanitizer report, is a finding.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "myo/core/error.hpp"
#include "myo/reporting/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = myo::fuzz::input_file(data, size, "report.json");
  try {
    static_cast<void>(myo::reporting::read_report_muscles(path));
  } catch (const myo::core::MyoError&) {
  }
  return 0;
}
