// The PDF report as an Encapsulated PDF object in the patient's study.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <set>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/dicom/pacs_results.hpp"
#include "result_common.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;
using detail::check;

namespace {

std::vector<Uint8> read_pdf(const fs::path& pdf_file) {
  if (!fs::is_regular_file(pdf_file)) throw core::MyoError(pdf_file.string(), "PDF report not found");
  const std::string bytes = core::read_text_file(pdf_file);
  if (bytes.rfind("%PDF-", 0) != 0) throw core::MyoError(pdf_file.string(), "not a PDF file (no %PDF- header)");
  if (bytes.size() > 0xFFFFFFF0U) throw core::MyoError(pdf_file.string(), "PDF too large for DICOM");
  return {bytes.begin(), bytes.end()};
}

// Every image of the reference series the report was computed from, once.
void put_source_instances(DcmDataset& ds, const detail::SourceContext& source, const std::string& subject) {
  std::set<std::string> seen;
  long index = 0;
  for (const auto& image : source.images) {
    if (!seen.insert(image.sop_instance_uid).second) continue;
    DcmItem* item = nullptr;
    check(ds.findOrCreateSequenceItem(DCM_SourceInstanceSequence, item, index++), subject, "source instance");
    check(item->putAndInsertString(DCM_ReferencedSOPClassUID, image.sop_class_uid.c_str()), subject, "source instance");
    check(item->putAndInsertString(DCM_ReferencedSOPInstanceUID, image.sop_instance_uid.c_str()), subject,
          "source instance");
  }
}

}  // namespace

WrittenObject write_encapsulated_pdf(const fs::path& pdf_file, const ResultContext& context, const fs::path& out_file,
                                     const EncapsulatedPdfOptions& options) {
  const std::string subject = out_file.string();
  std::vector<Uint8> document = read_pdf(pdf_file);
  const auto length = static_cast<Uint32>(document.size());
  if (document.size() % 2 != 0) document.push_back(0);  // OB values have even length; the length says where it ends

  const detail::SourceContext source = detail::make_source_context(context);
  const detail::NewInstance instance = detail::new_instance();
  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  const auto put = [&](const DcmTagKey& tag, const std::string& value) {
    check(ds.putAndInsertString(tag, value.c_str()), subject, "cannot set encapsulated PDF attribute");
  };
  put(DCM_SOPClassUID, UID_EncapsulatedPDFStorage);
  detail::put_patient_study(ds, source);
  // The Encapsulated PDF IOD has no frame of reference and no General Series body part.
  delete ds.remove(DCM_PositionReferenceIndicator);
  delete ds.remove(DCM_FrameOfReferenceUID);
  delete ds.remove(DCM_BodyPartExamined);
  detail::put_series_equipment(ds, source, instance, "DOC", options.series_number, options.series_description);
  put(DCM_ConversionType, "WSD");
  put(DCM_InstanceNumber, "1");
  put(DCM_AcquisitionDateTime, instance.date + instance.time);
  put(DCM_BurnedInAnnotation, options.shows_patient_identifiers ? "YES" : "NO");
  put(DCM_DocumentTitle, options.document_title.substr(0, 1024));  // ST
  check(ds.insertEmptyElement(DCM_ConceptNameCodeSequence), subject, "concept name");
  put(DCM_MIMETypeOfEncapsulatedDocument, "application/pdf");
  put_source_instances(ds, source, subject);
  check(ds.putAndInsertUint8Array(DCM_EncapsulatedDocument, document.data(),
                                  static_cast<unsigned long>(document.size())),
        subject, "encapsulated document");
  check(ds.putAndInsertUint32(DCM_EncapsulatedDocumentLength, length), subject, "encapsulated document length");
  detail::save_atomically(file, out_file);
  log::info("encapsulated PDF: wrote {} ({} bytes of PDF)", out_file.string(), length);
  return {out_file, UID_EncapsulatedPDFStorage, instance.sop_instance_uid, instance.series_instance_uid, {}};
}

}  // namespace myo::dicom
