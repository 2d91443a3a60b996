#pragma once
// ITK exceptions raised by user data (degenerate geometry, voxels it cannot process) are input errors naming the
// series or file, not internal errors with the toolkit's multi-line text. Callers need not see ITK.
#include <exception>
#include <string>

#include "myo/core/error.hpp"

namespace myo::core {

// True when `e` was thrown by ITK (not by MyoScope or the standard library).
[[nodiscard]] bool is_toolkit_exception(const std::exception& e);

// The input error for a toolkit exception raised while processing `subject`; the toolkit's own text is logged at
// debug level (-v), not shown to the user.
[[nodiscard]] MyoError toolkit_input_error(const std::string& subject, const std::exception& e);

// Runs `stage()`; an ITK exception escaping it becomes toolkit_input_error(subject, ...). Other exceptions pass.
template <class Stage>
decltype(auto) naming_toolkit_failures(const std::string& subject, Stage&& stage) {
  try {
    return stage();
  } catch (const MyoError&) {
    throw;
  } catch (const std::exception& e) {
    if (!is_toolkit_exception(e)) throw;
    throw toolkit_input_error(subject, e);
  }
}

}  // namespace myo::core
