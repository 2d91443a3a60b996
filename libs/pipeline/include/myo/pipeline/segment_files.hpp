#pragma once
// The automatic segmentation on image files (NIfTI/NRRD) instead of a DICOM study: for data already converted
// (dcm2niix, other tools) and for measuring the segmentation on images from elsewhere.
#include <filesystem>

namespace myo::pipeline {

struct SegmentFilesOptions {
  std::filesystem::path water, fat, t1, stir;  // any of them; Dixon needs water and fat, on one grid
  std::filesystem::path model_file;            // empty: the built-in muscle model
  std::filesystem::path output;                // labels.nii.gz, muscle_labels.nii.gz, segmentation.json
  unsigned threads = 0;                        // 0: the process-wide count (core::set_thread_count)
};

// Throws core::MyoError naming the file concerned (unreadable image, grids that differ, unwritable output).
void segment_files(const SegmentFilesOptions& options);

}  // namespace myo::pipeline
