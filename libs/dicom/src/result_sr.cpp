// TID 1500 Measurement Report (Enhanced SR) of the muscle measurements, through DCMTK's dcmsr/cmr classes,
// shaped like dcmqi's tid1500writer: one TID 1411 Volumetric ROI group per SEG segment.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmsr/cmr/init.h>
#include <dcmtk/dcmsr/cmr/tid1500.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/version.hpp"
#include "myo/dicom/write.hpp"
#include "code_table.hpp"
#include "result_common.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;
using detail::check;
using detail::format_ds;

namespace {

DSRCodedEntryValue coded(const detail::Code& c) {
  return {std::string(c.value).c_str(), std::string(c.scheme).c_str(), std::string(c.meaning).c_str()};
}

using Roi = CMR_TID1411_in_TID1500;
using detail::Quantity;

// The channel whose series gives a quantity (report.json channel_coverage names), for withheld values.
const char* channel_of(Quantity q) {
  switch (q) {
    case Quantity::volume: return "";
    case Quantity::edema_fraction:
    case Quantity::edema_volume:
    case Quantity::stir_ratio:
    case Quantity::edema_grade: return "stir";
    case Quantity::water_t2_median: return "t2_map";
    default: return "fat";
  }
}

bool withheld(const SegmentMeasurement& m, Quantity q) {
  const std::string channel = channel_of(q);
  return !channel.empty() &&
         std::find(m.withheld_channels.begin(), m.withheld_channels.end(), channel) != m.withheld_channels.end();
}

// One TID 1419 measurement: the number, or, for a value that is no finite number or is withheld, no number and the
// reason as numeric value qualifier (CID 42). Quantities neither measured nor withheld are left out.
void add_number(Roi& roi, const SegmentMeasurement& m, Quantity q, std::optional<double> value,
                const std::string& subject) {
  const bool held = withheld(m, q);
  if (!value && !held) return;
  const detail::QuantityCode& code = detail::quantity_code(q);
  using Value = Roi::MeasurementValue;
  const Value number =
      value && std::isfinite(*value)
          ? Value(format_ds(*value).c_str(), CMR_CID7181(coded(*code.unit)), OFFalse)
          : Value(CID42_NumericValueQualifier(value ? CID42_NumericValueQualifier::NotANumber
                                                    : CID42_NumericValueQualifier::ValueIndeterminate),
                  OFFalse);
  check(roi.addMeasurement(CMR_CID7469(coded(code.concept_name)), number, OFFalse /*always a new one*/, OFFalse),
        subject, "measurement");
  if (code.derivation)
    check(roi.getMeasurement().setDerivation(CMR_CID7464(coded(*code.derivation)), OFFalse), subject, "derivation");
}

// A grade as text qualitative evaluation (TID 1411 row 17); withheld grades say so in the text.
void add_grade(Roi& roi, const SegmentMeasurement& m, Quantity q, const std::string& grade,
               const std::string& subject) {
  const std::string text = !grade.empty() ? grade : withheld(m, q) ? "withheld: series covers too little" : "";
  if (text.empty()) return;
  check(roi.addQualitativeEvaluation(coded(detail::quantity_code(q).concept_name), text.c_str(), OFFalse), subject,
        "qualitative evaluation");
}

void add_measurements(Roi& roi, const SegmentMeasurement& m, const std::string& subject) {
  add_number(roi, m, Quantity::volume, m.volume_ml, subject);
  add_number(roi, m, Quantity::fat_fraction_mean, m.fat_fraction_pct, subject);
  add_number(roi, m, Quantity::fat_fraction_median, m.fat_fraction_median_pct, subject);
  add_number(roi, m, Quantity::fat_replaced_volume, m.fat_replaced_volume_ml, subject);
  add_number(roi, m, Quantity::edema_fraction, m.edema_fraction_pct, subject);
  add_number(roi, m, Quantity::edema_volume, m.edema_volume_ml, subject);
  add_number(roi, m, Quantity::stir_ratio, m.stir_ratio, subject);
  add_number(roi, m, Quantity::water_t2_median, m.water_t2_ms, subject);
  const auto text = [](const std::optional<int>& grade) { return grade ? std::to_string(*grade) : std::string(); };
  add_grade(roi, m, Quantity::mercuri_grade, text(m.mercuri_grade), subject);
  add_grade(roi, m, Quantity::mercuri_modified_grade, m.mercuri_modified_grade, subject);
  add_grade(roi, m, Quantity::edema_grade, text(m.edema_grade), subject);
}

void initialize_cmr() {
  static std::once_flag once;
  std::call_once(once, [] { CMR_ContentMappingResource::initializeAllContextGroups(); });
}

}  // namespace

WrittenObject write_measurement_report(const std::vector<SegmentMeasurement>& measurements,
                                       const ResultContext& context, const WrittenObject& segmentation,
                                       const fs::path& out_file, const MeasurementReportOptions& options) {
  const std::string subject = out_file.string();
  if (measurements.empty()) throw core::MyoError(subject, "no measurement to report");
  if (segmentation.sop_instance_uid.empty())
    throw core::MyoError(subject, "the measurement report needs the SEG it refers to (write_segmentation first)");
  initialize_cmr();
  const detail::SourceContext source = detail::make_source_context(context);
  const detail::NewInstance instance = detail::new_instance();
  const auto& catalog = core::MuscleCatalog::instance();

  TID1500_MeasurementReport report(CMR_CID7021::ImagingMeasurementReport);
  check(report.getObservationContext().addDeviceObserver(new_uid().c_str(), core::software_name(),
                                                          core::software_name(), core::software_name()),
        subject, "observer context");
  check(report.addProcedureReported(CMR_CID100::MRIUnspecifiedBodyRegion), subject, "procedure reported");

  // Image library: the source images the segments were drawn on.
  {
    TID1600_ImageLibrary& library = report.getImageLibrary();
    if (!library.hasImageLibrary()) check(library.createNewImageLibrary(), subject, "image library");
    check(library.addImageGroup(), subject, "image library");
    for (const auto& image : source.images) {
      DcmItem entry;
      entry.putAndInsertString(DCM_SOPClassUID, image.sop_class_uid.c_str());
      entry.putAndInsertString(DCM_SOPInstanceUID, image.sop_instance_uid.c_str());
      entry.putAndInsertString(DCM_Modality, source.modality.c_str());
      const OFCondition added = library.addImageEntry(entry, TID1600_ImageLibrary::withoutDescriptors);
      if (added != CMR_EC_NoImageLibraryEntryDescriptorsToBeAdded) check(added, subject, "image library entry");
    }
  }

  std::size_t groups = 0;
  for (const auto& m : measurements) {
    const core::MuscleGroup* group = catalog.find(m.group);
    if (!group) {
      log::warn("SR: group '{}' is not in the muscle catalogue; not reported", m.group);
      continue;
    }
    const detail::SegmentCoding coding = detail::segment_coding(*group, m.side);
    const auto it = std::find(segmentation.segments.begin(), segmentation.segments.end(), coding.tracking_id);
    if (it == segmentation.segments.end()) {
      log::warn("SR: {} has no segment in the SEG; not reported", coding.tracking_id);
      continue;
    }
    const auto segment_number = static_cast<Uint16>(it - segmentation.segments.begin() + 1);

    check(report.addVolumetricROIMeasurements(), subject, "measurement group");
    auto& roi = report.getVolumetricROIMeasurements();
    check(roi.setTrackingIdentifier(coding.label.c_str()), subject, "tracking identifier");
    // The segment's TrackingUID (write_segmentation derives it the same way), so SR group and segment pair up.
    check(roi.setTrackingUniqueIdentifier(
              uid_from_key("myoscope-tracking|" + source.study_instance_uid + "|" + coding.tracking_id).c_str()),
          subject, "tracking UID");
    const DSRCodedEntryValue structure = coded(coding.code->structure);
    check(roi.setFinding(structure), subject, "finding");
    DSRImageReferenceValue segment_reference(UID_SegmentationStorage, segmentation.sop_instance_uid.c_str());
    segment_reference.getSegmentList().addItem(segment_number);
    check(roi.setReferencedSegment(segment_reference), subject, "referenced segment");
    check(roi.setSourceSeriesForSegmentation(source.series_instance_uid.c_str()), subject, "source series");
    check(roi.addFindingSite(structure, CID244e_Laterality(m.side == core::Side::right ? "R" : "L")), subject,
          "finding site");
    add_measurements(roi, m, subject);
    ++groups;
  }
  if (groups == 0) throw core::MyoError(subject, "no measurement matches a segment of the SEG");

  // Enhanced SR: the report has no spatial coordinates, and Enhanced SR is the class more PACS and viewers accept
  // (DCMTK would choose it for this content anyway).
  DSRDocument document(DSRTypes::DT_EnhancedSR);
  check(document.setTreeFromRootTemplate(report, OFTrue /*expand*/), subject, "cannot build the SR tree");
  check(document.createNewSeriesInStudy(source.study_instance_uid.c_str()), subject, "series");
  check(document.setSeriesDescription(options.series_description.c_str()), subject, "series description");
  check(document.setManufacturer(core::software_name()), subject, "manufacturer");
  check(document.completeDocument(), subject, "completion flag");
  // Evidence: the SEG and every source image (type 1C: the document references them).
  auto& evidence = document.getCurrentRequestedProcedureEvidence();
  check(evidence.addItem(source.study_instance_uid.c_str(), segmentation.series_instance_uid.c_str(),
                         UID_SegmentationStorage, segmentation.sop_instance_uid.c_str()),
        subject, "evidence");
  for (const auto& image : source.images)
    check(evidence.addItem(source.study_instance_uid.c_str(), source.series_instance_uid.c_str(),
                           image.sop_class_uid.c_str(), image.sop_instance_uid.c_str()),
          subject, "evidence");

  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  check(document.write(ds), subject, "cannot encode SR");
  detail::put_coding_scheme_identification(ds, subject);
  detail::put_patient_study(ds, source);
  delete ds.remove(DCM_FrameOfReferenceUID);  // an SR has no frame of reference module
  delete ds.remove(DCM_PositionReferenceIndicator);
  delete ds.remove(DCM_BodyPartExamined);
  detail::put_series_equipment(ds, source, instance, "SR", options.series_number, options.series_description);
  detail::save_atomically(file, out_file);
  log::info("SR: wrote {} measurement groups to {}", groups, out_file.string());
  return {out_file, UID_EnhancedSRStorage, instance.sop_instance_uid, instance.series_instance_uid, {}};
}

}  // namespace myo::dicom
