#pragma once
// Shared between the figure sources: metric access and the 3D map drawn from prepared surfaces.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "colormap.hpp"
#include "myo/rendering/figures.hpp"
#include "surfaces.hpp"

namespace myo::rendering::detail {

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
