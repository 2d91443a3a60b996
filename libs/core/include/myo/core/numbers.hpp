#pragma once
// Mathematical constants shared by the libraries. The project builds as C++17, which has no <numbers>; when it moves
// to C++20 these become std::numbers.

namespace myo::core {

inline constexpr double kPi = 3.141592653589793238462643383279502884;

}  // namespace myo::core
