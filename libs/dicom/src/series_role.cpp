#include "myo/dicom/series_role.hpp"
