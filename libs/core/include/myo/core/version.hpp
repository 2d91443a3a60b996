#pragma once
#include <string>

namespace myo::core {

[[nodiscard]] const char* software_name();
[[nodiscard]] const char* software_version();
[[nodiscard]] const char* git_revision();
[[nodiscard]] std::string itk_version();  // the ITK this build links

}  // namespace myo::core
