#pragma once
// The X display probe's view of the screen (display.cpp).
#include <array>
#include <optional>

namespace myo::rendering::detail {

// Width and height of the default screen of the probed X display; nullopt without one.
[[nodiscard]] std::optional<std::array<int, 2>> screen_size_px();

}  // namespace myo::rendering::detail
