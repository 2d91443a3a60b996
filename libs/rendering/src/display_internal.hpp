#pragma once
// The X display probe's view of the screen, and the check of the interactive viewer (display.cpp).
#include <array>
#include <optional>

namespace myo::rendering::detail {

// Width and height of the default screen of the probed X display; nullopt without one.
[[nodiscard]] std::optional<std::array<int, 2>> screen_size_px();

}  // namespace myo::rendering::detail

namespace myo::rendering {

// Throws core::MyoError (subject "DISPLAY") without a reachable X display; never starts a private Xvfb (a window
// nobody can see is of no use).
void require_interactive_display();

}  // namespace myo::rendering
