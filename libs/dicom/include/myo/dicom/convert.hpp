#pragma once
// DICOM -> NIfTI conversion: every reconstructable volume found under a path becomes a .nii.gz (or .nii) plus a JSON
// sidecar of key tags, ours and BIDS'. A series holding several volumes at the same positions (time points, repeats)
// becomes one 4D file, as dcm2niix writes it. File names come from the series number and the sanitised
// description, never from patient data.
#include <filesystem>
#include <string>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/dicom/load.hpp"
#include "myo/dicom/scan.hpp"

namespace myo::dicom {

struct ConvertOptions {
  std::filesystem::path output_dir;
  ScanOptions scan;
  LoadOptions load;
  bool skip_localizers = false;
  bool stitch_stations = false;  // also write one stitched volume per group of table positions (find_stations)
  bool gzip = true;               // .nii.gz; false: uncompressed .nii (dcm2niix -z y / -z n)
  bool native_integers = true;    // int16/uint16 as stored, with scl_slope/scl_inter, when one rescale fits every slice
  core::NiftiWriteOptions nifti{6, 0};  // gzip level 6 by default, as dcm2niix
};

struct ConvertedSeries {
  SeriesInfo info;
  std::filesystem::path nifti_path;
  std::filesystem::path json_path;
  std::vector<std::string> warnings;
  std::size_t volumes = 1;  // > 1: a 4D file
};

struct ConvertResult {
  ScanResult scan;  // the index, without the channels' coverage check (ScanOptions::check_channel_coverage)
  std::vector<ConvertedSeries> converted;
  std::vector<core::Error> failures;  // series that could not be loaded (subject = series UID) or written
  std::vector<core::Error> skipped;   // localizers that are no single volume (3-plane): noted, not a failure
  bool output_error = false;          // a file could not be written (exit code 5)
};

// Scans `input` and converts every series. Failures of single series are collected, never abort the run.
[[nodiscard]] ConvertResult convert(const std::filesystem::path& input, const ConvertOptions& options);

// The sidecar JSON written beside each NIfTI (key acquisition tags, role and geometry; no patient identifiers), with
// the BIDS keys in BIDS units (EchoTime in s, ...) next to ours; per-volume echo times of a 4D file.
[[nodiscard]] std::string sidecar_json(const LoadedVolumes& series, const StudyInfo& study);

// Base file name (without extension) for a series: "<number>_<description>[_<split>]", sanitised.
[[nodiscard]] std::string series_file_stem(const SeriesInfo& series);

// 0 all converted; 3 nothing to convert; 4 some files or series failed; 5 an output could not be written.
[[nodiscard]] int convert_exit_code(const ConvertResult& result);

// Summary lines for the console (what was written, what failed and why).
[[nodiscard]] std::string format_convert_summary(const ConvertResult& result);

}  // namespace myo::dicom
