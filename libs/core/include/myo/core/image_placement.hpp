#pragma once
// Where a 2D image (a rendered slice) lies in the patient: what a DICOM capture of it records and what finds the
// source image it shows. Shared by the renderer that draws such slices and the DICOM writer that stores them.
#include "myo/core/geometry.hpp"

namespace myo::core {

struct ImagePlacement {
  Vec3 first_pixel_mm{0, 0, 0};    // LPS centre of the top-left pixel
  Vec3 row_direction{1, 0, 0};     // along a row, left to right on screen (patient left: radiological view)
  Vec3 column_direction{0, 1, 0};  // down a column (posterior)
  double pixel_spacing_mm = 1;     // square pixels
  double slice_spacing_mm = 1;     // between neighbouring slices of the series: finds each slice's source image
  int image_rows = 0;              // rows that show the patient; the rest is the legend band
};

}  // namespace myo::core
