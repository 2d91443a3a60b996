#pragma once
// Shared between the figure sources: metric access and the 3D map drawn from prepared surfaces.
#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "colormap.hpp"
#include "myo/rendering/figures.hpp"
#include "surfaces.hpp"

namespace myo::rendering::detail {

// A volume sampled at an LPS point (nullopt outside it): nearest voxel for labels and masks, trilinear for images.
template <class T>
[[nodiscard]] std::optional<T> sample_nearest(const core::Volume<T>& volume, const core::Vec3& p) {
  const auto index = volume.geometry.physical_to_index(p);
  std::array<std::size_t, 3> i{};
  for (std::size_t a = 0; a < 3; ++a) {
    const long v = std::lround(index[a]);
    if (v < 0 || v >= static_cast<long>(volume.geometry.size[a])) return std::nullopt;
    i[a] = static_cast<std::size_t>(v);
  }
  return volume.at(i[0], i[1], i[2]);
}
[[nodiscard]] std::optional<double> sample_linear(const core::ImageVolume& volume, const core::Vec3& p);

[[nodiscard]] std::optional<double> metric_value(const quantification::GroupMeasurement& m, Metric metric);
// True when the 3D map of the metric can be coloured (a measurement, or a map to compute group means from).
[[nodiscard]] bool measurements_have(const FigureInput& input, Metric metric);
// label value -> group mean of the metric (labels without a measurement are absent); when no measurement has the
// metric, the means are computed from the fat fraction map / edema mask.
[[nodiscard]] std::map<int, double> metric_by_label(const FigureInput& input, Metric metric);
[[nodiscard]] std::string group_side_name(int label);  // "Quadriceps femoris R"

// skin (faint) and bone (ivory) are context and may be null.
[[nodiscard]] Figure draw_map3d(const FigureInput& input, const LabelSurfaces& surfaces, vtkPolyData* skin,
                                vtkPolyData* bone, Metric metric, const std::filesystem::path& png,
                                const FigureParams& params);

[[nodiscard]] std::optional<Figure> draw_slices(const FigureInput& input, Metric metric,
                                                const std::filesystem::path& png, const FigureParams& params);
[[nodiscard]] std::optional<Figure> draw_involvement(const FigureInput& input, Metric metric,
                                                     const std::filesystem::path& png, const FigureParams& params);

}  // namespace myo::rendering::detail
