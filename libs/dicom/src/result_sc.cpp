// Multi-frame True Color Secondary Capture of rendered figures (8-bit RGB), written with plain dcmdata, and the
// Secondary Capture header shared with the overlay series.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <string>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "result_capture.hpp"
#include "result_common.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;
using detail::check;

namespace detail {

void put_capture_header(DcmDataset& ds, const SourceContext& source, const NewInstance& instance,
                        const CaptureSeries& series, const std::string& subject) {
  const auto put = [&](const DcmTagKey& tag, const std::string& value) {
    check(ds.putAndInsertString(tag, value.c_str()), subject, "cannot set secondary capture attribute");
  };
  put(DCM_SOPClassUID, series.sop_class_uid);
  put_patient_study(ds, source);
  delete ds.remove(DCM_PositionReferenceIndicator);  // no frame of reference module in SC
  delete ds.remove(DCM_FrameOfReferenceUID);
  put_series_equipment(ds, source, instance, "OT", series.series_number, series.series_description);
  put(DCM_ConversionType, "WSD");
  // Captures show both sides, so Laterality (type 2C in General Series, R or L for a paired body part such as
  // THIGH) is present and empty; the body part is left out of the captures.
  delete ds.remove(DCM_BodyPartExamined);
  put(DCM_Laterality, "");
  put(DCM_DateOfSecondaryCapture, instance.date);
  put(DCM_TimeOfSecondaryCapture, instance.time);
  put(DCM_PatientOrientation, "");
  put(DCM_ImageType, "DERIVED\\SECONDARY");
  put(DCM_BurnedInAnnotation, "NO");  // captures carry labels and scales, never patient identifiers
  put(DCM_RecognizableVisualFeatures, "NO");
  if (!series.image_comments.empty()) put(DCM_ImageComments, series.image_comments.substr(0, 10240));
}

void check_rgb_image(const RgbImage& image, const std::string& what, const std::string& subject) {
  if (image.width <= 0 || image.height <= 0 || image.width > 65535 || image.height > 65535 ||
      image.rgb.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3)
    throw core::MyoError(subject, what + " (" + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                      ") is empty or its buffer is not width*height*3 bytes");
}

void put_rgb_pixel_module(DcmDataset& ds, int rows, int columns, const std::string& subject) {
  const auto put16 = [&](const DcmTagKey& tag, Uint16 value) {
    check(ds.putAndInsertUint16(tag, value), subject, "cannot set secondary capture attribute");
  };
  check(ds.putAndInsertString(DCM_PhotometricInterpretation, "RGB"), subject, "photometric interpretation");
  put16(DCM_SamplesPerPixel, 3);
  put16(DCM_PlanarConfiguration, 0);
  put16(DCM_Rows, static_cast<Uint16>(rows));
  put16(DCM_Columns, static_cast<Uint16>(columns));
  put16(DCM_BitsAllocated, 8);
  put16(DCM_BitsStored, 8);
  put16(DCM_HighBit, 7);
  put16(DCM_PixelRepresentation, 0);
}

}  // namespace detail

WrittenObject write_secondary_capture(const std::vector<RgbImage>& figures, const ResultContext& context,
                                      const fs::path& out_file, const SecondaryCaptureOptions& options) {
  const std::string subject = out_file.string();
  if (figures.empty()) throw core::MyoError(subject, "no figure to write");
  // All frames of a multi-frame object share Rows/Columns: smaller figures are centred on a black canvas of the
  // largest width and height (a renderer that is a pixel off must not lose the report).
  int width = 0;
  int height = 0;
  for (std::size_t f = 0; f < figures.size(); ++f) {
    const auto& figure = figures[f];
    detail::check_rgb_image(figure, "figure " + std::to_string(f + 1), subject);
    width = std::max(width, figure.width);
    height = std::max(height, figure.height);
  }
  const std::size_t row_bytes = static_cast<std::size_t>(width) * 3;
  const std::size_t frame_bytes = row_bytes * static_cast<std::size_t>(height);
  std::vector<Uint8> pixels(frame_bytes * figures.size(), 0);
  for (std::size_t f = 0; f < figures.size(); ++f) {
    const auto& figure = figures[f];
    const std::size_t x0 = static_cast<std::size_t>((width - figure.width) / 2);
    const std::size_t y0 = static_cast<std::size_t>((height - figure.height) / 2);
    const std::size_t figure_row = static_cast<std::size_t>(figure.width) * 3;
    for (std::size_t y = 0; y < static_cast<std::size_t>(figure.height); ++y)
      std::copy_n(figure.rgb.begin() + static_cast<std::ptrdiff_t>(y * figure_row), figure_row,
                  pixels.begin() + static_cast<std::ptrdiff_t>(f * frame_bytes + (y0 + y) * row_bytes + x0 * 3));
  }
  if (pixels.size() % 2 != 0) pixels.push_back(0);  // OB values have even length

  const detail::SourceContext source = detail::make_source_context(context);
  const detail::NewInstance instance = detail::new_instance();
  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  detail::put_capture_header(ds, source, instance,
                             {UID_MultiframeTrueColorSecondaryCaptureImageStorage, options.series_number,
                              options.series_description, options.image_comments},
                             subject);
  detail::put_rgb_pixel_module(ds, height, width, subject);
  const auto put = [&](const DcmTagKey& tag, const std::string& value) {
    check(ds.putAndInsertString(tag, value.c_str()), subject, "cannot set secondary capture attribute");
  };
  put(DCM_InstanceNumber, "1");
  put(DCM_NumberOfFrames, std::to_string(figures.size()));
  if (figures.size() > 1) {  // type 1C: only for more than one frame
    check(ds.putAndInsertTagKey(DCM_FrameIncrementPointer, DCM_PageNumberVector), subject, "frame increment pointer");
    std::string pages;
    for (std::size_t f = 0; f < figures.size(); ++f) pages += (f ? "\\" : "") + std::to_string(f + 1);
    put(DCM_PageNumberVector, pages);
  }
  check(ds.putAndInsertUint8Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())), subject,
        "pixel data");
  detail::save_atomically(file, out_file);
  log::info("secondary capture: wrote {} figures to {}", figures.size(), out_file.string());
  return {out_file, UID_MultiframeTrueColorSecondaryCaptureImageStorage, instance.sop_instance_uid,
          instance.series_instance_uid, {}};
}

}  // namespace myo::dicom
