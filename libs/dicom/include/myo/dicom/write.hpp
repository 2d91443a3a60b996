#pragma once
// Writing image series as classic single-frame MR DICOM files. The writer is generic: it encodes the patient, study,
// geometry and pixel modules itself and writes whatever acquisition and vendor attributes the caller hands it (the
// study generator's vendor conventions live in libs/phantom).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::dicom {

struct PatientStudyTags {
  std::string patient_name = "MYOSCOPE^PHANTOM";
  std::string patient_id = "PHANTOM0001";
  std::string patient_birth_date = "19700101";
  std::string patient_sex = "O";
  std::string study_instance_uid;  // generated when empty
  std::string study_date = "20260101";
  std::string study_time = "090000";
  std::string study_description = "MR HIPS AND THIGHS";
  std::string accession_number = "ACC0001";
  std::string frame_of_reference_uid;  // generated when empty; shared by all series of one study
  double magnetic_field_strength_t = 3.0;
};

// A standard attribute by its DICOM keyword (data dictionary name such as "ImageType") and its value as text:
// backslash between values, numbers as decimal strings (see decimal_string). The VR comes from the dictionary.
struct Attribute {
  std::string keyword;
  std::string value;
};

// A private attribute (group, element) with its VR, in the block that `creator` reserves in the same group
// (the creator element is (group, 00xx) with xx the element's high byte).
struct PrivateAttribute {
  std::uint16_t group = 0;
  std::uint16_t element = 0;
  std::string creator;
  std::string vr;  // two letters: "CS", "SS", "FL", ...
  std::string value;
};

// How voxel values become stored unsigned 16-bit integers.
enum class PixelStorage {
  direct,          // as they are when they fit 0..65535 (12 bits stored up to 4095); otherwise rescaled to 16 bits
  rescaled_12bit,  // 12-bit values with RescaleSlope/Intercept over the volume's range, RescaleType "normalized"
  phase_12bit,     // 12-bit 0..4095 with RescaleSlope 2 and RescaleIntercept -4096 (a phase image of -4096..4094)
};

// One image volume of a series (a series may hold several, e.g. water, fat, in- and opposed-phase).
struct ImageSpec {
  const core::ImageVolume* volume = nullptr;  // must outlive the write call
  std::vector<Attribute> attributes;          // written on every slice of this volume
  std::vector<PrivateAttribute> private_attributes;
  PixelStorage storage = PixelStorage::direct;
  // When set, this private attribute (VR FL) receives 1 / RescaleSlope of each slice; its value is ignored.
  std::optional<PrivateAttribute> reciprocal_rescale_slope{};
};

// File names of the written slices, as media exports name them; all are unique within the folder.
enum class FileNaming {
  hex8,          // eight hexadecimal characters from the SOP Instance UID, no extension
  im_numbered,   // IM_0001, IM_0002, ... numbered on from the IM_ files already in the folder
  mrdc,          // i<7 digits from the SOP Instance UID>.MRDC.<instance number>
};

struct SeriesSpec {
  std::vector<Attribute> attributes;  // written on every file of the series (after the images' own)
  std::string series_instance_uid{};      // generated when empty
  std::string sop_instance_uid_prefix{};  // SOP UIDs are prefix + "." + instance number; generated per file when empty
  std::optional<double> slice_thickness_mm{};  // defaults to the slice spacing
  FileNaming naming = FileNaming::hex8;
};

// Writes every slice of every image as one MR Image Storage file into `directory`; all images share one
// SeriesInstanceUID and instance numbers run on across them. Returns the written paths. Throws core::MyoError
// naming the file or folder on failure (an unknown keyword included).
std::vector<std::filesystem::path> write_series(const std::vector<ImageSpec>& images, const PatientStudyTags& study,
                                                const SeriesSpec& series, const std::filesystem::path& directory);

// A decimal string (DS) of at most 16 characters: six decimals with trailing zeros dropped.
[[nodiscard]] std::string decimal_string(double value);
[[nodiscard]] std::string decimal_string(std::initializer_list<double> values);  // backslash-separated

// A fresh DICOM UID under the project's root.
[[nodiscard]] std::string new_uid();

// A deterministic UID ("2.25." + 128-bit hash of `key`, the UUID-derived form of ISO/IEC 9834-8 that needs no
// registered root): the study generator derives every UID from its seed so that reruns are bit-for-bit identical.
[[nodiscard]] std::string uid_from_key(const std::string& key);

}  // namespace myo::dicom
