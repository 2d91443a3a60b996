#include "myo/dicom/write.hpp"
