// The overlay series: one Secondary Capture Image instance per axial slice, numbered head to feet, with what the SC
// IOD allows a viewer to place and measure (PatientOrientation, PixelSpacing) and a reference to the source image.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/dicom/pacs_results.hpp"
#include "myo/dicom/write.hpp"
#include "result_capture.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;
using detail::check;

namespace {

// Patient direction letter of a unit vector's dominant LPS axis (PS3.3 C.7.6.1.1.1).
char direction_letter(const core::Vec3& v) {
  std::size_t a = 0;
  for (std::size_t i = 1; i < 3; ++i)
    if (std::abs(v[i]) > std::abs(v[a])) a = i;
  static constexpr char kPositive[] = {'L', 'P', 'H'};
  static constexpr char kNegative[] = {'R', 'A', 'F'};
  return v[a] >= 0 ? kPositive[a] : kNegative[a];
}

core::Vec3 normal_of(const PlacedRgbImage& slice) {
  const auto& r = slice.placement.row_direction;
  const auto& c = slice.placement.column_direction;
  return {r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]};
}

// The source image lying on the slice (within half a slice spacing along its normal), if any.
const detail::SourceImage* source_image_of(const PlacedRgbImage& slice, const detail::SourceContext& source) {
  const core::Vec3 n = normal_of(slice);
  const detail::SourceImage* best = nullptr;
  double best_distance = 0.5 * slice.placement.slice_spacing_mm;
  const core::Vec3& first = slice.placement.first_pixel_mm;
  for (const auto& image : source.images) {
    const core::Vec3 d{image.position[0] - first[0], image.position[1] - first[1], image.position[2] - first[2]};
    const double distance = std::abs(core::dot(d, n));
    if (distance <= best_distance) {
      best = &image;
      best_distance = distance;
    }
  }
  return best;
}

void put_source_reference(DcmDataset& ds, const detail::SourceImage& image, const std::string& subject) {
  DcmItem* item = nullptr;
  check(ds.findOrCreateSequenceItem(DCM_SourceImageSequence, item, 0), subject, "source image sequence");
  check(item->putAndInsertString(DCM_ReferencedSOPClassUID, image.sop_class_uid.c_str()), subject, "source image");
  check(item->putAndInsertString(DCM_ReferencedSOPInstanceUID, image.sop_instance_uid.c_str()), subject,
        "source image");
  if (image.frame_number > 0)
    check(item->putAndInsertString(DCM_ReferencedFrameNumber, std::to_string(image.frame_number).c_str()), subject,
          "source frame number");
  DcmItem* purpose = nullptr;
  check(item->findOrCreateSequenceItem(DCM_PurposeOfReferenceCodeSequence, purpose, 0), subject, "purpose");
  purpose->putAndInsertString(DCM_CodeValue, "121322");
  purpose->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
  purpose->putAndInsertString(DCM_CodeMeaning, "Source image for image processing operation");
}

// One instance: the shared capture header, the slice's placement values and its pixels.
WrittenObject write_slice(const PlacedRgbImage& slice, int number, const detail::SourceContext& source,
                          const detail::NewInstance& instance, const OverlaySeriesOptions& options,
                          const fs::path& out_file) {
  const std::string subject = out_file.string();
  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  detail::put_capture_header(
      ds, source, instance,
      {UID_SecondaryCaptureImageStorage, options.series_number, options.series_description, options.image_comments},
      subject);
  detail::put_rgb_pixel_module(ds, slice.image.height, slice.image.width, subject);
  const auto put = [&](const DcmTagKey& tag, const std::string& value) {
    check(ds.putAndInsertString(tag, value.c_str()), subject, "cannot set overlay attribute");
  };
  put(DCM_InstanceNumber, std::to_string(number));
  put(DCM_PatientOrientation,
      fmt::format("{}\\{}", direction_letter(slice.placement.row_direction),
                  direction_letter(slice.placement.column_direction)));
  // SC Image module: PixelSpacing with its calibration type (the spacing of the patient's anatomy in the image).
  const std::string spacing = detail::format_ds(slice.placement.pixel_spacing_mm);
  put(DCM_PixelSpacing, spacing + "\\" + spacing);
  put(DCM_PixelSpacingCalibrationType, "GEOMETRY");
  put(DCM_PixelSpacingCalibrationDescription, "Pixel spacing of the analysis grid at the patient");
  put(DCM_DerivationDescription, "Rendered from the analysis grid (reference series) by MyoScope");
  if (const auto* image = source_image_of(slice, source)) put_source_reference(ds, *image, subject);
  std::vector<Uint8> pixels(slice.image.rgb.begin(), slice.image.rgb.end());
  if (pixels.size() % 2 != 0) pixels.push_back(0);  // OB values have even length
  check(ds.putAndInsertUint8Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())), subject,
        "pixel data");
  detail::save_atomically(file, out_file);
  return {out_file, UID_SecondaryCaptureImageStorage, instance.sop_instance_uid, instance.series_instance_uid, {}};
}

}  // namespace

std::vector<WrittenObject> write_overlay_series(const std::vector<PlacedRgbImage>& slices, const ResultContext& context,
                                                const fs::path& out_dir, const OverlaySeriesOptions& options) {
  if (slices.empty()) throw core::MyoError(out_dir.string(), "no overlay slice to write");
  for (std::size_t i = 0; i < slices.size(); ++i)
    detail::check_rgb_image(slices[i].image, "overlay slice " + std::to_string(i + 1), out_dir.string());
  // Head to feet: the most superior slice (largest LPS z) is instance 1.
  std::vector<std::size_t> order(slices.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return slices[a].placement.first_pixel_mm[2] > slices[b].placement.first_pixel_mm[2];
  });
  const detail::SourceContext source = detail::make_source_context(context);
  detail::NewInstance instance = detail::new_instance();
  std::vector<WrittenObject> written;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i > 0) instance.sop_instance_uid = new_uid();  // one series, a new instance per slice
    const fs::path file = out_dir / fmt::format("overlay_{:03d}.dcm", i + 1);
    written.push_back(write_slice(slices[order[i]], static_cast<int>(i + 1), source, instance, options, file));
  }
  log::info("overlay series: wrote {} slices to {}", written.size(), out_dir.string());
  return written;
}

}  // namespace myo::dicom
