#include "result_common.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcstack.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvrda.h>
#include <dcmtk/dcmdata/dcvrtm.h>
#include <dcmtk/dcmdata/dcvrui.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/version.hpp"
#include "myo/dicom/write.hpp"

namespace myo::dicom::detail {
namespace fs = std::filesystem;

void check(const OFCondition& condition, const std::string& subject, const std::string& what) {
  if (condition.bad()) throw core::MyoError(subject, what + ": " + condition.text());
}

std::string format_ds(double value) {
  if (std::abs(value) < 1e-9) value = 0.0;
  char buffer[32];
  for (int precision = 10; precision >= 1; --precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::string(buffer).size() <= 16) return buffer;
  }
  return "0";
}

namespace {

std::string get_string(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).good()) return value.c_str();
  return {};
}

std::optional<core::Vec3> get_position(DcmItem& item) {
  core::Vec3 p{};
  for (unsigned long i = 0; i < 3; ++i) {
    Float64 v = 0;
    if (item.findAndGetFloat64(DCM_ImagePositionPatient, v, i).bad()) return std::nullopt;
    p[i] = v;
  }
  return p;
}

// Position of frame `index` of an enhanced multi-frame image (per-frame, else shared Plane Position).
std::optional<core::Vec3> frame_position(DcmItem& dataset, unsigned long index) {
  DcmItem* frame = nullptr;
  if (dataset.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame, static_cast<signed long>(index))
          .good() &&
      frame) {
    DcmItem* plane = nullptr;
    if (frame->findAndGetSequenceItem(DCM_PlanePositionSequence, plane, 0).good() && plane) return get_position(*plane);
  }
  DcmItem* shared = nullptr;
  if (dataset.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good() && shared) {
    DcmItem* plane = nullptr;
    if (shared->findAndGetSequenceItem(DCM_PlanePositionSequence, plane, 0).good() && plane) return get_position(*plane);
  }
  return std::nullopt;
}

const std::string& process_pseudonym_key() {
  static const std::string key = [] {
    std::random_device device;
    return fmt::format("{:08x}{:08x}{:08x}{:08x}", device(), device(), device(), device());
  }();
  return key;
}

// Tags of the Patient, General Study and Patient Study modules that result objects copy from the source.
struct CopiedTag {
  DcmTagKey tag;
  bool identifying;  // removed or replaced by the basic confidentiality profile
};
const std::vector<CopiedTag>& copied_tags() {
  static const std::vector<CopiedTag> tags{
      {DCM_SpecificCharacterSet, false},
      {DCM_PatientName, true},
      {DCM_PatientID, true},
      {DCM_IssuerOfPatientID, true},
      {DCM_PatientBirthDate, true},
      {DCM_PatientSex, true},
      {DCM_PatientAge, true},
      {DCM_PatientSize, true},
      {DCM_PatientWeight, true},
      {DCM_StudyDate, true},
      {DCM_StudyTime, true},
      {DCM_ReferringPhysicianName, true},
      {DCM_StudyID, true},
      {DCM_AccessionNumber, true},
      {DCM_StudyDescription, true},
      {DCM_PositionReferenceIndicator, false},
  };
  return tags;
}

std::string get_value(const std::vector<std::pair<DcmTagKey, std::string>>& values, const DcmTagKey& tag) {
  for (const auto& [key, value] : values)
    if (key == tag) return value;
  return {};
}

}  // namespace

std::vector<const SourceImage*> SourceContext::images_per_slice(const core::Geometry& grid) const {
  std::vector<const SourceImage*> per_slice(grid.size[2], nullptr);
  for (const auto& image : images) {
    const core::Vec3 index = grid.physical_to_index(image.position);
    const double k = std::round(index[2]);
    if (std::abs(index[2] - k) > 0.1 || std::abs(index[0]) > 0.1 || std::abs(index[1]) > 0.1) continue;
    if (k < 0 || k >= static_cast<double>(grid.size[2])) continue;
    auto& slot = per_slice[static_cast<std::size_t>(k)];
    if (!slot) slot = &image;
  }
  return per_slice;
}

namespace {

using TagValues = std::vector<std::pair<DcmTagKey, std::string>>;

// UIDs as the results write them: unchanged, or (de-identifying) a UID derived from the pseudonym key.
struct UidPseudonyms {
  bool deidentify = false;
  std::string key;
  [[nodiscard]] std::string operator()(const std::string& uid) const {
    return deidentify && !uid.empty() ? uid_from_key("myoscope-deid|" + key + "|" + uid) : uid;
  }
};

// What the source files say about patient, study and frame of reference (from the first readable file).
struct SourceHeader {
  bool found = false;
  TagValues values;  // the copied tags present in the file
  std::string study_uid;
  std::string frame_of_reference_uid;
};

void read_first_header(DcmDataset& ds, SourceHeader& header, SourceContext& source) {
  header.found = true;
  for (const auto& copied : copied_tags()) {
    DcmElement* element = nullptr;
    if (ds.findAndGetElement(copied.tag, element).good()) header.values.emplace_back(copied.tag, get_string(ds, copied.tag));
  }
  header.study_uid = get_string(ds, DCM_StudyInstanceUID);
  header.frame_of_reference_uid = get_string(ds, DCM_FrameOfReferenceUID);
  source.body_part_examined = get_string(ds, DCM_BodyPartExamined);
  source.modality = get_string(ds, DCM_Modality);
}

// The images of one source file (each frame of a multi-frame file) with their positions.
void add_source_images(DcmDataset& ds, const fs::path& file, const ResultContext& context,
                       const UidPseudonyms& pseudo_uid, SourceContext& source) {
  const std::string sop_class = get_string(ds, DCM_SOPClassUID);
  const std::string sop_instance = get_string(ds, DCM_SOPInstanceUID);
  if (sop_class.empty() || sop_instance.empty()) return;
  // The results refer to each source image by its UID; one that is no UID would make them invalid DICOM (a PACS
  // refuses them). De-identified results refer to a UID derived from it instead.
  if (!context.deidentify && DcmUniqueIdentifier::checkStringValue(sop_instance.c_str()).bad())
    throw core::MyoError(file.string(), "SOPInstanceUID '" + sop_instance +
                                            "' is not a valid UID: the DICOM results cannot refer to this image "
                                            "(analyse with --no-dicom or --deidentify)");
  long frames = 1;
  Sint32 number_of_frames = 0;
  if (ds.findAndGetSint32(DCM_NumberOfFrames, number_of_frames).good() && number_of_frames > 1) frames = number_of_frames;
  if (frames == 1 && !ds.tagExists(DCM_PerFrameFunctionalGroupsSequence)) {
    if (const auto p = get_position(ds)) source.images.push_back({sop_class, pseudo_uid(sop_instance), *p, 0});
    return;
  }
  for (long f = 0; f < frames; ++f)
    if (const auto p = frame_position(ds, static_cast<unsigned long>(f)))
      source.images.push_back({sop_class, pseudo_uid(sop_instance), *p, static_cast<int>(f + 1)});
}

// Reads every source header (no pixels): SOP instance references and positions, and from the first file the
// patient/study values.
SourceHeader read_source_files(const ResultContext& context, const UidPseudonyms& pseudo_uid, SourceContext& source) {
  SourceHeader header;
  for (const auto& file : context.reference_series.files) {
    DcmFileFormat format;
    // Elements longer than DCM_MaxReadLength (4 kB), pixel data among them, are not read: loaded on demand only.
    const OFCondition status = format.loadFile(file.c_str());
    if (status.bad()) {
      log::warn("results: cannot read source file {}: {}", file.string(), status.text());
      continue;
    }
    DcmDataset& ds = *format.getDataset();
    if (!header.found) read_first_header(ds, header, source);
    add_source_images(ds, file, context, pseudo_uid, source);
  }
  return header;
}

// Patient/study values from the scan index, for a series none of whose files could be read.
TagValues index_values(const StudyInfo& s) {
  TagValues values = {{DCM_PatientName, s.patient_name},           {DCM_PatientID, s.patient_id},
                      {DCM_PatientBirthDate, s.patient_birth_date}, {DCM_PatientSex, s.patient_sex},
                      {DCM_StudyDate, s.study_date},                {DCM_StudyTime, ""},
                      {DCM_ReferringPhysicianName, ""},             {DCM_StudyID, ""},
                      {DCM_AccessionNumber, s.accession_number},    {DCM_StudyDescription, s.study_description}};
  // Index values are UTF-8 strings: declare it when any of them is not plain ASCII.
  for (const auto& entry : values)
    if (std::any_of(entry.second.begin(), entry.second.end(), [](char c) { return (c & 0x80) != 0; })) {
      values.emplace_back(DCM_SpecificCharacterSet, "ISO_IR 192");
      break;
    }
  return values;
}

// Study, series and frame of reference UIDs (pseudonymised when de-identifying). The study must be the context's.
void set_source_uids(const ResultContext& context, const SourceHeader& header, const UidPseudonyms& pseudo_uid,
                     SourceContext& source) {
  const std::string study_uid =
      !context.study.study_instance_uid.empty() ? context.study.study_instance_uid : header.study_uid;
  if (study_uid.empty()) throw core::MyoError(source.subject, "no StudyInstanceUID for the result objects");
  if (!header.study_uid.empty() && header.study_uid != study_uid)
    throw core::MyoError(source.subject, "the reference series belongs to another study than the result context");
  source.study_instance_uid = pseudo_uid(study_uid);
  source.series_instance_uid = pseudo_uid(context.reference_series.series_instance_uid);
  source.frame_of_reference_uid = pseudo_uid(header.frame_of_reference_uid);
  if (source.frame_of_reference_uid.empty()) {
    // Without a source frame of reference there is nothing to share; a derived one keeps all result objects of
    // this study on the same (new) frame.
    source.frame_of_reference_uid = uid_from_key("myoscope-for|" + source.study_instance_uid + "|" +
                                                 source.series_instance_uid);
  }
}

// The patient/study values every object carries: copied, or (de-identifying) pseudonymised, emptied or dropped by
// the Basic Profile; type 2 attributes are written even when empty.
TagValues patient_study_values(const TagValues& header_values, bool deidentify, const std::string& key) {
  const std::set<DcmTagKey> type2{DCM_PatientName,  DCM_PatientID, DCM_PatientBirthDate,      DCM_PatientSex,
                                  DCM_StudyDate,    DCM_StudyTime, DCM_ReferringPhysicianName, DCM_StudyID,
                                  DCM_AccessionNumber, DCM_PositionReferenceIndicator};
  const auto pseudonym = [&] {
    const std::string id = get_value(header_values, DCM_PatientID);
    return "MYO-" + uid_from_key("myoscope-pid|" + key + "|" + id).substr(5, 12);
  };
  TagValues out;
  std::set<DcmTagKey> present;
  for (const auto& [tag, value] : header_values) {
    present.insert(tag);
    // An init-capture: C++17 does not let a lambda capture a structured binding (clang refuses it).
    const auto it = std::find_if(copied_tags().begin(), copied_tags().end(),
                                 [&key = tag](const CopiedTag& c) { return c.tag == key; });
    const bool identifying = it != copied_tags().end() && it->identifying;
    if (!deidentify || !identifying) {
      out.emplace_back(tag, value);
    } else if (tag == DCM_PatientName) {
      out.emplace_back(tag, pseudonym() + "^ANONYMOUS");
    } else if (tag == DCM_PatientID) {
      out.emplace_back(tag, pseudonym());
    } else if (type2.count(tag) != 0) {
      out.emplace_back(tag, "");
    }
  }
  for (const auto& tag : type2)
    if (present.count(tag) == 0) out.emplace_back(tag, "");
  return out;
}

}  // namespace

SourceContext make_source_context(const ResultContext& context) {
  SourceContext source;
  const SeriesInfo& series = context.reference_series;
  source.subject = "series " + series.series_instance_uid;
  source.software_version = context.software_version.empty() ? core::software_version() : context.software_version;
  source.deidentified = context.deidentify;
  const std::string key = context.pseudonym_key.empty() ? process_pseudonym_key() : context.pseudonym_key;
  const UidPseudonyms pseudo_uid{context.deidentify, key};
  SourceHeader header = read_source_files(context, pseudo_uid, source);
  if (!header.found) {
    log::warn("results: no readable file in {}; patient/study values come from the scan index", source.subject);
    header.values = index_values(context.study);
  }
  set_source_uids(context, header, pseudo_uid, source);
  source.patient_study = patient_study_values(header.values, context.deidentify, key);
  if (context.deidentify) source.body_part_examined.clear();
  if (source.modality.empty()) source.modality = series.modality.empty() ? "MR" : series.modality;
  return source;
}

void put_patient_study(DcmItem& item, const SourceContext& source) {
  for (const auto& [tag, value] : source.patient_study) {
    // Remove first: DCMTK may have put attributes with another value multiplicity there.
    delete item.remove(tag);
    if (tag == DCM_SpecificCharacterSet && value.empty()) continue;
    check(item.putAndInsertString(tag, value.c_str()), source.subject, "cannot set patient/study attribute");
  }
  check(item.putAndInsertString(DCM_StudyInstanceUID, source.study_instance_uid.c_str()), source.subject,
        "cannot set StudyInstanceUID");
  check(item.putAndInsertString(DCM_FrameOfReferenceUID, source.frame_of_reference_uid.c_str()), source.subject,
        "cannot set FrameOfReferenceUID");
  if (!source.body_part_examined.empty())
    check(item.putAndInsertString(DCM_BodyPartExamined, source.body_part_examined.c_str()), source.subject,
          "cannot set BodyPartExamined");
  if (source.deidentified) {
    check(item.putAndInsertString(DCM_PatientIdentityRemoved, "YES"), source.subject, "cannot mark de-identification");
    check(item.putAndInsertString(DCM_DeidentificationMethod, "MyoScope: DICOM PS3.15 Basic Profile"), source.subject,
          "cannot mark de-identification");
    DcmItem* code = nullptr;
    check(item.findOrCreateSequenceItem(DCM_DeidentificationMethodCodeSequence, code, 0), source.subject,
          "cannot mark de-identification");
    code->putAndInsertString(DCM_CodeValue, "113100");
    code->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
    code->putAndInsertString(DCM_CodeMeaning, "Basic Application Confidentiality Profile");
  }
}

void put_patient_study_for_import(DcmItem& item, const SourceContext& source) {
  put_patient_study(item, source);
  for (const auto& [tag, value] : source.patient_study) {
    DcmElement* element = nullptr;
    if (item.findAndGetElement(tag, element).bad() || element == nullptr || element->checkValue().good()) continue;
    std::string cleaned;
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      cleaned.push_back((u < 0x20 && u != 0x1b) || u == 0x7f || c == '\\' ? '_' : c);
    }
    if (cleaned.size() > 64) cleaned.resize(64);
    if (element->putString(cleaned.c_str()).bad() || element->checkValue().bad()) element->putString("");
  }
}

NewInstance new_instance() {
  NewInstance instance;
  instance.series_instance_uid = new_uid();
  instance.sop_instance_uid = new_uid();
  OFString date;
  OFString time;
  DcmDate::getCurrentDate(date);
  DcmTime::getCurrentTime(time, OFTrue /*seconds*/, OFFalse /*fraction*/);
  instance.date = date.c_str();
  instance.time = std::string(time.c_str()).substr(0, 6);
  return instance;
}

void put_series_equipment(DcmItem& item, const SourceContext& source, const NewInstance& instance,
                          const std::string& modality, int series_number, const std::string& series_description) {
  const auto put = [&](const DcmTagKey& tag, const std::string& value) {
    check(item.putAndInsertString(tag, value.c_str()), source.subject, "cannot set series/equipment attribute");
  };
  put(DCM_Modality, modality);
  put(DCM_SeriesInstanceUID, instance.series_instance_uid);
  put(DCM_SeriesNumber, std::to_string(series_number));
  put(DCM_SeriesDescription, series_description);
  put(DCM_SeriesDate, instance.date);
  put(DCM_SeriesTime, instance.time);
  put(DCM_ContentDate, instance.date);
  put(DCM_ContentTime, instance.time);
  put(DCM_InstanceCreationDate, instance.date);
  put(DCM_InstanceCreationTime, instance.time);
  put(DCM_Manufacturer, core::software_name());
  put(DCM_ManufacturerModelName, core::software_name());
  put(DCM_DeviceSerialNumber, "1");
  put(DCM_SoftwareVersions, source.software_version);
  put(DCM_SOPInstanceUID, instance.sop_instance_uid);
}

void put_source_frame_numbers(DcmItem& dataset, const std::vector<int>& per_frame, const std::string& subject) {
  for (std::size_t f = 0; f < per_frame.size(); ++f) {
    if (per_frame[f] <= 0) continue;
    DcmItem* frame_item = nullptr;
    DcmItem* derivation_item = nullptr;
    DcmItem* source_item = nullptr;
    if (dataset.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame_item, static_cast<signed long>(f))
            .bad() ||
        frame_item->findAndGetSequenceItem(DCM_DerivationImageSequence, derivation_item, 0).bad() ||
        derivation_item->findAndGetSequenceItem(DCM_SourceImageSequence, source_item, 0).bad())
      throw core::MyoError(subject, "frame " + std::to_string(f + 1) + " lost its source image reference");
    check(source_item->putAndInsertString(DCM_ReferencedFrameNumber, std::to_string(per_frame[f]).c_str()), subject,
          "source frame number");
  }
}

void save_atomically(DcmFileFormat& file, const fs::path& out_file, E_TransferSyntax transfer_syntax) {
  if (out_file.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(out_file.parent_path(), ec);
  }
  core::write_atomically_with(out_file, [&](const fs::path& temporary) {
    const OFCondition status = file.saveFile(temporary.c_str(), transfer_syntax, EET_ExplicitLength, EGL_recalcGL,
                                             EPD_withoutPadding, 0, 0, EWM_createNewMeta);
    if (status.bad())
      throw core::MyoError(out_file.string(), std::string("cannot write DICOM file: ") + status.text(),
                           core::ErrorKind::output);
  });
}

SegmentCoding segment_coding(const core::MuscleGroup& group, core::Side side) {
  SegmentCoding coding;
  coding.group = &group;
  coding.side = side;
  coding.code = find_anatomy_code(group.name, true);
  if (coding.code == nullptr)
    throw core::MyoError("code table", "muscle group '" + group.name + "' has no DICOM code (libs/dicom code_table)");
  coding.type_code = coding.code->structure.value;
  coding.type_meaning = coding.code->structure.meaning;
  coding.label = group.display_name + (side == core::Side::right ? " right" : " left");
  if (coding.label.size() > 64) coding.label = coding.label.substr(0, 64);  // LO
  coding.tracking_id = group.name + (side == core::Side::right ? "_right" : "_left");
  return coding;
}

namespace {

bool uses_scheme(DcmItem& dataset, std::string_view scheme) {
  DcmStack stack;
  while (dataset.nextObject(stack, OFTrue).good()) {
    DcmObject* object = stack.top();
    if (object->getTag() != DCM_CodingSchemeDesignator) continue;
    OFString value;
    if (static_cast<DcmElement*>(object)->getOFString(value, 0).good() && value.c_str() == scheme) return true;
  }
  return false;
}

}  // namespace

void put_coding_scheme_identification(DcmItem& dataset, const std::string& subject) {
  delete dataset.remove(DCM_CodingSchemeIdentificationSequence);
  if (!uses_scheme(dataset, kPrivateScheme)) return;
  DcmItem* item = nullptr;
  check(dataset.findOrCreateSequenceItem(DCM_CodingSchemeIdentificationSequence, item, 0), subject,
        "coding scheme identification");
  const auto put = [&](const DcmTagKey& tag, std::string_view value) {
    check(item->putAndInsertString(tag, std::string(value).c_str()), subject, "coding scheme identification");
  };
  put(DCM_CodingSchemeDesignator, kPrivateScheme);
  put(DCM_CodingSchemeName, kPrivateSchemeName);
  put(DCM_CodingSchemeResponsibleOrganization, kPrivateSchemeOrganization);
}

}  // namespace myo::dicom::detail
