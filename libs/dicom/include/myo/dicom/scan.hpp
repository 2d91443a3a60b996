#pragma once
// Finding DICOM files, indexing them patient -> study -> series, and deciding each series' role.
// A "series" here is one reconstructable volume: a SeriesInstanceUID split further by image type / echo when one
// series holds several (Philips mDIXON holds W/F/IP/OP in one series).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/dicom/series_role.hpp"

namespace myo::dicom {

struct FileProblem {
  std::filesystem::path path;
  std::string reason;
};

struct SeriesInfo {
  std::string series_instance_uid;
  std::string split_key;  // empty unless the series was split (e.g. "WATER", "FAT", "TE=4.6")
  int series_number = 0;
  std::string description;
  std::string modality;
  Vendor vendor = Vendor::unknown;
  std::string manufacturer;
  SeriesRole role = SeriesRole::other;
  std::string role_reason;  // which tags decided the role, e.g. "ImageType contains WATER"
  std::string image_type;   // backslash-joined ImageType (or FrameType) values
  std::string sequence_name;
  std::string scanning_sequence;
  std::optional<double> echo_time_ms;
  std::optional<double> repetition_time_ms;
  std::optional<double> inversion_time_ms;
  std::string orientation;  // "axial" | "coronal" | "sagittal" | "oblique" | "mixed"
  std::vector<std::filesystem::path> files;  // files holding this series' images
  std::size_t slice_count = 0;               // images (frames) belonging to this volume
  std::array<int, 2> rows_columns{0, 0};
  std::array<double, 2> pixel_spacing_mm{0, 0};
  std::optional<double> slice_thickness_mm;
  std::vector<std::string> problems;  // geometry or consistency problems found while indexing
};

struct StudyInfo {
  std::string study_instance_uid;
  std::string study_date;         // YYYYMMDD as in the file
  std::string study_description;
  std::string accession_number;
  std::string patient_id;         // kept for outputs that go back to the PACS; never logged
  std::string patient_name;       // idem
  std::string patient_birth_date; // idem
  std::string patient_sex;
  std::string institution_name;
  std::vector<SeriesInfo> series;
};

struct ScanOptions {
  bool recursive = true;
  unsigned threads = 0;  // 0 = hardware concurrency
};

struct ScanResult {
  std::vector<StudyInfo> studies;
  std::vector<FileProblem> problems;  // files that looked like DICOM but could not be read
  std::size_t files_examined = 0;
  std::size_t dicom_files = 0;
};

// Scans a folder (recursively), a DICOMDIR or a single file. Non-DICOM files are skipped quietly.
[[nodiscard]] ScanResult scan(const std::filesystem::path& path, const ScanOptions& options = {});

}  // namespace myo::dicom
