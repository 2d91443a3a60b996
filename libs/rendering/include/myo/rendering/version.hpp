#pragma once
#include <string>

namespace myo::rendering {

[[nodiscard]] std::string vtk_version();  // the VTK this build links

}  // namespace myo::rendering
