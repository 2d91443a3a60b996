#include "myo/dicom/version.hpp"

#include <dcmtk/dcmdata/dcuid.h>

namespace myo::dicom {
std::string dcmtk_version() { return OFFIS_DCMTK_VERSION_STRING; }
}  // namespace myo::dicom
