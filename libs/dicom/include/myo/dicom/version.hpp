#pragma once
#include <string>

namespace myo::dicom {

[[nodiscard]] std::string dcmtk_version();  // the DCMTK this build links

}  // namespace myo::dicom
