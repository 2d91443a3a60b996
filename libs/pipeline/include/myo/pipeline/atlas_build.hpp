#pragma once
// Builds a segmentation atlas (myo/segmentation/atlas.hpp) from labelled DICOM studies, e.g. expert labels of a
// site's own patients, so that automatic segmentation can follow that site's anatomy and labelling conventions.
#include <filesystem>
#include <vector>

namespace myo::pipeline {

struct LabelledStudy {
  std::filesystem::path dicom;   // a folder holding one study
  std::filesystem::path labels;  // NIfTI/NRRD label map with catalogue labels (right 1-9, left 11-19)
};

// Writes the atlas atomically to `output`; returns how many studies went in. Throws MyoError naming the study.
std::size_t build_atlas(const std::vector<LabelledStudy>& studies, const std::filesystem::path& output);

}  // namespace myo::pipeline
