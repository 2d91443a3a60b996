#include "myo/core/toolkit_errors.hpp"

#include <itkMacro.h>

#include "myo/core/log.hpp"

namespace myo::core {

bool is_toolkit_exception(const std::exception& e) { return dynamic_cast<const itk::ExceptionObject*>(&e) != nullptr; }

MyoError toolkit_input_error(const std::string& subject, const std::exception& e) {
  log::debug("{}: ITK: {}", subject, e.what());
  return MyoError(subject,
                  "the image toolkit cannot process this series (its geometry or voxel values are "
                  "degenerate); run with -v for the toolkit's message");
}

}  // namespace myo::core
