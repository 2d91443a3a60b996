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
#include <utility>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/version.hpp"
#include "result_common.hpp"
#include "result_frames.hpp"

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

// Shared functional groups of the map: grid, frame anatomy (both thighs), identity pixel transformation and the
// frame type.
void add_frame_groups(DPMParametricMapIOD& map, const core::Geometry& g, const std::string& subject) {
  check(map.addForAllFrames(*detail::pixel_measures(g, subject)), subject, "pixel measures");
  check(map.addForAllFrames(*detail::plane_orientation(g, subject)), subject, "plane orientation");
  FGFrameAnatomy anatomy;
  check(anatomy.setLaterality(FGFrameAnatomy::LATERALITY_BOTH), subject, "frame laterality");
  check(anatomy.getAnatomy().getAnatomicRegion().set("68367000", "SCT", "Thigh"), subject, "anatomic region");
  check(map.addForAllFrames(anatomy), subject, "frame anatomy");
  FGPixelValueTransformation identity;
  identity.setUseAsIdentityPixelValueTransformation();
  check(map.addForAllFrames(identity), subject, "pixel value transformation");
  FGParametricMapFrameType frame_type;
  check(frame_type.setFrameType("DERIVED\\PRIMARY\\VOLUME\\NONE"), subject, "frame type");
  check(map.addForAllFrames(frame_type), subject, "frame type");
}

// The lowest and highest finite value (both 0 when there is none).
std::pair<float, float> finite_range(const std::vector<float>& voxels) {
  float lowest = std::numeric_limits<float>::max();
  float highest = std::numeric_limits<float>::lowest();
  for (const float v : voxels) {
    if (!std::isfinite(v)) continue;
    lowest = std::min(lowest, v);
    highest = std::max(highest, v);
  }
  if (lowest > highest) lowest = highest = 0.0F;
  return {lowest, highest};
}

// Real World Value Mapping: identity slope and intercept over the values' range, the unit (UCUM) and the quantity.
void add_value_mapping(DPMParametricMapIOD& map, const core::ImageVolume& values, const QuantityCode& code,
                       const std::string& unit_ucum, const std::string& subject) {
  const auto [lowest, highest] = finite_range(values.voxels);
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
  check(map.addForAllFrames(mapping), subject, "real world value mapping");
}

// One float frame per slice (non-finite values as 0) with its position and derivation; returns per slice the frame
// of a multi-frame source (0 for none).
std::vector<int> add_frames(DPMParametricMapIOD& map, const core::ImageVolume& values,
                            const std::vector<const detail::SourceImage*>& source_per_slice, const std::string& subject) {
  const core::Geometry& g = values.geometry;
  auto frames_variant = map.getFrames();
  auto* frames = OFget<DPMParametricMapIOD::Frames<Float32>>(&frames_variant);
  if (!frames) throw core::MyoError(subject, "parametric map has no float frames");
  const std::size_t frame_pixels = g.size[0] * g.size[1];
  std::vector<Float32> frame(frame_pixels);
  std::vector<int> source_frame_numbers(g.size[2], 0);
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    const float* slice = values.voxels.data() + k * frame_pixels;
    for (std::size_t p = 0; p < frame_pixels; ++p) frame[p] = std::isfinite(slice[p]) ? slice[p] : 0.0F;
    const auto position = detail::slice_position(g, k, subject);
    FGFrameContent content;
    check(content.setDimensionIndexValues(static_cast<Uint32>(k + 1), 0), subject, "dimension index value");
    OFVector<FGBase*> per_frame;
    per_frame.push_back(position.get());
    per_frame.push_back(&content);
    FGDerivationImage derivation;
    if (const auto* image = source_per_slice[k]) {
      detail::add_derivation(derivation, CodeSequenceMacro("113046", "DCM", "Pixel by pixel division"), *image, subject);
      per_frame.push_back(&derivation);
      source_frame_numbers[k] = image->frame_number;
    }
    check(frames->addFrame(frame.data(), frame_pixels, per_frame), subject, "cannot add frame " + std::to_string(k + 1));
  }
  return source_frame_numbers;
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
  DcmDataset hierarchy;
  detail::put_patient_study_for_import(hierarchy, source);
  check(map->importHierarchy(hierarchy, OFTrue, OFTrue, OFTrue, OFFalse), subject, "cannot set patient/study");
  char dimension_uid[100];
  dcmGenerateUniqueIdentifier(dimension_uid, SITE_INSTANCE_UID_ROOT);
  check(map->getIODMultiframeDimensionModule().addDimensionIndex(DCM_ImagePositionPatient, dimension_uid,
                                                                  DCM_PlanePositionSequence, "ImagePositionPatient"),
        subject, "dimension index");
  add_frame_groups(*map, g, subject);
  add_value_mapping(*map, values, code, unit_ucum, subject);
  if (auto series = detail::referenced_series(source, source_per_slice, false, subject)) {
    map->getIODCommonInstanceReferenceModule().getReferencedSeriesItems().push_back(series.release());  // owned by the map
  }
  const auto source_frame_numbers = add_frames(*map, values, source_per_slice, subject);

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
