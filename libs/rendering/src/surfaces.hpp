#pragma once
// Smoothed surfaces of the labelled muscle groups and of the body outline, in LPS millimetres.
#include <vtkAlgorithmOutput.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

#include <functional>
#include <vector>

#include "colormap.hpp"
#include "myo/core/volume.hpp"

class vtkActor;
class vtkUnsignedCharArray;
class vtkPolyDataMapper;

namespace myo::rendering::detail {

struct LabelSurfaces {
  vtkSmartPointer<vtkPolyData> mesh;  // point array "label" (int); point normals; LPS mm
  std::vector<int> labels;            // label values present, increasing
};

// Point normals (consistent orientation, no splitting at sharp edges): the shading of every surface drawn or exported.
[[nodiscard]] vtkSmartPointer<vtkPolyData> with_point_normals(vtkAlgorithmOutput* surface);
[[nodiscard]] vtkSmartPointer<vtkPolyData> with_point_normals(vtkPolyData* surface);
// vtkDiscreteFlyingEdges3D over all labels at once, then vtkWindowedSincPolyDataFilter and normals. When the labels'
// bounding box holds more than max_voxels voxels, the grid is subsampled in-plane (0: never).
[[nodiscard]] LabelSurfaces build_label_surfaces(const core::LabelVolume& labels, int smoothing_iterations,
                                                 double pass_band, std::size_t max_voxels = 3000000);
// build_label_surfaces of input.labels, through input.surfaces when given (built there once, then copied); the result
// is the caller's alone.
[[nodiscard]] LabelSurfaces label_surfaces(const FigureInput& input, int smoothing_iterations, double pass_band,
                                           std::size_t max_voxels);
// The triangles of one label (points renumbered); keeps every point array.
[[nodiscard]] vtkSmartPointer<vtkPolyData> extract_label(vtkPolyData& mesh, int label);
// Body outline: the anatomy image, shrunk and smoothed, contoured at a threshold between background and tissue.
// Null when the image has no clear foreground.
[[nodiscard]] vtkSmartPointer<vtkPolyData> build_skin_surface(const core::ImageVolume& anatomy);
// Bone (mask value 1) as one smooth surface: the mask blurred a little (it is drawn slice by slice), contoured at one
// half and smoothed like the muscle groups; point normals only. Null when the mask is empty or not on `grid`.
[[nodiscard]] vtkSmartPointer<vtkPolyData> build_bone_surface(const core::MaskVolume& bone, const core::Geometry& grid,
                                                              int smoothing_iterations, double pass_band,
                                                              std::size_t max_voxels = 3000000);
// The colour of bone in the 3D map and the viewer (ivory): never one of the metric's colours.
inline constexpr double kBoneColour[3] = {0.93, 0.89, 0.78};

// The muscle groups as the 3D map and the viewer draw them: each point in its own colour (point array "rgb", sRGB
// used directly, no lookup table) with the same lighting.
void show_coloured_muscles(vtkActor& actor, vtkPolyDataMapper& mapper, vtkPolyData* coloured);
// The point array "rgb" of show_coloured_muscles: each point of `mesh` (point array "label") in `colour(label)`,
// computed once per label; label 0 where the mesh has no labels.
[[nodiscard]] vtkSmartPointer<vtkUnsignedCharArray> label_point_colours(vtkPolyData& mesh,
                                                                        const std::function<Rgb(int label)>& colour);
// Bone: ivory, lit like the muscles, never picked.
void show_bone(vtkActor& actor, vtkPolyDataMapper& mapper, vtkPolyData* bone);

}  // namespace myo::rendering::detail
