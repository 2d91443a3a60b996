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
#include "rounding.hpp"
#include "surfaces.hpp"

namespace myo::rendering::detail {

// A volume sampled at a continuous index of its own grid (nullopt outside it): nearest voxel for labels and masks,
// trilinear for images.
template <class T>
[[nodiscard]] std::optional<T> nearest_at(const core::Volume<T>& volume, const core::Vec3& index) {
  std::array<std::size_t, 3> i{};
  for (std::size_t a = 0; a < 3; ++a) {
    const long v = round_half_away(index[a]);
    if (v < 0 || v >= static_cast<long>(volume.geometry.size[a])) return std::nullopt;
    i[a] = static_cast<std::size_t>(v);
  }
  return volume.at(i[0], i[1], i[2]);
}
[[nodiscard]] std::optional<double> linear_at(const core::ImageVolume& volume, const core::Vec3& index);
// linear_at's general case: any index, clamped to the grid half a voxel beyond its centres, single-voxel axes held.
// linear_at takes a shorter path inside the grid that gives the same bits.
[[nodiscard]] std::optional<double> linear_general(const core::ImageVolume& volume, const core::Vec3& index);

// The same at an LPS point.
template <class T>
[[nodiscard]] std::optional<T> sample_nearest(const core::Volume<T>& volume, const core::Vec3& p) {
  return nearest_at(volume, volume.geometry.physical_to_index(p));
}
[[nodiscard]] std::optional<double> sample_linear(const core::ImageVolume& volume, const core::Vec3& p);

// Bit-equal grids: a continuous index computed on one is the index on the other.
[[nodiscard]] bool identical_grid(const core::Geometry& a, const core::Geometry& b);

// The continuous index of a layer at a pixel, given the labels' index there: the labels' own when the layer is on
// the identical grid (computed once per pixel for every layer), else the layer's (a grid merely within
// Geometry::same_grid's tolerance), so the samples are those of sampling each layer at the LPS point. An absent
// layer (null) is never sampled.
class LayerIndex {
 public:
  template <class T>
  LayerIndex(const core::Volume<T>* layer, const core::Geometry& labels)
      : layer_(layer ? &layer->geometry : &labels), shared_(identical_grid(*layer_, labels)) {}
  [[nodiscard]] core::Vec3 operator()(const core::Vec3& labels_index, const core::Vec3& p) const {
    return shared_ ? labels_index : layer_->physical_to_index(p);
  }

 private:
  const core::Geometry* layer_;
  bool shared_;
};

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
