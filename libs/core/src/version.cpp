#include "myo/core/version.hpp"

#include <itkVersion.h>

#include "myo_version_config.hpp"

namespace myo::core {
const char* software_name() { return "MyoScope"; }
const char* software_version() { return MYO_VERSION; }
const char* git_revision() { return MYO_GIT_REVISION; }
std::string itk_version() { return itk::Version::GetITKVersion(); }
}  // namespace myo::core
