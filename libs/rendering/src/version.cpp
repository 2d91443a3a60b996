#include "myo/rendering/version.hpp"

#include <vtkVersion.h>

namespace myo::rendering {
std::string vtk_version() { return vtkVersion::GetVTKVersion(); }
}  // namespace myo::rendering
