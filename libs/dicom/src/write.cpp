#include "myo/dicom/write.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fmt/format.h>
#include <memory>
#include <set>
#include <string_view>

#include "myo/core/error.hpp"
#include "myo/core/geometry.hpp"

namespace myo::dicom {
namespace {

// 64-bit FNV-1a followed by a splitmix finaliser: stable across platforms and runs (std::hash is not).
std::uint64_t hash64(std::string_view text, std::uint64_t basis) {
  std::uint64_t h = basis;
  for (const unsigned char ch : text) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

// Decimal text of a 128-bit number held as four 32-bit limbs (most significant first).
std::string to_decimal(std::array<std::uint32_t, 4> limbs) {
  std::string digits;
  const auto is_zero = [&] { return std::all_of(limbs.begin(), limbs.end(), [](std::uint32_t v) { return v == 0; }); };
  while (!is_zero()) {
    std::uint64_t remainder = 0;
    for (auto& limb : limbs) {
      const std::uint64_t current = (remainder << 32) | limb;
      limb = static_cast<std::uint32_t>(current / 10);
      remainder = current % 10;
    }
    digits.push_back(static_cast<char>('0' + remainder));
  }
  if (digits.empty()) digits = "0";
  std::reverse(digits.begin(), digits.end());
  return digits;
}

void check(const OFCondition& condition, const std::filesystem::path& file, std::string_view what) {
  if (condition.bad()) throw core::MyoError(file.string(), fmt::format("cannot {}: {}", what, condition.text()));
}

struct PixelScaling {
  double slope = 1.0;
  double intercept = 0.0;
  bool write_rescale = false;
  int bits_stored = 16;
};

// Values that fit are stored directly (no rescale tags), as Siemens and GE do; rescaled_12bit stores 12-bit values
// with RescaleSlope/Intercept (Philips), so readers must apply the rescale.
PixelScaling choose_scaling(const core::ImageVolume& volume, PixelStorage storage) {
  if (storage == PixelStorage::phase_12bit) return {2.0, -4096.0, true, 12};
  float lo = 0.0F;
  float hi = 0.0F;
  if (!volume.voxels.empty()) {
    const auto [mn, mx] = std::minmax_element(volume.voxels.begin(), volume.voxels.end());
    lo = *mn;
    hi = *mx;
  }
  PixelScaling s;
  if (storage == PixelStorage::rescaled_12bit) {
    s.write_rescale = true;
    s.bits_stored = 12;
    s.intercept = std::min(0.0, static_cast<double>(lo));
    const double range = static_cast<double>(hi) - s.intercept;
    s.slope = range > 0 ? range / 4095.0 : 1.0;
    return s;
  }
  if (lo >= 0.0F && hi <= 65535.0F && hi >= 255.0F) {
    s.bits_stored = hi <= 4095.0F ? 12 : 16;
    return s;
  }
  s.write_rescale = true;
  s.intercept = std::min(0.0, static_cast<double>(lo));
  const double range = static_cast<double>(hi) - s.intercept;
  s.slope = range > 0 ? range / 65535.0 : 1.0;
  return s;
}

// Window from the 99th percentile of the non-zero voxels, as consoles pick a default window.
std::pair<double, double> default_window(const core::ImageVolume& volume) {
  std::vector<float> sample;
  const std::size_t step = std::max<std::size_t>(1, volume.voxels.size() / 200000);
  for (std::size_t i = 0; i < volume.voxels.size(); i += step)
    if (volume.voxels[i] > 0.0F) sample.push_back(volume.voxels[i]);
  if (sample.empty()) return {50.0, 100.0};
  const auto nth = sample.begin() + static_cast<std::ptrdiff_t>(0.99 * static_cast<double>(sample.size() - 1));
  std::nth_element(sample.begin(), nth, sample.end());
  const double top = std::max(1.0, static_cast<double>(*nth));
  return {std::round(top / 2.0), std::round(top)};
}

// Unique file names within one series' folder.
class FileNamer {
 public:
  FileNamer(FileNaming naming, const std::filesystem::path& directory) : naming_(naming), directory_(directory) {
    if (naming_ == FileNaming::im_numbered)
      for (const auto& entry : std::filesystem::directory_iterator(directory))
        if (entry.path().filename().string().rfind("IM_", 0) == 0) ++counter_;
  }

  std::string next(const std::string& sop_uid, int instance_number) {
    std::string name;
    for (std::uint64_t attempt = 0;; ++attempt) {
      name = candidate(sop_uid, instance_number, attempt);
      if (!taken_.count(name) && !std::filesystem::exists(directory_ / name)) break;
    }
    taken_.insert(name);
    return name;
  }

 private:
  std::string candidate(const std::string& sop_uid, int instance_number, std::uint64_t attempt) {
    switch (naming_) {
      case FileNaming::im_numbered: return fmt::format("IM_{:04d}", ++counter_);
      case FileNaming::mrdc:
        return fmt::format("i{:07d}.MRDC.{}", static_cast<unsigned>(hash64(sop_uid, 0x9e37 + attempt) % 10000000U),
                           instance_number);
      case FileNaming::hex8: break;
    }
    return fmt::format("{:08X}", static_cast<std::uint32_t>(hash64(sop_uid, 0xcbf29ce484222325ULL + attempt)));
  }

  FileNaming naming_;
  std::filesystem::path directory_;
  std::set<std::string> taken_;
  std::size_t counter_ = 0;
};

std::string orientation_text(const core::Geometry& g) {
  const core::Vec3 r = g.axis(0);
  const core::Vec3 c = g.axis(1);
  return decimal_string({r[0], r[1], r[2], c[0], c[1], c[2]});
}

}  // namespace

std::string decimal_string(double value) {
  // DS is at most 16 characters: keep enough precision for geometry without exceeding it.
  std::string text = fmt::format("{:.6f}", value);
  if (text.find('.') != std::string::npos) {
    while (!text.empty() && text.back() == '0') text.pop_back();
    if (!text.empty() && text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  if (text.size() > 16) text = fmt::format("{:.10g}", value);
  return text;
}

std::string decimal_string(std::initializer_list<double> values) {
  std::string out;
  for (const double v : values) {
    if (!out.empty()) out += '\\';
    out += decimal_string(v);
  }
  return out;
}

std::string new_uid() {
  char buffer[100];
  dcmGenerateUniqueIdentifier(buffer, SITE_INSTANCE_UID_ROOT);
  return buffer;
}

std::string uid_from_key(const std::string& key) {
  const std::uint64_t a = hash64(key, 0xcbf29ce484222325ULL);
  const std::uint64_t b = hash64(key, 0x84222325cbf29ce4ULL);
  // Clear the top bit so the number never starts a 40-digit run (keeps the UID within 64 characters).
  const std::array<std::uint32_t, 4> limbs{static_cast<std::uint32_t>(a >> 32) & 0x7fffffffU,
                                           static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b >> 32),
                                           static_cast<std::uint32_t>(b)};
  return "2.25." + to_decimal(limbs);
}

namespace {

using ResolvedAttributes = std::vector<std::pair<DcmTag, std::string>>;

ResolvedAttributes resolve(const std::vector<Attribute>& attributes, const std::filesystem::path& directory) {
  ResolvedAttributes out;
  for (const auto& a : attributes) {
    DcmTag tag;
    if (DcmTag::findTagFromName(a.keyword.c_str(), tag).bad())
      throw core::MyoError(directory.string(), "no DICOM attribute is called " + a.keyword, core::ErrorKind::internal);
    out.emplace_back(tag, a.value);
  }
  return out;
}

// Values shared by every file of one series.
struct SeriesContext {
  const PatientStudyTags& study;
  std::string study_uid, frame_uid, series_uid;
  ResolvedAttributes attributes;
};

// Values shared by every slice of one image volume.
struct ImageContext {
  const ImageSpec& spec;
  ResolvedAttributes attributes;
  PixelScaling scaling;
  std::pair<double, double> window;  // centre, width
  double thickness_mm = 0;
};

// Puts text values into one file's dataset, naming the file when DCMTK refuses.
class DatasetWriter {
 public:
  DatasetWriter(DcmDataset& ds, const std::filesystem::path& file) : ds_(ds), file_(file) {}

  void put(const DcmTag& tag, const std::string& value) {
    check(ds_.putAndInsertString(tag, value.c_str()), file_,
          fmt::format("set ({:04x},{:04x})", tag.getGroup(), tag.getElement()));
  }
  void put(const DcmTagKey& key, const std::string& value) { put(DcmTag(key), value); }
  void put_us(const DcmTagKey& tag, Uint16 value) {
    check(ds_.putAndInsertUint16(tag, value), file_, fmt::format("set ({:04x},{:04x})", tag.getGroup(), tag.getElement()));
  }
  void put_all(const ResolvedAttributes& attributes) {
    for (const auto& [tag, value] : attributes) put(tag, value);
  }
  // A private attribute and its creator element; the value comes as text unless `fl` is given.
  void put_private(const PrivateAttribute& a, std::optional<Float32> fl = std::nullopt) {
    const auto creator_element = static_cast<Uint16>(a.element >> 8);
    check(ds_.putAndInsertString(DcmTag(a.group, creator_element, EVR_LO), a.creator.c_str()), file_,
          "set private creator");
    DcmTag tag(a.group, a.element, DcmVR(a.vr.c_str()));
    tag.setPrivateCreator(a.creator.c_str());
    const std::string what = fmt::format("set ({:04x},{:04x})", a.group, a.element);
    if (fl) check(ds_.putAndInsertFloat32(tag, *fl), file_, what);
    else check(ds_.putAndInsertString(tag, a.value.c_str()), file_, what);
  }

 private:
  DcmDataset& ds_;
  const std::filesystem::path& file_;
};

void put_patient_and_study(DatasetWriter& w, const SeriesContext& series) {
  const PatientStudyTags& study = series.study;
  w.put(DCM_SpecificCharacterSet, "ISO_IR 100");
  w.put(DCM_SOPClassUID, UID_MRImageStorage);
  w.put(DCM_StudyDate, study.study_date);
  w.put(DCM_SeriesDate, study.study_date);
  w.put(DCM_AcquisitionDate, study.study_date);
  w.put(DCM_ContentDate, study.study_date);
  w.put(DCM_StudyTime, study.study_time);
  w.put(DCM_AccessionNumber, study.accession_number);
  w.put(DCM_Modality, "MR");
  w.put(DCM_ReferringPhysicianName, "");
  w.put(DCM_StudyDescription, study.study_description);
  w.put(DCM_PatientName, study.patient_name);
  w.put(DCM_PatientID, study.patient_id);
  w.put(DCM_PatientBirthDate, study.patient_birth_date);
  w.put(DCM_PatientSex, study.patient_sex);
  w.put(DCM_ImagingFrequency, decimal_string(42.577478 * study.magnetic_field_strength_t));
  w.put(DCM_MagneticFieldStrength, decimal_string(study.magnetic_field_strength_t));
  w.put(DCM_StudyInstanceUID, series.study_uid);
  w.put(DCM_SeriesInstanceUID, series.series_uid);
  w.put(DCM_StudyID, "1");
  w.put(DCM_AcquisitionNumber, "1");
  w.put(DCM_FrameOfReferenceUID, series.frame_uid);
  w.put(DCM_PositionReferenceIndicator, "");
}

void put_slice_geometry(DatasetWriter& w, const core::Geometry& g, std::size_t k, double thickness_mm) {
  w.put(DCM_SliceThickness, decimal_string(thickness_mm));
  w.put(DCM_SpacingBetweenSlices, decimal_string(g.spacing_mm[2]));
  const core::Vec3 position = g.index_to_physical({0.0, 0.0, static_cast<double>(k)});
  w.put(DCM_ImagePositionPatient, decimal_string({position[0], position[1], position[2]}));
  w.put(DCM_ImageOrientationPatient, orientation_text(g));
  w.put(DCM_SliceLocation, decimal_string(core::dot(position, g.axis(2))));
  // PixelSpacing is row spacing (between rows, i.e. along the column direction) first, then column spacing.
  w.put(DCM_PixelSpacing, decimal_string({g.spacing_mm[1], g.spacing_mm[0]}));
}

void put_pixel_module(DatasetWriter& w, const ImageContext& image) {
  const core::Geometry& g = image.spec.volume->geometry;
  const PixelScaling& scaling = image.scaling;
  w.put_us(DCM_SamplesPerPixel, 1);
  w.put(DCM_PhotometricInterpretation, "MONOCHROME2");
  w.put_us(DCM_Rows, static_cast<Uint16>(g.size[1]));
  w.put_us(DCM_Columns, static_cast<Uint16>(g.size[0]));
  w.put_us(DCM_BitsAllocated, 16);
  w.put_us(DCM_BitsStored, static_cast<Uint16>(scaling.bits_stored));
  w.put_us(DCM_HighBit, static_cast<Uint16>(scaling.bits_stored - 1));
  w.put_us(DCM_PixelRepresentation, 0);
  w.put(DCM_WindowCenter, decimal_string(image.window.first));
  w.put(DCM_WindowWidth, decimal_string(image.window.second));
  if (scaling.write_rescale) {
    w.put(DCM_RescaleIntercept, decimal_string(scaling.intercept));
    w.put(DCM_RescaleSlope, fmt::format("{:.10g}", scaling.slope));
    w.put(DCM_RescaleType, image.spec.storage == PixelStorage::rescaled_12bit ? "normalized" : "US");
  }
  if (image.spec.reciprocal_rescale_slope)
    w.put_private(*image.spec.reciprocal_rescale_slope, static_cast<Float32>(1.0 / scaling.slope));
}

// Slice k of the volume as stored integers.
std::vector<Uint16> stored_pixels(const core::ImageVolume& volume, std::size_t k, const PixelScaling& scaling) {
  const std::size_t columns = volume.geometry.size[0];
  const std::size_t rows = volume.geometry.size[1];
  std::vector<Uint16> pixels(rows * columns);
  const std::uint16_t max_stored = static_cast<std::uint16_t>((1U << scaling.bits_stored) - 1U);
  for (std::size_t j = 0; j < rows; ++j)
    for (std::size_t i = 0; i < columns; ++i) {
      const double v = (static_cast<double>(volume.at(i, j, k)) - scaling.intercept) / scaling.slope;
      const double clamped = std::clamp(std::round(v), 0.0, static_cast<double>(max_stored));
      pixels[j * columns + i] = static_cast<Uint16>(clamped);
    }
  return pixels;
}

void write_slice(const SeriesContext& series, const ImageContext& image, std::size_t k, int instance_number,
                 const std::string& sop_uid, const std::filesystem::path& file) {
  auto format = std::make_unique<DcmFileFormat>();
  DcmDataset* ds = format->getDataset();
  DatasetWriter w(*ds, file);
  put_patient_and_study(w, series);
  w.put(DCM_SOPInstanceUID, sop_uid);
  w.put(DCM_InstanceNumber, std::to_string(instance_number));
  w.put_all(image.attributes);
  w.put_all(series.attributes);
  for (const auto& a : image.spec.private_attributes) w.put_private(a);
  put_slice_geometry(w, image.spec.volume->geometry, k, image.thickness_mm);
  put_pixel_module(w, image);
  const auto pixels = stored_pixels(*image.spec.volume, k, image.scaling);
  check(ds->putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())), file,
        "set pixel data");
  check(format->saveFile(file.string().c_str(), EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_recalcGL,
                         EPD_noChange, 0, 0, EWM_createNewMeta),
        file, "write DICOM file");
}

ImageContext image_context(const ImageSpec& spec, const SeriesSpec& series, const std::filesystem::path& directory) {
  if (spec.volume == nullptr) throw core::MyoError(directory.string(), "image component without volume");
  spec.volume->check();
  return {spec, resolve(spec.attributes, directory), choose_scaling(*spec.volume, spec.storage),
          default_window(*spec.volume), series.slice_thickness_mm.value_or(spec.volume->geometry.spacing_mm[2])};
}

}  // namespace

std::vector<std::filesystem::path> write_series(const std::vector<ImageSpec>& images, const PatientStudyTags& study,
                                                const SeriesSpec& series, const std::filesystem::path& directory) {
  if (images.empty()) throw core::MyoError(directory.string(), "no images to write");
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw core::MyoError(directory.string(), "cannot create folder: " + ec.message(), core::ErrorKind::output);
  const SeriesContext context{study,
                              study.study_instance_uid.empty() ? new_uid() : study.study_instance_uid,
                              study.frame_of_reference_uid.empty() ? new_uid() : study.frame_of_reference_uid,
                              series.series_instance_uid.empty() ? new_uid() : series.series_instance_uid,
                              resolve(series.attributes, directory)};
  FileNamer namer(series.naming, directory);
  std::vector<std::filesystem::path> written;
  int instance_number = 0;
  for (const auto& spec : images) {
    const ImageContext image = image_context(spec, series, directory);
    for (std::size_t k = 0; k < spec.volume->geometry.size[2]; ++k) {
      ++instance_number;
      const std::string sop_uid = series.sop_instance_uid_prefix.empty()
                                      ? new_uid()
                                      : fmt::format("{}.{}", series.sop_instance_uid_prefix, instance_number);
      const std::filesystem::path file = directory / namer.next(sop_uid, instance_number);
      write_slice(context, image, k, instance_number, sop_uid, file);
      written.push_back(file);
    }
  }
  return written;
}

}  // namespace myo::dicom
