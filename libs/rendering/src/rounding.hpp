#pragma once
// std::lround without the library call, for the per-pixel loops of the slice compositing: the same result (half
// away from zero) for every value, a truncating conversion and one exact subtraction instead of a call into libm.
#include <climits>
#include <cmath>

namespace myo::rendering::detail {

[[nodiscard]] inline long round_half_away(double x) {
  if (!(std::abs(x) < 9.2e18)) return LONG_MIN;  // NaN and beyond long's range: what lround gives on x86-64
  const long whole = static_cast<long>(x);       // towards zero
  const double fraction = x - static_cast<double>(whole);  // exact
  return fraction >= 0.5 ? whole + 1 : fraction <= -0.5 ? whole - 1 : whole;
}

}  // namespace myo::rendering::detail
