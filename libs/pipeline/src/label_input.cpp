#include "myo/pipeline/label_input.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/resample.hpp"

namespace myo::pipeline {

core::LabelVolume read_label_map(const std::filesystem::path& file) { return core::read_labels(file); }

void refuse_unknown_labels(const std::vector<int>& unknown_values, const std::filesystem::path& file,
                           const std::filesystem::path& table) {
  if (unknown_values.empty()) return;
  constexpr std::size_t kNamed = 20;  // a map of noise can hold thousands of values: the first ones say enough
  const auto shown = std::min(unknown_values.size(), kNamed);
  std::string values = fmt::format("{}", fmt::join(unknown_values.begin(), unknown_values.begin() + shown, ", "));
  if (unknown_values.size() > shown) values += fmt::format(" and {} more", unknown_values.size() - shown);
  if (table.empty())
    throw core::MyoError(file.string(),
                         "label values " + values + " are not MyoScope labels: give --label-table naming every value");
  throw core::MyoError(file.string(), "label values " + values + " are not in the label table " + table.string() +
                                          ": name every value in it");
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
