#pragma once
// Smoothed surfaces of the labelled muscle groups and of the body outline, in LPS millimetres.
#include <vtkAlgorithmOutput.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

#include <vector>

#include "myo/core/volume.hpp"

namespace myo::rendering::detail {

struct LabelSurfaces {
  vtkSmartPointer<vtkPolyData> mesh;  // point array "label" (int); point normals; LPS mm
  std::vector<int> labels;            // label values present, increasing
};

// Point normals (consistent orientation, no splitting at sharp edges): the shading of every surface drawn or exported.
[[nodiscard]] vtkSmartPointer<vtkPolyData> with_point_normals(vtkAlgorithmOutput* surface);
// vtkDiscreteFlyingEdges3D over all labels at once, then vtkWindowedSincPolyDataFilter and normals. When the labels'
// bounding box holds more than max_voxels voxels, the grid is subsampled in-plane (0: never).
[[nodiscard]] LabelSurfaces build_label_surfaces(const core::LabelVolume& labels, int smoothing_iterations,
                                                 double pass_band, std::size_t max_voxels = 3000000);
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

}  // namespace myo::rendering::detail
