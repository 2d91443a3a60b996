// Parametric Map (float pixels + Real World Value Mapping) of a quantity on the reference grid, through DCMTK's
// dcmpmap, shaped like dcmqi's itkimage2paramap.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgframeanatomy.h>
#include <dcmtk/dcmfg/fgparametricmapframetype.h>
#include <dcmtk/dcmfg/fgpixeltransform.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmfg/fgrealworldvaluemapping.h>
#include <dcmtk/dcmiod/iodcontentitemmacro.h>
#include <dcmtk/dcmiod/modfloatingpointimagepixel.h>
#include <dcmtk/dcmpmap/dpmparametricmapiod.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/version.hpp"
#include "result_common.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;
using detail::check;
using detail::format_ds;

namespace {

struct QuantityCode {
  std::string value;
  std::string scheme;
  std::string meaning;
};

QuantityCode quantity_code(const std::string& quantity) {
  if (quantity == "fat_fraction") return {"129100", "DCM", "Fat fraction"};
  std::string value = quantity;
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) {
    return std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
  });
  std::string meaning = quantity;
  std::replace(meaning.begin(), meaning.end(), '_', ' ');
  return {value.substr(0, 16), "99MYO", meaning.substr(0, 64)};
}

}  // namespace

WrittenObject write_parametric_map(const core::ImageVolume& values, const std::string& quantity,
                                   const std::string& unit_ucum, const ResultContext& context, const fs::path& out_file,
                                   const ParametricMapOptions& options) {
  values.check();
  const std::string subject = out_file.string();
  const core::Geometry& g = values.geometry;
  if (g.voxel_count() == 0) throw core::MyoError(subject, "empty image");
  if (g.size[0] > 65535 || g.size[1] > 65535) throw core::MyoError(subject, "slices too large for DICOM");
  const detail::SourceContext source = detail::make_source_context(context);
  const auto source_per_slice = source.images_per_slice(g);
  const detail::NewInstance instance = detail::new_instance();
  const QuantityCode code = quantity_code(quantity);
  const std::string description =
      options.series_description.empty() ? "MyoScope " + code.meaning : options.series_description;

  IODEnhGeneralEquipmentModule::EquipmentInfo equipment(core::software_name(), "1", core::software_name(),
                                                        source.software_version.c_str());
  ContentIdentificationMacro identification("1", "MAP", description.substr(0, 64).c_str(), "");
  auto created = DPMParametricMapIOD::create<IODFloatingPointImagePixelModule>(
      source.modality.c_str(), std::to_string(options.series_number).c_str(), "1", static_cast<Uint16>(g.size[1]),
      static_cast<Uint16>(g.size[0]), equipment, identification, "VOLUME", "NONE", DPMTypes::CQ_RESEARCH);
  if (OFCondition* error = OFget<OFCondition>(&created)) check(*error, subject, "cannot create parametric map");
  DPMParametricMapIOD* map = OFget<DPMParametricMapIOD>(&created);
  if (!map) throw core::MyoError(subject, "cannot create parametric map");
  {
    DcmDataset hierarchy;
    detail::put_patient_study_for_import(hierarchy, source);
    check(map->importHierarchy(hierarchy, OFTrue, OFTrue, OFTrue, OFFalse), subject, "cannot set patient/study");
  }

  char dimension_uid[100];
  dcmGenerateUniqueIdentifier(dimension_uid, SITE_INSTANCE_UID_ROOT);
  check(map->getIODMultiframeDimensionModule().addDimensionIndex(DCM_ImagePositionPatient, dimension_uid,
                                                                  DCM_PlanePositionSequence, "ImagePositionPatient"),
        subject, "dimension index");

  // Shared functional groups.
  {
    FGPixelMeasures measures;
    check(measures.setPixelSpacing((format_ds(g.spacing_mm[1]) + "\\" + format_ds(g.spacing_mm[0])).c_str()), subject,
          "pixel spacing");
    check(measures.setSliceThickness(format_ds(g.spacing_mm[2]).c_str()), subject, "slice thickness");
    check(measures.setSpacingBetweenSlices(format_ds(g.spacing_mm[2]).c_str()), subject, "slice spacing");
    check(map->addForAllFrames(measures), subject, "pixel measures");
    const core::Vec3 row = g.axis(0);
    const core::Vec3 column = g.axis(1);
    std::unique_ptr<FGPlaneOrientationPatient> orientation(FGPlaneOrientationPatient::createMinimal(
        format_ds(row[0]).c_str(), format_ds(row[1]).c_str(), format_ds(row[2]).c_str(), format_ds(column[0]).c_str(),
        format_ds(column[1]).c_str(), format_ds(column[2]).c_str()));
    if (!orientation) throw core::MyoError(subject, "cannot create the plane orientation");
    check(map->addForAllFrames(*orientation), subject, "plane orientation");

    FGFrameAnatomy anatomy;
    check(anatomy.setLaterality(FGFrameAnatomy::LATERALITY_BOTH), subject, "frame laterality");
    check(anatomy.getAnatomy().getAnatomicRegion().set("68367000", "SCT", "Thigh"), subject, "anatomic region");
    check(map->addForAllFrames(anatomy), subject, "frame anatomy");

    FGPixelValueTransformation identity;
    identity.setUseAsIdentityPixelValueTransformation();
    check(map->addForAllFrames(identity), subject, "pixel value transformation");

    FGParametricMapFrameType frame_type;
    check(frame_type.setFrameType("DERIVED\\PRIMARY\\VOLUME\\NONE"), subject, "frame type");
    check(map->addForAllFrames(frame_type), subject, "frame type");

    float lowest = std::numeric_limits<float>::max();
    float highest = std::numeric_limits<float>::lowest();
    for (const float v : values.voxels) {
      if (!std::isfinite(v)) continue;
      lowest = std::min(lowest, v);
      highest = std::max(highest, v);
    }
    if (lowest > highest) lowest = highest = 0.0F;
    FGRealWorldValueMapping mapping;
    auto item = std::make_unique<FGRealWorldValueMapping::RWVMItem>();
    check(item->setRealWorldValueSlope(1.0), subject, "real world value slope");
    check(item->setRealWorldValueIntercept(0.0), subject, "real world value intercept");
    check(item->setDoubleFloatRealWorldValueFirstValueMapped(lowest), subject, "first value mapped");
    check(item->setDoubleFloatRealWorldValueLastValueMapped(highest), subject, "last value mapped");
    check(item->getMeasurementUnitsCode().set(unit_ucum.c_str(), "UCUM", unit_ucum.c_str()), subject, "units");
    check(item->setLUTExplanation(code.meaning.c_str()), subject, "LUT explanation");
    check(item->setLUTLabel(code.value.c_str()), subject, "LUT label");
    auto quantity_item = std::make_unique<ContentItemMacro>();
    check(quantity_item->setValueType(ContentItemMacro::VT_CODE), subject, "quantity definition");
    quantity_item->getEntireConceptNameCodeSequence().push_back(new CodeSequenceMacro("246205007", "SCT", "Quantity"));
    quantity_item->getEntireConceptCodeSequence().push_back(
        new CodeSequenceMacro(code.value.c_str(), code.scheme.c_str(), code.meaning.c_str()));
    item->getEntireQuantityDefinitionSequence().push_back(quantity_item.release());  // owned by the item
    mapping.getRealWorldValueMapping().push_back(item.release());                    // owned by the group
    check(map->addForAllFrames(mapping), subject, "real world value mapping");
  }

  // Referenced series (Common Instance Reference).
  {
    auto& referenced = map->getIODCommonInstanceReferenceModule().getReferencedSeriesItems();
    auto series_item = std::make_unique<IODSeriesAndInstanceReferenceMacro::ReferencedSeriesItem>();
    check(series_item->setSeriesInstanceUID(source.series_instance_uid.c_str()), subject, "referenced series");
    for (const auto* image : source_per_slice) {
      if (!image) continue;
      auto instance_item = std::make_unique<SOPInstanceReferenceMacro>();
      check(instance_item->setReferencedSOPClassUID(image->sop_class_uid.c_str()), subject, "referenced instance");
      check(instance_item->setReferencedSOPInstanceUID(image->sop_instance_uid.c_str()), subject, "referenced instance");
      series_item->getReferencedInstanceItems().push_back(instance_item.release());
    }
    if (!series_item->getReferencedInstanceItems().empty()) referenced.push_back(series_item.release());
  }

  auto frames_variant = map->getFrames();
  auto* frames = OFget<DPMParametricMapIOD::Frames<Float32>>(&frames_variant);
  if (!frames) throw core::MyoError(subject, "parametric map has no float frames");
  const std::size_t frame_pixels = g.size[0] * g.size[1];
  std::vector<Float32> frame(frame_pixels);
  std::vector<int> source_frame_numbers(g.size[2], 0);
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    const float* slice = values.voxels.data() + k * frame_pixels;
    for (std::size_t p = 0; p < frame_pixels; ++p) frame[p] = std::isfinite(slice[p]) ? slice[p] : 0.0F;
    FGPlanePosPatient position;
    const core::Vec3 origin = g.index_to_physical({0.0, 0.0, static_cast<double>(k)});
    check(position.setImagePositionPatient(format_ds(origin[0]).c_str(), format_ds(origin[1]).c_str(),
                                           format_ds(origin[2]).c_str()),
          subject, "image position");
    FGFrameContent content;
    check(content.setDimensionIndexValues(static_cast<Uint32>(k + 1), 0), subject, "dimension index value");
    OFVector<FGBase*> per_frame;
    per_frame.push_back(&position);
    per_frame.push_back(&content);
    FGDerivationImage derivation;
    if (const auto* image = source_per_slice[k]) {
      DerivationImageItem* derivation_item = nullptr;
      check(derivation.addDerivationImageItem(CodeSequenceMacro("113046", "DCM", "Pixel by pixel division"), "",
                                              derivation_item),
            subject, "derivation image");
      auto source_item = std::make_unique<SourceImageItem>();
      check(source_item->getPurposeOfReferenceCode().set("121322", "DCM", "Source image for image processing operation"),
            subject, "purpose of reference");
      check(source_item->getImageSOPInstanceReference().setReferencedSOPClassUID(image->sop_class_uid.c_str()), subject,
            "source image");
      check(source_item->getImageSOPInstanceReference().setReferencedSOPInstanceUID(image->sop_instance_uid.c_str()),
            subject, "source image");
      derivation_item->getSourceImageItems().push_back(source_item.release());
      per_frame.push_back(&derivation);
      source_frame_numbers[k] = image->frame_number;
    }
    check(frames->addFrame(frame.data(), frame_pixels, per_frame), subject, "cannot add frame " + std::to_string(k + 1));
  }

  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  check(map->getIODGeneralEquipmentModule().setManufacturer(core::software_name()), subject, "manufacturer");
  check(map->writeDataset(ds), subject, "cannot encode parametric map");
  detail::put_source_frame_numbers(ds, source_frame_numbers, subject);
  detail::put_coding_scheme_identification(ds, subject);  // quantities other than fat fraction have private codes
  detail::put_patient_study(ds, source);
  detail::put_series_equipment(ds, source, instance, source.modality, options.series_number, description);
  detail::save_atomically(file, out_file);
  log::info("parametric map: wrote {} frames of {} to {}", g.size[2], quantity, out_file.string());
  return {out_file, UID_ParametricMapStorage, instance.sop_instance_uid, instance.series_instance_uid, {}};
}

}  // namespace myo::dicom
