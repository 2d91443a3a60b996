#include "result_frames.hpp"

#include <set>

#include "myo/core/error.hpp"

namespace myo::dicom::detail {

std::unique_ptr<FGPlaneOrientationPatient> plane_orientation(const core::Geometry& grid, const std::string& subject) {
  const core::Vec3 row = grid.axis(0);
  const core::Vec3 column = grid.axis(1);
  std::unique_ptr<FGPlaneOrientationPatient> orientation(FGPlaneOrientationPatient::createMinimal(
      format_ds(row[0]).c_str(), format_ds(row[1]).c_str(), format_ds(row[2]).c_str(), format_ds(column[0]).c_str(),
      format_ds(column[1]).c_str(), format_ds(column[2]).c_str()));
  if (!orientation) throw core::MyoError(subject, "cannot create the plane orientation");
  return orientation;
}

std::unique_ptr<FGPixelMeasures> pixel_measures(const core::Geometry& grid, const std::string& subject) {
  auto measures = std::make_unique<FGPixelMeasures>();
  check(measures->setPixelSpacing((format_ds(grid.spacing_mm[1]) + "\\" + format_ds(grid.spacing_mm[0])).c_str()),
        subject, "pixel spacing");
  check(measures->setSliceThickness(format_ds(grid.spacing_mm[2]).c_str()), subject, "slice thickness");
  check(measures->setSpacingBetweenSlices(format_ds(grid.spacing_mm[2]).c_str()), subject, "slice spacing");
  return measures;
}

std::unique_ptr<FGPlanePosPatient> slice_position(const core::Geometry& grid, std::size_t k, const std::string& subject) {
  auto position = std::make_unique<FGPlanePosPatient>();
  const core::Vec3 origin = grid.index_to_physical({0.0, 0.0, static_cast<double>(k)});
  check(position->setImagePositionPatient(format_ds(origin[0]).c_str(), format_ds(origin[1]).c_str(),
                                          format_ds(origin[2]).c_str()),
        subject, "image position");
  return position;
}

void add_derivation(FGDerivationImage& derivation, const CodeSequenceMacro& how, const SourceImage& image,
                    const std::string& subject) {
  DerivationImageItem* derivation_item = nullptr;
  check(derivation.addDerivationImageItem(how, "", derivation_item), subject, "derivation image");
  auto source_item = std::make_unique<SourceImageItem>();
  check(source_item->getPurposeOfReferenceCode().set("121322", "DCM", "Source image for image processing operation"),
        subject, "purpose of reference");
  ImageSOPInstanceReferenceMacro& reference = source_item->getImageSOPInstanceReference();
  check(reference.setReferencedSOPClassUID(image.sop_class_uid.c_str()), subject, "source image");
  check(reference.setReferencedSOPInstanceUID(image.sop_instance_uid.c_str()), subject, "source image");
  derivation_item->getSourceImageItems().push_back(source_item.release());  // owned by the derivation item
}

std::unique_ptr<IODSeriesAndInstanceReferenceMacro::ReferencedSeriesItem> referenced_series(
    const SourceContext& source, const std::vector<const SourceImage*>& per_slice, bool once,
    const std::string& subject) {
  auto series_item = std::make_unique<IODSeriesAndInstanceReferenceMacro::ReferencedSeriesItem>();
  check(series_item->setSeriesInstanceUID(source.series_instance_uid.c_str()), subject, "referenced series");
  std::set<std::string> seen;
  for (const auto* image : per_slice) {
    if (!image || (once && !seen.insert(image->sop_instance_uid).second)) continue;
    auto instance_item = std::make_unique<SOPInstanceReferenceMacro>();
    check(instance_item->setReferencedSOPClassUID(image->sop_class_uid.c_str()), subject, "referenced instance");
    check(instance_item->setReferencedSOPInstanceUID(image->sop_instance_uid.c_str()), subject, "referenced instance");
    series_item->getReferencedInstanceItems().push_back(instance_item.release());  // owned by the series item
  }
  if (series_item->getReferencedInstanceItems().empty()) return nullptr;
  return series_item;
}

}  // namespace myo::dicom::detail
