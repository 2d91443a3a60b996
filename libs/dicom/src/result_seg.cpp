// DICOM Segmentation of the muscle groups: writing (dcmseg, shaped like dcmqi's itkimage2segimage) and reading
// back into catalogue labels.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmfg/fgseg.h>
#include <dcmtk/dcmiod/cielabutil.h>
#include <dcmtk/dcmiod/iodmacro.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/version.hpp"
#include "myo/dicom/write.hpp"
#include "result_common.hpp"
#include "result_frames.hpp"
#include "result_seg_internal.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;
using detail::check;
using detail::format_ds;

namespace {

CodeSequenceMacro code(const std::string& value, const std::string& scheme, const std::string& meaning) {
  return CodeSequenceMacro(value.c_str(), scheme.c_str(), meaning.c_str());
}

CodeSequenceMacro code(const detail::Code& c) {
  return CodeSequenceMacro(std::string(c.value).c_str(), std::string(c.scheme).c_str(),
                           std::string(c.meaning).c_str());
}

// One segment: category and type with their schemes, laterality as type modifier and as the modifier of the
// anatomic region when there is one, tracking ID/UID and display colour.
std::unique_ptr<DcmSegment> make_segment(const detail::SegmentSpec& spec, const std::string& study_uid,
                                         const std::string& subject) {
  DcmSegment* raw_segment = nullptr;
  check(DcmSegment::create(raw_segment, spec.label.c_str(), code(spec.category), code(spec.type),
                           DcmSegTypes::SAT_AUTOMATIC, core::software_name()),
        subject, "cannot create segment " + spec.label);
  std::unique_ptr<DcmSegment> segment(raw_segment);
  // Owned by the segment and its anatomy macro once pushed.
  if (spec.laterality) segment->getSegmentedPropertyTypeModifierCode().push_back(new CodeSequenceMacro(code(*spec.laterality)));
  if (spec.region) {
    GeneralAnatomyMacro& anatomy = segment->getGeneralAnatomyCode();
    anatomy.getAnatomicRegion() = code(*spec.region);
    if (spec.laterality) anatomy.getAnatomicRegionModifier().push_back(new CodeSequenceMacro(code(*spec.laterality)));
  }
  check(segment->setSegmentDescription(spec.description.c_str()), subject, "segment description");
  check(segment->setTrackingID(spec.tracking_id.c_str()), subject, "tracking ID");
  // Same segment and study: same tracking UID (TrackingID requires one).
  check(segment->setTrackingUID(uid_from_key("myoscope-tracking|" + study_uid + "|" + spec.tracking_id).c_str()),
        subject, "tracking UID");
  double l = 0;
  double a = 0;
  double b = 0;
  const auto& rgb = spec.color_rgb;
  IODCIELabUtil::rgb2DicomLab(l, a, b, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
  check(segment->setRecommendedDisplayCIELabValue(static_cast<Uint16>(l), static_cast<Uint16>(a),
                                                  static_cast<Uint16>(b)),
        subject, "segment colour");
  return segment;
}

// Binary pixel data: pixel i of the concatenated frames is bit (i % 8) of byte i / 8, no padding between frames.
class BitWriter {
 public:
  void push(bool bit) {
    if (count_ % 8 == 0) bytes_.push_back(0);
    if (bit) bytes_.back() = static_cast<Uint8>(bytes_.back() | (1U << (count_ % 8)));
    ++count_;
  }
  std::vector<Uint8> take() { return std::move(bytes_); }

 private:
  std::vector<Uint8> bytes_;
  std::size_t count_ = 0;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A corrected SEG names the SEG it was derived from: one more item of ReferencedSeriesSequence (Common Instance
// Reference module) with that SEG's series and instance.
void reference_derived_from(DcmDataset& ds, const WrittenObject& source, const std::string& subject) {
  DcmItem* series = nullptr;
  check(ds.findOrCreateSequenceItem(DCM_ReferencedSeriesSequence, series, -2), subject, "referenced series");
  check(series->putAndInsertString(DCM_SeriesInstanceUID, source.series_instance_uid.c_str()), subject,
        "derived-from series");
  DcmItem* instance = nullptr;
  check(series->findOrCreateSequenceItem(DCM_ReferencedInstanceSequence, instance, -2), subject, "referenced instance");
  check(instance->putAndInsertString(DCM_ReferencedSOPClassUID, source.sop_class_uid.c_str()), subject,
        "derived-from class");
  check(instance->putAndInsertString(DCM_ReferencedSOPInstanceUID, source.sop_instance_uid.c_str()), subject,
        "derived-from instance");
}

}  // namespace

WrittenObject read_object_identity(const fs::path& file) {
  DcmFileFormat format;
  const OFCondition status = format.loadFile(file.c_str());
  if (status.bad()) throw core::MyoError(file.string(), std::string("cannot read DICOM header: ") + status.text());
  WrittenObject o;
  o.file = file;
  OFString value;
  if (format.getDataset()->findAndGetOFString(DCM_SOPClassUID, value).good()) o.sop_class_uid = value.c_str();
  if (format.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, value).good()) o.sop_instance_uid = value.c_str();
  if (format.getDataset()->findAndGetOFString(DCM_SeriesInstanceUID, value).good())
    o.series_instance_uid = value.c_str();
  if (o.sop_instance_uid.empty() || o.series_instance_uid.empty())
    throw core::MyoError(file.string(), "no SOP instance or series UID");
  return o;
}

namespace {

// A catalogue group and side as a SEG segment, coded from the code table.
detail::SegmentSpec muscle_segment(const detail::SegmentCoding& coding) {
  const bool right = coding.side == core::Side::right;
  detail::SegmentSpec spec;
  spec.value = static_cast<std::uint16_t>(coding.group->label(coding.side));
  spec.label = coding.label;
  spec.description = coding.group->display_name + (right ? ", right side" : ", left side");
  spec.category = detail::anatomical_structure_category();
  spec.type = coding.code->structure;
  spec.laterality = detail::laterality_code(coding.side);
  spec.region = coding.code->region;
  spec.tracking_id = coding.tracking_id;
  spec.color_rgb = coding.group->color_rgb;
  return spec;
}

}  // namespace

WrittenObject write_segmentation(const core::LabelVolume& labels, const ResultContext& context,
                                 const fs::path& out_file, const SegmentationWriteOptions& options) {
  labels.check();
  const std::string subject = out_file.string();
  // Which catalogue labels are present, in catalogue order (right then left per group).
  const auto& catalog = core::MuscleCatalog::instance();
  std::vector<std::size_t> voxels_per_label(65536, 0);
  for (const auto v : labels.voxels) ++voxels_per_label[v];
  std::vector<detail::SegmentCoding> segments;
  std::set<int> known;
  for (const auto& group : catalog.groups()) {
    for (const auto side : {core::Side::right, core::Side::left}) {
      const int label = group.label(side);
      known.insert(label);
      if (label > 0 && label < 65536 && voxels_per_label[static_cast<std::size_t>(label)] > 0)
        segments.push_back(detail::segment_coding(group, side));
    }
  }
  for (std::size_t label = 1; label < voxels_per_label.size(); ++label)
    if (voxels_per_label[label] > 0 && known.count(static_cast<int>(label)) == 0)
      log::warn("SEG: label {} is not in the muscle catalogue; not written", label);
  if (segments.empty()) throw core::MyoError(subject, "no muscle group in the labels: nothing to write as SEG");
  std::vector<detail::SegmentSpec> specs;
  for (const auto& coding : segments) specs.push_back(muscle_segment(coding));
  return detail::write_binary_segmentation(labels, specs, context, out_file, options,
                                           {"MUSCLES", "MyoScope muscle groups"});
}

namespace {

// The empty SEG document: equipment, content identification, patient/study through DCMTK's importer (so its checks
// see them), series and instance UIDs, and the dimensions (segment number, then position).
std::unique_ptr<DcmSegmentation> create_document(const core::Geometry& g, const detail::SourceContext& source,
                                                 const detail::NewInstance& instance,
                                                 const SegmentationWriteOptions& options,
                                                 const detail::SegmentationContent& content_id,
                                                 const std::string& subject) {
  IODGeneralEquipmentModule::EquipmentInfo equipment(core::software_name(), "1", core::software_name(),
                                                     source.software_version.c_str());
  const bool corrected = options.derived_from.has_value();
  const std::string content_label = corrected ? "CORRECTED" : content_id.label;
  const std::string content_description =
      corrected ? content_id.description + " corrected by the reader" : content_id.description;
  ContentIdentificationMacro identification("1", content_label.c_str(), content_description.c_str(),
                                            options.content_creator_name.substr(0, 64).c_str());
  DcmSegmentation* raw_seg = nullptr;
  check(DcmSegmentation::createBinarySegmentation(raw_seg, static_cast<Uint16>(g.size[1]),
                                                  static_cast<Uint16>(g.size[0]), equipment, identification),
        subject, "cannot create SEG");
  std::unique_ptr<DcmSegmentation> seg(raw_seg);
  DcmDataset hierarchy;
  detail::put_patient_study_for_import(hierarchy, source);
  check(seg->importHierarchy(hierarchy, OFTrue, OFTrue, OFTrue, OFFalse), subject, "cannot set patient/study");
  check(seg->getSeries().setSeriesInstanceUID(instance.series_instance_uid.c_str()), subject, "series UID");
  check(seg->getSeries().setSeriesNumber(std::to_string(options.series_number).c_str()), subject, "series number");
  check(seg->getSOPCommon().setSOPInstanceUID(instance.sop_instance_uid.c_str()), subject, "SOP instance UID");
  char dimension_uid[100];
  dcmGenerateUniqueIdentifier(dimension_uid, SITE_INSTANCE_UID_ROOT);
  IODMultiframeDimensionModule& dimensions = seg->getDimensions();
  check(dimensions.addDimensionIndex(DCM_ReferencedSegmentNumber, dimension_uid, DCM_SegmentIdentificationSequence,
                                     "ReferencedSegmentNumber"),
        subject, "dimension index");
  check(dimensions.addDimensionIndex(DCM_ImagePositionPatient, dimension_uid, DCM_PlanePositionSequence,
                                     "ImagePositionPatient"),
        subject, "dimension index");
  return seg;
}

// Shared functional groups: orientation and pixel measures of the grid; the referenced source series.
void add_shared_groups(DcmSegmentation& seg, const core::Geometry& g, const detail::SourceContext& source,
                       const std::vector<const detail::SourceImage*>& source_per_slice, const std::string& subject) {
  check(seg.addForAllFrames(*detail::plane_orientation(g, subject)), subject, "plane orientation");
  check(seg.addForAllFrames(*detail::pixel_measures(g, subject)), subject, "pixel measures");
  if (auto series = detail::referenced_series(source, source_per_slice, true, subject)) {
    seg.getCommonInstanceReference().getReferencedSeriesItems().push_back(series.release());  // owned by the document
  }
}

// The frames added so far: their packed pixels and, per frame, the frame of a multi-frame source (0 for none).
struct SegFrames {
  std::size_t count = 0;
  BitWriter pixel_bits;
  std::vector<int> source_frame_numbers;
};

// Adds one frame (slice k of a segment) with its position, dimension index values and derivation.
void add_frame(DcmSegmentation& seg, std::vector<Uint8>& frame, Uint16 segment_number, const std::string& label,
               std::size_t k, const core::Geometry& g, const detail::SourceImage* image, SegFrames& frames,
               const std::string& subject) {
  const auto position = detail::slice_position(g, k, subject);
  FGFrameContent content;
  check(content.setDimensionIndexValues(segment_number, 0), subject, "dimension index value");
  check(content.setDimensionIndexValues(static_cast<Uint32>(k + 1), 1), subject, "dimension index value");
  FGDerivationImage derivation;
  OFVector<FGBase*> per_frame;
  per_frame.push_back(position.get());
  per_frame.push_back(&content);
  if (image) {
    detail::add_derivation(derivation, code("113076", "DCM", "Segmentation"), *image, subject);
    frames.source_frame_numbers.resize(frames.count + 1, 0);
    frames.source_frame_numbers[frames.count] = image->frame_number;
    per_frame.push_back(&derivation);
  }
  check(seg.addFrame(frame.data(), segment_number, per_frame), subject,
        "cannot add frame " + std::to_string(k + 1) + " of " + label);
  ++frames.count;
  for (const Uint8 v : frame) frames.pixel_bits.push(v != 0);
}

// Adds each segment and its frames: one frame per slice holding the segment's value (every slice when empty slices
// are kept).
SegFrames add_segments(DcmSegmentation& seg, const core::LabelVolume& labels,
                       const std::vector<detail::SegmentSpec>& segments, const detail::SourceContext& source,
                       const std::vector<const detail::SourceImage*>& source_per_slice,
                       const SegmentationWriteOptions& options, const std::string& subject) {
  const core::Geometry& g = labels.geometry;
  const std::size_t frame_pixels = g.size[0] * g.size[1];
  std::vector<Uint8> frame(frame_pixels, 0);
  SegFrames frames;
  for (const auto& coding : segments) {
    std::unique_ptr<DcmSegment> segment = make_segment(coding, source.study_instance_uid, subject);
    Uint16 segment_number = 0;
    check(seg.addSegment(segment.get(), segment_number), subject, "cannot add segment " + coding.label);
    segment.release();  // owned by the document now
    for (std::size_t k = 0; k < g.size[2]; ++k) {
      bool any = false;
      const std::uint16_t* slice = labels.voxels.data() + k * frame_pixels;
      for (std::size_t p = 0; p < frame_pixels; ++p) {
        frame[p] = slice[p] == coding.value ? 1 : 0;
        any = any || frame[p] != 0;
      }
      if (!any && !options.keep_empty_slices) continue;
      add_frame(seg, frame, segment_number, coding.label, k, g, source_per_slice[k], frames, subject);
    }
  }
  if (frames.count == 0) throw core::MyoError(subject, "no frame to write");
  return frames;
}

// Encodes the document, then sets what the IOD classes do not manage, and saves it.
void save_document(DcmSegmentation& seg, SegFrames& frames, const detail::SourceContext& source,
                   const detail::NewInstance& instance, const SegmentationWriteOptions& options,
                   const fs::path& out_file, const std::string& subject) {
  seg.setCheckFGOnWrite(OFFalse);  // our groups are consistent by construction; the check is slow
  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  check(seg.writeDataset(ds), subject, "cannot encode SEG");
  // DCMTK 3.6.7 packs binary frames wrongly when Rows x Columns is not a multiple of 8 (frames then start mid-byte,
  // PS3.5 8.1.1); the pixel data is written from our own bit stream instead, the same for every size.
  std::vector<Uint8> bytes = frames.pixel_bits.take();
  if (bytes.size() % 2 != 0) bytes.push_back(0);
  check(ds.putAndInsertUint8Array(DCM_PixelData, bytes.data(), static_cast<unsigned long>(bytes.size())), subject,
        "pixel data");
  detail::put_source_frame_numbers(ds, frames.source_frame_numbers, subject);
  detail::put_coding_scheme_identification(ds, subject);
  detail::put_patient_study(ds, source);
  detail::put_series_equipment(ds, source, instance, "SEG", options.series_number, options.series_description);
  check(ds.putAndInsertString(DCM_SegmentsOverlap, "NO"), subject, "segments overlap");
  check(ds.putAndInsertString(DCM_ImageType, "DERIVED\\PRIMARY"), subject, "image type");
  if (options.derived_from) reference_derived_from(ds, *options.derived_from, subject);
  detail::save_atomically(file, out_file);
}

}  // namespace

WrittenObject detail::write_binary_segmentation(const core::LabelVolume& labels,
                                                const std::vector<SegmentSpec>& segments, const ResultContext& context,
                                                const fs::path& out_file, const SegmentationWriteOptions& options,
                                                const SegmentationContent& content_id) {
  const std::string subject = out_file.string();
  const core::Geometry& g = labels.geometry;
  if (g.size[0] == 0 || g.size[1] == 0 || g.size[2] == 0) throw core::MyoError(subject, "empty label volume");
  if (g.size[0] > 65535 || g.size[1] > 65535) throw core::MyoError(subject, "slices too large for DICOM");
  const detail::SourceContext source = detail::make_source_context(context);
  const auto source_per_slice = source.images_per_slice(g);
  const std::size_t matched = static_cast<std::size_t>(
      std::count_if(source_per_slice.begin(), source_per_slice.end(), [](const auto* p) { return p != nullptr; }));
  if (matched < g.size[2])
    log::warn("SEG: {} of {} slices have a source image in {} (labels not on the reference grid?)", matched, g.size[2],
              source.subject);
  const detail::NewInstance instance = detail::new_instance();
  auto seg = create_document(g, source, instance, options, content_id, subject);
  add_shared_groups(*seg, g, source, source_per_slice, subject);
  auto frames = add_segments(*seg, labels, segments, source, source_per_slice, options, subject);
  save_document(*seg, frames, source, instance, options, out_file, subject);
  log::info("SEG: wrote {} segments, {} frames to {}", segments.size(), frames.count, out_file.string());
  WrittenObject written{out_file, UID_SegmentationStorage, instance.sop_instance_uid, instance.series_instance_uid, {}};
  for (const auto& coding : segments) written.segments.push_back(coding.tracking_id);
  return written;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

namespace {

struct SegFrame {
  core::Vec3 position;
  Uint16 segment = 0;
  std::vector<Uint8> pixels;  // one byte per pixel, 0/1 (or fractional value)
};

struct SegContent {
  std::size_t rows = 0;
  std::size_t columns = 0;
  core::Vec3 row{1, 0, 0};
  core::Vec3 column{0, 1, 0};
  double row_spacing = 1;     // between rows (PixelSpacing[0])
  double column_spacing = 1;  // between columns (PixelSpacing[1])
  std::optional<double> slice_spacing;
  std::map<Uint16, int> label_of_segment;  // 0: not in the catalogue
  std::vector<SegFrame> frames;
};

std::string get_code_value(CodeSequenceMacro& macro) {
  OFString value;
  macro.getCodeValue(value);
  return value.c_str();
}

int catalogue_label_of(DcmSegment& segment, const std::string& subject) {
  const auto& catalog = core::MuscleCatalog::instance();
  OFString text;
  // 1. TrackingID "<group>_<side>" as written by MyoScope.
  if (segment.getTrackingID(text).good() && !text.empty()) {
    const std::string id = text.c_str();
    for (const auto& group : catalog.groups()) {
      if (id == group.name + "_right") return group.label_right;
      if (id == group.name + "_left") return group.label_left;
    }
  }
  // 2. Laterality, from the type modifier or the anatomic region modifier.
  std::optional<core::Side> side;
  const auto side_of = [](const std::string& value) { return detail::side_of_laterality_code(value); };
  for (auto* modifier : segment.getSegmentedPropertyTypeModifierCode())
    if (modifier && !side) side = side_of(get_code_value(*modifier));
  for (auto* modifier : segment.getGeneralAnatomyCode().getAnatomicRegionModifier())
    if (modifier && !side) side = side_of(get_code_value(*modifier));
  OFString label_text;
  segment.getSegmentLabel(label_text);
  const std::string label = lower(label_text.c_str());
  if (!side) {
    if (label.find("right") != std::string::npos) side = core::Side::right;
    else if (label.find("left") != std::string::npos) side = core::Side::left;
  }
  // 3. Type code, when the code table gives it to one catalogue group only.
  const std::string type = get_code_value(segment.getSegmentedPropertyTypeCode());
  if (side && !type.empty()) {
    const core::MuscleGroup* found = nullptr;
    int matches = 0;
    for (const auto& group : catalog.groups()) {
      const auto* row = detail::find_anatomy_code(group.name, true);
      if (row != nullptr && row->structure.value == type) {
        found = &group;
        ++matches;
      }
    }
    if (matches == 1) return found->label(*side);
  }
  // 4. Segment label: the catalogue's display name or name.
  if (side) {
    for (const auto& group : catalog.groups()) {
      const std::string name = lower(group.name);
      std::string spaced = name;
      std::replace(spaced.begin(), spaced.end(), '_', ' ');
      if (label.find(lower(group.display_name)) != std::string::npos || label.find(name) != std::string::npos ||
          label.find(spaced) != std::string::npos)
        return group.label(*side);
    }
  }
  log::warn("SEG {}: segment '{}' does not match a catalogue group; ignored", subject, label_text.c_str());
  return 0;
}

SegContent read_seg_content(const fs::path& seg_file) {
  const std::string subject = seg_file.string();
  DcmFileFormat file;
  check(file.loadFile(seg_file.c_str()), subject, "cannot read DICOM file");
  DcmDataset& ds = *file.getDataset();
  OFString sop_class;
  ds.findAndGetOFString(DCM_SOPClassUID, sop_class);
  if (sop_class != UID_SegmentationStorage) throw core::MyoError(subject, "not a DICOM Segmentation (SEG) object");
  SegContent content;
  Uint16 rows = 0;
  Uint16 columns = 0;
  check(ds.findAndGetUint16(DCM_Rows, rows), subject, "no Rows");
  check(ds.findAndGetUint16(DCM_Columns, columns), subject, "no Columns");
  content.rows = rows;
  content.columns = columns;

  // Pixel data, decoded here: DCMTK 3.6.7 mis-reads binary frames that do not start on a byte boundary.
  static std::once_flag rle_once;  // DCMTK's registration is not thread-safe; batch runs read SEGs in parallel
  std::call_once(rle_once, [] { DcmRLEDecoderRegistration::registerCodecs(); });
  check(ds.chooseRepresentation(EXS_LittleEndianExplicit, nullptr), subject,
        "cannot decompress the pixel data (only RLE and uncompressed SEGs are supported)");
  const Uint8* pixel_data = nullptr;
  unsigned long pixel_bytes = 0;
  check(ds.findAndGetUint8Array(DCM_PixelData, pixel_data, &pixel_bytes), subject, "no pixel data");
  const std::vector<Uint8> all_pixels(pixel_data, pixel_data + pixel_bytes);

  DcmSegmentation* raw = nullptr;
  check(DcmSegmentation::loadDataset(ds, raw), subject, "cannot read SEG");
  std::unique_ptr<DcmSegmentation> seg(raw);
  FGInterface& groups = seg->getFunctionalGroups();
  const std::size_t frame_count = seg->getNumberOfFrames();
  if (frame_count == 0) throw core::MyoError(subject, "SEG has no frames");

  // Orientation and spacing: shared, else from the first frame.
  {
    auto* orientation = dynamic_cast<FGPlaneOrientationPatient*>(groups.get(0, DcmFGTypes::EFG_PLANEORIENTPATIENT));
    if (!orientation) throw core::MyoError(subject, "SEG has no plane orientation");
    Float64 v[6] = {};
    check(orientation->getImageOrientationPatient(v[0], v[1], v[2], v[3], v[4], v[5]), subject, "plane orientation");
    content.row = {v[0], v[1], v[2]};
    content.column = {v[3], v[4], v[5]};
    auto* measures = dynamic_cast<FGPixelMeasures*>(groups.get(0, DcmFGTypes::EFG_PIXELMEASURES));
    if (!measures) throw core::MyoError(subject, "SEG has no pixel measures");
    check(measures->getPixelSpacing(content.row_spacing, 0), subject, "pixel spacing");
    check(measures->getPixelSpacing(content.column_spacing, 1), subject, "pixel spacing");
    Float64 spacing = 0;
    if (measures->getSpacingBetweenSlices(spacing).good() && spacing > 0) content.slice_spacing = spacing;
  }

  // Segments.
  for (unsigned number = 1; number <= 65535U; ++number) {
    DcmSegment* segment = seg->getSegment(number);
    if (!segment) break;
    content.label_of_segment[static_cast<Uint16>(number)] = catalogue_label_of(*segment, subject);
  }

  // Frames.
  const std::size_t pixels = content.rows * content.columns;
  const bool binary = seg->getSegmentationType() == DcmSegTypes::ST_BINARY;
  Uint16 bits_allocated = binary ? 1 : 8;
  ds.findAndGetUint16(DCM_BitsAllocated, bits_allocated);
  if ((binary && bits_allocated != 1) || (!binary && bits_allocated != 8))
    throw core::MyoError(subject, "unexpected BitsAllocated " + std::to_string(bits_allocated) + " for this SEG type");
  for (std::size_t f = 0; f < frame_count; ++f) {
    SegFrame frame;
    auto* position = dynamic_cast<FGPlanePosPatient*>(groups.get(static_cast<Uint32>(f), DcmFGTypes::EFG_PLANEPOSPATIENT));
    auto* segmentation = dynamic_cast<FGSegmentation*>(groups.get(static_cast<Uint32>(f), DcmFGTypes::EFG_SEGMENTATION));
    if (!position || !segmentation)
      throw core::MyoError(subject, "frame " + std::to_string(f + 1) + " lacks its position or segment number");
    check(position->getImagePositionPatient(frame.position[0], frame.position[1], frame.position[2]), subject,
          "frame position");
    check(segmentation->getReferencedSegmentNumber(frame.segment), subject, "frame segment number");
    frame.pixels.resize(pixels);
    if (binary) {
      const std::size_t first_bit = f * pixels;
      if ((first_bit + pixels + 7) / 8 > all_pixels.size())
        throw core::MyoError(subject, "pixel data ends before frame " + std::to_string(f + 1));
      for (std::size_t p = 0; p < pixels; ++p) {
        const std::size_t bit = first_bit + p;
        frame.pixels[p] = static_cast<Uint8>((all_pixels[bit / 8] >> (bit % 8)) & 1U);
      }
    } else {
      if ((f + 1) * pixels > all_pixels.size())
        throw core::MyoError(subject, "pixel data ends before frame " + std::to_string(f + 1));
      std::copy_n(all_pixels.begin() + static_cast<std::ptrdiff_t>(f * pixels), pixels, frame.pixels.begin());
    }
    content.frames.push_back(std::move(frame));
  }
  return content;
}

core::LabelVolume place_frames(const SegContent& content, const core::Geometry& target, const std::string& subject) {
  // The SEG's in-plane grid must be the target's: same orientation and pixel spacing; frames are placed by position.
  const auto near = [](double a, double b, double tolerance) { return std::abs(a - b) <= tolerance; };
  const core::Vec3 target_row = target.axis(0);
  const core::Vec3 target_column = target.axis(1);
  if (content.columns != target.size[0] || content.rows != target.size[1])
    throw core::MyoError(subject, "SEG frames are " + std::to_string(content.columns) + "x" +
                                      std::to_string(content.rows) + " pixels, the target grid " +
                                      std::to_string(target.size[0]) + "x" + std::to_string(target.size[1]));
  for (int a = 0; a < 3; ++a)
    if (!near(content.row[a], target_row[a], 1e-3) || !near(content.column[a], target_column[a], 1e-3))
      throw core::MyoError(subject, "SEG orientation differs from the target grid (" + target.describe() + ")");
  if (!near(content.column_spacing, target.spacing_mm[0], 1e-3) || !near(content.row_spacing, target.spacing_mm[1], 1e-3))
    throw core::MyoError(subject, "SEG pixel spacing differs from the target grid (" + target.describe() + ")");

  core::LabelVolume labels(target, 0);
  const std::size_t pixels = content.rows * content.columns;
  for (const auto& frame : content.frames) {
    const auto it = content.label_of_segment.find(frame.segment);
    if (it == content.label_of_segment.end())
      throw core::MyoError(subject, "a frame references segment " + std::to_string(frame.segment) +
                                        " that the SEG does not describe");
    if (it->second == 0) continue;
    const core::Vec3 index = target.physical_to_index(frame.position);
    const double k = std::round(index[2]);
    if (!near(index[0], 0.0, 0.05) || !near(index[1], 0.0, 0.05) || !near(index[2], k, 0.05) || k < 0 ||
        k >= static_cast<double>(target.size[2]))
      throw core::MyoError(subject, "a SEG frame lies outside the target grid or between its slices (" +
                                        target.describe() + ")");
    auto* slice = labels.voxels.data() + static_cast<std::size_t>(k) * pixels;
    const auto value = static_cast<std::uint16_t>(it->second);
    for (std::size_t p = 0; p < pixels; ++p)
      if (frame.pixels[p] != 0) slice[p] = value;
  }
  return labels;
}

}  // namespace

bool is_dicom_segmentation(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return false;
  DcmFileFormat format;
  if (format.loadFile(file.c_str()).bad()) return false;  // pixel data stays on disk (read on demand)
  OFString sop_class;
  format.getDataset()->findAndGetOFString(DCM_SOPClassUID, sop_class);
  return sop_class == UID_SegmentationStorage;
}

core::LabelVolume read_segmentation(const fs::path& seg_file, const core::Geometry& target) {
  return place_frames(read_seg_content(seg_file), target, seg_file.string());
}

core::LabelVolume read_segmentation(const fs::path& seg_file) {
  const std::string subject = seg_file.string();
  const SegContent content = read_seg_content(seg_file);
  core::Geometry g;
  g.size = {content.columns, content.rows, 1};
  g.spacing_mm = {content.column_spacing, content.row_spacing, 1.0};
  g.direction = core::direction_from_cosines(content.row, content.column);
  const core::Vec3 normal = g.axis(2);
  // Distinct frame positions along the normal.
  std::vector<double> distances;
  for (const auto& frame : content.frames) distances.push_back(core::dot(frame.position, normal));
  std::sort(distances.begin(), distances.end());
  std::vector<double> unique;
  for (const double d : distances)
    if (unique.empty() || d - unique.back() > 1e-3) unique.push_back(d);
  double spacing = content.slice_spacing.value_or(0.0);
  if (spacing <= 0) {
    spacing = 0;
    for (std::size_t i = 1; i < unique.size(); ++i)
      spacing = spacing == 0 ? unique[i] - unique[i - 1] : std::min(spacing, unique[i] - unique[i - 1]);
    if (spacing <= 0) spacing = 1.0;
  }
  g.spacing_mm[2] = spacing;
  g.size[2] = static_cast<std::size_t>(std::llround((unique.back() - unique.front()) / spacing)) + 1;
  // Origin: the in-plane origin of the frame lowest along the normal.
  for (const auto& frame : content.frames) {
    if (std::abs(core::dot(frame.position, normal) - unique.front()) <= 1e-3) {
      g.origin_mm = frame.position;
      break;
    }
  }
  return place_frames(content, g, subject);
}

}  // namespace myo::dicom
