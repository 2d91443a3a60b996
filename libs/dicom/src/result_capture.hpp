#pragma once
// Secondary Capture pieces shared by the figure capture (multi-frame, result_sc.cpp) and the overlay series (one
// instance per slice, result_overlay_sc.cpp). Private to libs/dicom.
#include <dcmtk/dcmdata/dcdatset.h>

#include <string>

#include "result_common.hpp"

namespace myo::dicom::detail {

struct CaptureSeries {
  const char* sop_class_uid = nullptr;
  int series_number = 0;
  std::string series_description;
  std::string image_comments;  // empty: none
};

// SOP class, Patient/Study (no frame of reference: SC has none), General Series (modality OT), SC Equipment (WSD),
// General Image and SC Image values of a capture of rendered pixels that show no patient identifiers.
void put_capture_header(DcmDataset& ds, const SourceContext& source, const NewInstance& instance,
                        const CaptureSeries& series, const std::string& subject);
// Throws core::MyoError(subject) naming `what` when `image` is empty, too large or its buffer is not w*h*3 bytes.
void check_rgb_image(const RgbImage& image, const std::string& what, const std::string& subject);
// Image Pixel module of 8-bit RGB pixels (interleaved) of `rows` x `columns`.
void put_rgb_pixel_module(DcmDataset& ds, int rows, int columns, const std::string& subject);

}  // namespace myo::dicom::detail
