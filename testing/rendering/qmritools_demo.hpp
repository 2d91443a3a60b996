#pragma once
// The QMRITools demo (lower legs: twoLegs.nii.gz and labels 13-26, BSD-3) from ../shared/data, for the rendering
// tests on real anatomy. The demo's muscles are not MyoScope groups: its labels are mapped onto catalogue labels
// (two per group, right then left) only to exercise the drawing and the viewer.
#include <filesystem>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/volume.hpp"

namespace myo::testing {

struct QmritoolsDemo {
  core::LabelVolume labels;  // catalogue labels; the demo's other labels cleared
  core::ImageVolume anatomy;
};

// Reads the demo from `folder` (check that labels.nii.gz exists first).
inline QmritoolsDemo read_qmritools_demo(const std::filesystem::path& folder) {
  QmritoolsDemo demo{core::read_labels(folder / "labels.nii.gz"), core::read_image(folder / "twoLegs.nii.gz")};
  const auto& groups = core::MuscleCatalog::instance().groups();
  for (auto& v : demo.labels.voxels) {
    if (v < 13 || v > 26) {
      v = 0;
      continue;
    }
    const int index = (v - 13) / 2, left = (v - 13) % 2;
    const auto& g = groups[static_cast<std::size_t>(index + 2) % groups.size()];
    v = static_cast<std::uint16_t>(left ? g.label_left : g.label_right);
  }
  return demo;
}

}  // namespace myo::testing
