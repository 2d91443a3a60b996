#include "myo/pipeline/label_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/resample.hpp"

namespace myo::pipeline {

core::LabelVolume read_label_map(const std::filesystem::path& file) {
  const auto image = core::read_image(file);
  core::LabelVolume labels(image.geometry, 0);
  for (std::size_t i = 0; i < image.voxels.size(); ++i) {
    const float v = image.voxels[i];
    const float rounded = std::round(v);
    if (!std::isfinite(v) || rounded < 0.0F || rounded > 65535.0F || std::abs(v - rounded) > 0.01F)
      throw core::MyoError(file.string(), fmt::format("not a label map: voxel {} holds {:g} (labels are integers "
                                                      "0 to 65535)",
                                                      i, v));
    labels.voxels[i] = static_cast<std::uint16_t>(rounded);
  }
  return labels;
}

ConformedLabels conform_labels(core::LabelVolume labels, const core::Geometry& grid,
                               const std::filesystem::path& file) {
  ConformedLabels out;
  if (labels.geometry.same_grid_within_voxels(grid)) {
    labels.geometry = grid;
    out.labels = std::move(labels);
    return out;
  }
  const std::string from = labels.geometry.describe();
  try {
    out.labels = core::resample_labels_to(labels, grid);
  } catch (const std::exception& e) {
    throw core::MyoError(file.string(), std::string("cannot bring the labels onto the reference series: ") + e.what());
  }
  if (std::none_of(out.labels.voxels.begin(), out.labels.voxels.end(), [](std::uint16_t v) { return v != 0; }))
    throw core::MyoError(file.string(), fmt::format("no label falls inside the reference series (labels: {}; reference "
                                                    "series: {}): the label map belongs to other images",
                                                    from, grid.describe()));
  out.warning = fmt::format(
      "{}: labels resampled (nearest neighbour) from their grid ({}) onto the reference series "
      "grid ({})",
      file.filename().string(), from, grid.describe());
  return out;
}

}  // namespace myo::pipeline
