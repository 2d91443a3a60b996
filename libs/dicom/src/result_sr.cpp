// TID 1500 Measurement Report (Enhanced SR) of the muscle measurements, through DCMTK's dcmsr/cmr classes,
// shaped like dcmqi's tid1500writer: one TID 1411 Volumetric ROI group per SEG segment.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmsr/cmr/init.h>
#include <dcmtk/dcmsr/cmr/tid1500.h>
#include <dcmtk/dcmsr/codes/dcm.h>
#include <dcmtk/dcmsr/codes/ucum.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/version.hpp"
#include "myo/dicom/write.hpp"
#include "result_common.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;
using detail::check;
using detail::format_ds;

namespace {

// MyoScope's own codes for quantities without a standard code (private coding scheme, PS3.16 8.2 "99" prefix).
DSRCodedEntryValue myo_code(const char* value, const char* meaning) { return {value, "99MYO", meaning}; }

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
    const DSRCodedEntryValue structure(coding.type_code.c_str(), detail::kSct, coding.type_meaning.c_str());
    check(roi.setFinding(structure), subject, "finding");
    DSRImageReferenceValue segment_reference(UID_SegmentationStorage, segmentation.sop_instance_uid.c_str());
    segment_reference.getSegmentList().addItem(segment_number);
    check(roi.setReferencedSegment(segment_reference), subject, "referenced segment");
    check(roi.setSourceSeriesForSegmentation(source.series_instance_uid.c_str()), subject, "source series");
    check(roi.addFindingSite(structure, CID244e_Laterality(m.side == core::Side::right ? "R" : "L")), subject,
          "finding site");

    const auto add = [&](const DSRCodedEntryValue& concept_name, double value, const DSRCodedEntryValue& unit,
                         const DSRCodedEntryValue* derivation) {
      const CMR_TID1411_in_TID1500::MeasurementValue number(format_ds(value).c_str(),
                                                            CMR_CID7181(unit), OFFalse /*extensible*/);
      check(roi.addMeasurement(CMR_CID7469(concept_name), number, OFFalse /*always a new one*/, OFFalse), subject,
            "measurement");
      if (derivation) check(roi.getMeasurement().setDerivation(CMR_CID7464(*derivation), OFFalse), subject, "derivation");
    };
    const DSRCodedEntryValue ml("ml", "UCUM", "ml");  // as dcmqi writes mL
    const DSRCodedEntryValue percent("%", "UCUM", "%");
    const DSRCodedEntryValue mean("373098007", "SCT", "Mean");
    const DSRCodedEntryValue median("373099004", "SCT", "Median");
    if (m.volume_ml) add(DSRCodedEntryValue("118565006", "SCT", "Volume"), *m.volume_ml, ml, nullptr);
    if (m.fat_fraction_pct) add(CODE_DCM_FatFraction, *m.fat_fraction_pct, percent, &mean);
    if (m.fat_fraction_median_pct) add(CODE_DCM_FatFraction, *m.fat_fraction_median_pct, percent, &median);
    if (m.fat_replaced_volume_ml)
      add(myo_code("FATREPLVOL", "Fat-replaced volume (fat fraction above threshold)"), *m.fat_replaced_volume_ml,
          ml, nullptr);
    if (m.edema_fraction_pct)
      add(myo_code("EDEMAFRAC", "Edema fraction (percent of voxels)"), *m.edema_fraction_pct, percent, nullptr);
    if (m.edema_volume_ml) add(myo_code("EDEMAVOL", "Edema volume"), *m.edema_volume_ml, ml, nullptr);
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
