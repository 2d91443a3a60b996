#include "header.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <algorithm>
#include <numeric>
#include <tuple>
#include <cfloat>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "csa.hpp"
#include "ge_polarity.hpp"
#include "myo/core/error.hpp"
#include "myo/dicom/series_role.hpp"
#include "text_util.hpp"

namespace myo::dicom::detail {
namespace {

// Frames of a legacy multi-frame object share one header: more than this is a damaged or hostile file, and building
// one frame record each (before the pixel data is even looked at) would exhaust memory.
constexpr int kMaxLegacyFrames = 65536;

// Private Philips MR image type (M, P, R, I, W, F, IP, OP, ...): the only type marker on some classic exports.
const DcmTagKey kPhilipsImageType(0x2005, 0x1011);
// Siemens XA private ImageTypeText: XA moved the phase marker from ImageType to here (dcm2niix issue 675).
const DcmTagKey kSiemensImageTypeText(0x0021, 0x1175);
// GE private image type (0043,102F), SS: 0 magnitude, 1 phase, 2 real, 3 imaginary. GE writes magnitude and phase
// of multi-echo gradient echo into one series with identical ImageType; only this tag tells them apart.
const DcmTagKey kGeImageType(0x0043, 0x102F);

std::string ge_complex_component(DcmItem& item) {
  Sint16 value = -1;
  if (item.findAndGetSint16(kGeImageType, value).bad()) {
    // Implicit VR files without GE's private dictionary keep the value as raw bytes (UN).
    const Uint8* bytes = nullptr;
    unsigned long length = 0;
    if (item.findAndGetUint8Array(kGeImageType, bytes, &length).bad() || bytes == nullptr || length < 2) return {};
    value = static_cast<Sint16>(bytes[0] | (bytes[1] << 8));
  }
  switch (value) {
    case 0: return "MAGNITUDE";
    case 1: return "PHASE";
    case 2: return "REAL";
    case 3: return "IMAGINARY";
    default: return {};
  }
}
// Private Philips scale slope (FL): floating-point value = stored value / SS (see vendor_conventions.md).
const DcmTagKey kPhilipsScaleSlope(0x2005, 0x100E);

std::optional<double> get_float32(DcmItem& item, const DcmTagKey& tag, bool search_sub) {
  Float32 value = 0;
  if (item.findAndGetFloat32(tag, value, 0, search_sub).good() && std::isfinite(value) && value != 0.0F) return value;
  return std::nullopt;
}

std::string get_string(DcmItem& item, const DcmTagKey& tag, bool search_sub = false) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value, search_sub).good()) return trim(value.c_str());
  return {};
}

std::optional<double> get_double(DcmItem& item, const DcmTagKey& tag, unsigned long pos = 0) {
  Float64 value = 0;
  if (item.findAndGetFloat64(tag, value, pos).good() && std::isfinite(value)) return value;
  return std::nullopt;
}

int get_int(DcmItem& item, const DcmTagKey& tag, int fallback = 0) {
  // Integer attributes come as US, IS or UL depending on the tag; try the common representations.
  Uint16 us = 0;
  if (item.findAndGetUint16(tag, us).good()) return us;
  Sint32 sl = 0;
  if (item.findAndGetSint32(tag, sl).good()) return sl;
  Uint32 ul = 0;
  if (item.findAndGetUint32(tag, ul).good()) return static_cast<int>(ul);
  if (auto d = get_double(item, tag)) return static_cast<int>(std::lround(*d));
  return fallback;
}

template <std::size_t N>
std::optional<std::array<double, N>> get_doubles(DcmItem& item, const DcmTagKey& tag) {
  std::array<double, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    auto v = get_double(item, tag, static_cast<unsigned long>(i));
    if (!v) return std::nullopt;
    out[i] = *v;
  }
  return out;
}

DcmItem* first_item(DcmItem* parent, const DcmTagKey& sequence) {
  if (parent == nullptr) return nullptr;
  DcmItem* item = nullptr;
  if (parent->findAndGetSequenceItem(sequence, item, 0).good()) return item;
  return nullptr;
}

// A functional group macro from the per-frame item, falling back to the shared one (PS3.3 C.7.6.16).
DcmItem* functional_group(DcmItem* per_frame, DcmItem* shared, const DcmTagKey& sequence) {
  if (DcmItem* item = first_item(per_frame, sequence)) return item;
  return first_item(shared, sequence);
}

void read_plane(DcmItem& item, FrameHeader& frame) {
  if (auto p = get_doubles<3>(item, DCM_ImagePositionPatient)) frame.position = core::Vec3{(*p)[0], (*p)[1], (*p)[2]};
}

void read_frames_enhanced(DcmDataset& dataset, FileHeader& header, const FrameHeader& defaults) {
  DcmItem* shared = first_item(&dataset, DCM_SharedFunctionalGroupsSequence);
  DcmSequenceOfItems* per_frame_seq = nullptr;
  if (dataset.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, per_frame_seq).bad() || per_frame_seq == nullptr) {
    throw core::MyoError(header.path.string(), "multi-frame object without PerFrameFunctionalGroupsSequence");
  }
  const auto count = static_cast<int>(per_frame_seq->card());
  if (count != header.number_of_frames) {
    throw core::MyoError(header.path.string(), fmt::format("NumberOfFrames is {} but PerFrameFunctionalGroupsSequence has {} items",
                                                           header.number_of_frames, count));
  }
  header.frames.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    DcmItem* pf = per_frame_seq->getItem(static_cast<unsigned long>(i));
    FrameHeader frame = defaults;
    frame.frame_index = i;
    // Only the public PlanePositionSequence counts: Philips repeats a half-voxel-shifted IPP in private (2005,140F).
    if (DcmItem* g = functional_group(pf, shared, DCM_PlanePositionSequence)) read_plane(*g, frame);
    if (DcmItem* g = functional_group(pf, shared, DCM_PlaneOrientationSequence)) {
      if (auto o = get_doubles<6>(*g, DCM_ImageOrientationPatient)) frame.orientation = o;
    }
    if (DcmItem* g = functional_group(pf, shared, DCM_PixelMeasuresSequence)) {
      if (auto s = get_doubles<2>(*g, DCM_PixelSpacing)) frame.pixel_spacing = s;
      if (auto t = get_double(*g, DCM_SliceThickness)) frame.slice_thickness_mm = t;
    }
    if (DcmItem* g = functional_group(pf, shared, DCM_MRImageFrameTypeSequence)) {
      const auto type = get_string(*g, DCM_FrameType);
      if (!type.empty()) frame.image_type = type;
      const auto complex = get_string(*g, DCM_ComplexImageComponent);
      if (!complex.empty()) frame.complex_component = complex;
    }
    if (DcmItem* g = functional_group(pf, shared, DCM_MREchoSequence)) {
      if (auto te = get_double(*g, DCM_EffectiveEchoTime)) frame.echo_time_ms = te;
    }
    if (DcmItem* g = functional_group(pf, shared, DCM_MRTimingAndRelatedParametersSequence)) {
      if (auto tr = get_double(*g, DCM_RepetitionTime)) frame.repetition_time_ms = tr;
    }
    if (DcmItem* g = functional_group(pf, shared, DCM_MRModifierSequence)) {
      if (auto ti = get_double(*g, DCM_InversionTimes)) frame.inversion_time_ms = ti;
    }
    if (DcmItem* g = functional_group(pf, shared, DCM_PixelValueTransformationSequence)) {
      if (auto s = get_double(*g, DCM_RescaleSlope)) frame.slope = *s;
      if (auto b = get_double(*g, DCM_RescaleIntercept)) frame.intercept = *b;
    }
    if (pf != nullptr) {
      if (auto ss = get_float32(*pf, kPhilipsScaleSlope, true)) frame.philips_scale_slope = ss;
    }
    if (DcmItem* g = functional_group(pf, shared, DCM_FrameContentSequence)) {
      frame.temporal_index = get_int(*g, DCM_TemporalPositionIndex, 0);
    }
    header.frames.push_back(std::move(frame));
  }
}

// The Siemens CSA image header (0029,1010) as element name -> values; empty when absent or unreadable.
std::map<std::string, std::vector<std::string>> read_csa_image_header(DcmDataset& dataset) {
  const Uint8* bytes = nullptr;
  unsigned long length = 0;
  if (dataset.findAndGetUint8Array(DcmTagKey(0x0029, 0x1010), bytes, &length).bad() || bytes == nullptr) return {};
  return parse_csa(bytes, length);
}

// Siemens phase-encoding polarity: CSA PhaseEncodingDirectionPositive on classic images, (0021,111C) of the
// "SIEMENS MR SDI 02" block on XA Enhanced MR (in a functional group). 1: towards increasing row or column index.
std::optional<bool> siemens_phase_polarity(DcmDataset& dataset) {
  std::string value = get_string(dataset, DcmTagKey(0x0021, 0x111C), true);
  if (value.empty()) {
    const auto csa = read_csa_image_header(dataset);
    const auto it = csa.find("PhaseEncodingDirectionPositive");
    if (it != csa.end() && !it->second.empty()) value = trim(it->second.front());
  }
  if (value == "1") return true;
  if (value == "0") return false;
  return std::nullopt;
}

// Siemens mosaic: tiles of a square grid, slices ordered along the CSA SliceNormalVector, the stored
// ImagePositionPatient refers to the corner of the whole mosaic (see vendor_conventions.md).
void expand_mosaic(DcmDataset& dataset, FileHeader& h) {
  const FrameHeader base = h.frames.front();
  const auto csa = read_csa_image_header(dataset);
  const auto csa_number = [&](const char* name, std::size_t index) -> std::optional<double> {
    const auto it = csa.find(name);
    if (it == csa.end() || it->second.size() <= index) return std::nullopt;
    try {
      const double value = std::stod(it->second[index]);
      return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  int count = get_int(dataset, DcmTagKey(0x0019, 0x100A), 0);
  if (count <= 0) {
    // Range-checked before the conversion: a hostile CSA value (1e300) must not overflow an int.
    const auto n = csa_number("NumberOfImagesInMosaic", 0);
    if (n && *n >= 1 && *n <= kMaxLegacyFrames) count = static_cast<int>(*n);
  }
  if (count > kMaxLegacyFrames) {
    throw core::MyoError(h.path.string(), fmt::format("implausible NumberOfImagesInMosaic {}", count));
  }
  if (count <= 0) throw core::MyoError(h.path.string(), "Siemens mosaic without NumberOfImagesInMosaic");
  const int tiles = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
  if (h.rows % tiles != 0 || h.columns % tiles != 0) {
    throw core::MyoError(h.path.string(), fmt::format("mosaic of {}x{} cannot hold a {}x{} grid", h.columns, h.rows, tiles, tiles));
  }
  h.mosaic_tiles_per_row = tiles;
  h.frame_rows = h.rows / tiles;
  h.frame_columns = h.columns / tiles;
  if (!base.position || !base.orientation || !base.pixel_spacing) {
    throw core::MyoError(h.path.string(), "Siemens mosaic without ImagePositionPatient/ImageOrientationPatient/PixelSpacing");
  }
  const auto& o = *base.orientation;
  const core::Vec3 row{o[0], o[1], o[2]};
  const core::Vec3 col{o[3], o[4], o[5]};
  core::Vec3 normal = core::normalized(core::cross(row, col));
  if (auto x = csa_number("SliceNormalVector", 0)) {
    const core::Vec3 csa_normal{*x, csa_number("SliceNormalVector", 1).value_or(0), csa_number("SliceNormalVector", 2).value_or(0)};
    if (core::dot(csa_normal, normal) < 0) normal = {-normal[0], -normal[1], -normal[2]};
  }
  const double spacing = h.spacing_between_slices_mm.value_or(base.slice_thickness_mm.value_or(1.0));
  const double half_cols = (h.columns - h.frame_columns) / 2.0 * (*base.pixel_spacing)[1];
  const double half_rows = (h.rows - h.frame_rows) / 2.0 * (*base.pixel_spacing)[0];
  core::Vec3 first = *base.position;
  for (int a = 0; a < 3; ++a) first[a] += row[a] * half_cols + col[a] * half_rows;
  h.frames.clear();
  for (int k = 0; k < count; ++k) {
    FrameHeader f = base;
    f.frame_index = k;
    f.position = core::Vec3{first[0] + normal[0] * spacing * k, first[1] + normal[1] * spacing * k,
                            first[2] + normal[2] * spacing * k};
    h.frames.push_back(f);
  }
}

bool vendor_is_siemens(const std::string& manufacturer) { return to_upper(manufacturer).find("SIEMENS") != std::string::npos; }

}  // namespace

FileHeader parse_header(DcmDataset& dataset, const std::filesystem::path& path) {
  FileHeader h;
  h.path = path;
  h.sop_class_uid = get_string(dataset, DCM_SOPClassUID);
  h.sop_instance_uid = get_string(dataset, DCM_SOPInstanceUID);
  h.patient_id = get_string(dataset, DCM_PatientID);
  h.patient_name = get_string(dataset, DCM_PatientName);
  h.patient_birth_date = get_string(dataset, DCM_PatientBirthDate);
  h.patient_sex = get_string(dataset, DCM_PatientSex);
  h.issuer_of_patient_id = get_string(dataset, DCM_IssuerOfPatientID);
  h.study_uid = get_string(dataset, DCM_StudyInstanceUID);
  h.study_date = get_string(dataset, DCM_StudyDate);
  h.study_description = get_string(dataset, DCM_StudyDescription);
  h.accession_number = get_string(dataset, DCM_AccessionNumber);
  h.institution = get_string(dataset, DCM_InstitutionName);
  h.series_uid = get_string(dataset, DCM_SeriesInstanceUID);
  h.series_description = get_string(dataset, DCM_SeriesDescription);
  h.protocol_name = get_string(dataset, DCM_ProtocolName);
  h.modality = get_string(dataset, DCM_Modality);
  h.manufacturer = get_string(dataset, DCM_Manufacturer);
  h.series_number = get_int(dataset, DCM_SeriesNumber, 0);
  h.instance_number = get_int(dataset, DCM_InstanceNumber, 0);
  h.sequence_name = get_string(dataset, DCM_SequenceName);
  if (h.sequence_name.empty()) h.sequence_name = get_string(dataset, DCM_PulseSequenceName);
  h.scanning_sequence = get_string(dataset, DCM_ScanningSequence);
  h.sequence_variant = get_string(dataset, DCM_SequenceVariant);
  h.scan_options = get_string(dataset, DCM_ScanOptions);
  h.philips_image_type = get_string(dataset, kPhilipsImageType);
  h.spacing_between_slices_mm = get_double(dataset, DCM_SpacingBetweenSlices);
  h.field_strength_t = get_double(dataset, DCM_MagneticFieldStrength);
  // Enhanced MR keeps both in functional groups (MR Timing, MR FOV/Geometry): the nested search finds them.
  if (Float64 flip = 0; dataset.findAndGetFloat64(DCM_FlipAngle, flip, 0, true).good() && std::isfinite(flip)) {
    h.flip_angle_deg = flip;
  }
  h.in_plane_phase_encoding = get_string(dataset, DCM_InPlanePhaseEncodingDirection, true);
  if (vendor_is_siemens(h.manufacturer)) h.phase_encoding_positive = siemens_phase_polarity(dataset);
  if (vendor_from_manufacturer(h.manufacturer) == Vendor::ge) h.phase_encoding_positive = ge_phase_polarity(dataset);
  h.rows = get_int(dataset, DCM_Rows);
  h.columns = get_int(dataset, DCM_Columns);
  h.bits_allocated = get_int(dataset, DCM_BitsAllocated);
  h.bits_stored = get_int(dataset, DCM_BitsStored, h.bits_allocated);
  h.high_bit = get_int(dataset, DCM_HighBit, h.bits_stored - 1);
  h.pixel_representation = get_int(dataset, DCM_PixelRepresentation);
  h.samples_per_pixel = get_int(dataset, DCM_SamplesPerPixel, 1);
  h.photometric = get_string(dataset, DCM_PhotometricInterpretation);
  h.number_of_frames = get_int(dataset, DCM_NumberOfFrames, 1);
  if (h.number_of_frames < 1) h.number_of_frames = 1;

  if (h.series_uid.empty()) throw core::MyoError(path.string(), "no SeriesInstanceUID");
  if (h.rows <= 0 || h.columns <= 0) throw core::MyoError(path.string(), "not an image (no Rows/Columns)");

  FrameHeader defaults;
  defaults.image_type = get_string(dataset, DCM_ImageType);
  if (vendor_is_siemens(h.manufacturer)) defaults.siemens_image_type_text = get_string(dataset, kSiemensImageTypeText);
  // Classic Philips exports put ComplexImageComponent inside a private sequence; searching nested items finds it.
  defaults.complex_component = get_string(dataset, DCM_ComplexImageComponent, true);
  if (defaults.complex_component.empty() && vendor_from_manufacturer(h.manufacturer) == Vendor::ge) {
    defaults.complex_component = ge_complex_component(dataset);
  }
  defaults.echo_time_ms = get_double(dataset, DCM_EchoTime);
  defaults.repetition_time_ms = get_double(dataset, DCM_RepetitionTime);
  defaults.inversion_time_ms = get_double(dataset, DCM_InversionTime);
  defaults.echo_number = get_int(dataset, DCM_EchoNumbers, 0);
  defaults.slice_thickness_mm = get_double(dataset, DCM_SliceThickness);
  defaults.philips_scale_slope = get_float32(dataset, kPhilipsScaleSlope, false);

  const bool has_per_frame = dataset.tagExists(DCM_PerFrameFunctionalGroupsSequence);
  h.multi_frame = has_per_frame;
  if (has_per_frame) {
    // Enhanced objects carry ComplexImageComponent MIXED at the top: the per-frame value decides.
    defaults.complex_component.clear();
    read_frames_enhanced(dataset, h, defaults);
  } else {
    FrameHeader frame = defaults;
    if (auto p = get_doubles<3>(dataset, DCM_ImagePositionPatient)) frame.position = core::Vec3{(*p)[0], (*p)[1], (*p)[2]};
    frame.orientation = get_doubles<6>(dataset, DCM_ImageOrientationPatient);
    frame.pixel_spacing = get_doubles<2>(dataset, DCM_PixelSpacing);
    if (auto s = get_double(dataset, DCM_RescaleSlope)) frame.slope = *s;
    if (auto b = get_double(dataset, DCM_RescaleIntercept)) frame.intercept = *b;
    // A rescale that is present but not a finite number cannot be applied; ignoring it (slope 1) would give
    // silently wrong values.
    for (const auto& [tag, name] :
         {std::pair{DCM_RescaleSlope, "RescaleSlope"}, std::pair{DCM_RescaleIntercept, "RescaleIntercept"}}) {
      if (dataset.tagExistsWithValue(tag) && !get_double(dataset, tag)) {
        throw core::MyoError(path.string(), fmt::format("{} '{}' is not a finite number", name, get_string(dataset, tag)));
      }
    }
    if (h.number_of_frames > kMaxLegacyFrames) {
      throw core::MyoError(path.string(), fmt::format("implausible NumberOfFrames {}", h.number_of_frames));
    }
    if (h.number_of_frames > 1) {
      // Legacy multi-frame without functional groups: one geometry for all frames, which cannot be stacked safely.
      for (int i = 0; i < h.number_of_frames; ++i) {
        FrameHeader f = frame;
        f.frame_index = i;
        h.frames.push_back(f);
      }
    } else {
      h.frames.push_back(frame);
    }
  }
  h.frame_rows = h.rows;
  h.frame_columns = h.columns;
  if (!has_per_frame && h.number_of_frames == 1) {
    const auto tokens = split_values(to_upper(defaults.image_type));
    if (std::find(tokens.begin(), tokens.end(), "MOSAIC") != tokens.end()) expand_mosaic(dataset, h);
  }
  // A finite rescale can still send the stored values past the float range of the volume (RescaleSlope 1e38):
  // infinite voxels would poison every mean downstream.
  for (const auto& f : h.frames) {
    if (rescale_overflows_float(h, f.slope, f.intercept)) {
      throw core::MyoError(path.string(), fmt::format("RescaleSlope {:g} / RescaleIntercept {:g} give pixel values beyond "
                                                      "the floating-point range (infinite pixels)", f.slope, f.intercept));
    }
  }
  return h;
}

AcquisitionKey acquisition_key(const FileHeader& header, std::size_t frame, std::size_t file) {
  const auto& f = header.frames.at(frame);
  return {f.echo_number, f.echo_time_ms.value_or(0.0), header.multi_frame ? 0 : f.temporal_index,
          header.instance_number, file, frame};
}

std::vector<std::size_t> acquisition_rank(const std::vector<AcquisitionKey>& keys) {
  std::vector<std::size_t> rank(keys.size());
  std::iota(rank.begin(), rank.end(), std::size_t{0});
  const auto tied = [&](std::size_t i) {
    const auto& k = keys[i];
    return std::tie(k.echo_number, k.echo_time_ms, k.temporal_index, k.instance_number, k.file, k.frame);
  };
  std::sort(rank.begin(), rank.end(), [&](std::size_t a, std::size_t b) { return tied(a) < tied(b); });
  return rank;
}

bool rescale_overflows_float(const FileHeader& header, double slope, double intercept) {
  if (header.bits_stored <= 0 || header.bits_stored > 32) return false;
  const double span = std::ldexp(1.0, header.bits_stored);
  const double lowest = header.pixel_representation == 1 ? -span / 2 : 0.0;
  const double highest = header.pixel_representation == 1 ? span / 2 - 1 : span - 1;
  const double extreme = std::max(std::abs(lowest * slope + intercept), std::abs(highest * slope + intercept));
  return !(extreme <= static_cast<double>(FLT_MAX));
}

std::string frame_signature(const FrameHeader& frame) {
  std::string key = frame.image_type;
  if (!frame.siemens_image_type_text.empty()) key += "|" + frame.siemens_image_type_text;
  const std::string complex = to_upper(frame.complex_component);
  if (!complex.empty() && to_upper(key).find(complex) == std::string::npos) key += "|" + complex;
  if (frame.echo_time_ms) key += fmt::format("|TE={:g}", *frame.echo_time_ms);
  return key;
}

std::string orientation_label(const std::array<double, 6>& iop) {
  const core::Vec3 n = core::cross({iop[0], iop[1], iop[2]}, {iop[3], iop[4], iop[5]});
  const double ax = std::abs(n[0]);
  const double ay = std::abs(n[1]);
  const double az = std::abs(n[2]);
  const double m = std::max({ax, ay, az});
  // Up to ~37 degrees of tilt still reads as the main plane (what a radiologist would call it).
  if (m < 0.8) return "oblique";
  if (m == az) return "axial";
  if (m == ay) return "coronal";
  return "sagittal";
}

}  // namespace myo::dicom::detail
