#include "surfaces.hpp"

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkFloatArray.h>
#include <vtkFlyingEdges3D.h>
#include <vtkIdList.h>
#include <vtkImageData.h>
#include <vtkImageGaussianSmooth.h>
#include <vtkIntArray.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataNormals.h>
#include <vtkProperty.h>
#include <vtkUnsignedCharArray.h>
#include <vtkUnsignedShortArray.h>
#include <vtkWindowedSincPolyDataFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "myo/core/log.hpp"
#include "myo/core/statistics.hpp"

namespace myo::rendering {

// What the shared surfaces were built from, and the surfaces themselves; they never leave the cache (users get
// copies), so no VTK object is shared between threads.
struct SurfaceCache::State {
  struct Key {
    const core::LabelVolume* labels = nullptr;
    int smoothing_iterations = 0;
    double pass_band = 0;
    std::size_t max_voxels = 0;
    bool operator==(const Key& o) const {
      return labels == o.labels && smoothing_iterations == o.smoothing_iterations && pass_band == o.pass_band &&
             max_voxels == o.max_voxels;
    }
  };
  std::mutex mutex;
  Key key;
  std::optional<detail::LabelSurfaces> surfaces;  // built from `key`
};

SurfaceCache::SurfaceCache() : state_(std::make_unique<State>()) {}
SurfaceCache::~SurfaceCache() = default;

namespace detail {

namespace {

void configure_point_normals(vtkPolyDataNormals& normals) {
  normals.SplittingOff();
  normals.ConsistencyOn();
  normals.ComputePointNormalsOn();
  normals.ComputeCellNormalsOff();
}

LabelSurfaces copy_of(const LabelSurfaces& surfaces) {
  LabelSurfaces out;
  out.mesh = vtkSmartPointer<vtkPolyData>::New();
  out.mesh->DeepCopy(surfaces.mesh);
  out.labels = surfaces.labels;
  return out;
}

}  // namespace

vtkSmartPointer<vtkPolyData> with_point_normals(vtkAlgorithmOutput* surface) {
  vtkNew<vtkPolyDataNormals> normals;
  normals->SetInputConnection(surface);
  configure_point_normals(*normals);
  normals->Update();
  return normals->GetOutput();
}

vtkSmartPointer<vtkPolyData> with_point_normals(vtkPolyData* surface) {
  vtkNew<vtkPolyDataNormals> normals;
  normals->SetInputData(surface);
  configure_point_normals(*normals);
  normals->Update();
  return normals->GetOutput();
}

LabelSurfaces label_surfaces(const FigureInput& input, int smoothing_iterations, double pass_band,
                             std::size_t max_voxels) {
  if (!input.surfaces) return build_label_surfaces(*input.labels, smoothing_iterations, pass_band, max_voxels);
  auto& shared = input.surfaces->state();
  const SurfaceCache::State::Key key{input.labels, smoothing_iterations, pass_band, max_voxels};
  {
    const std::lock_guard<std::mutex> lock(shared.mutex);  // a second user waits for the first one's build
    if (!shared.surfaces) {
      shared.surfaces = build_label_surfaces(*input.labels, smoothing_iterations, pass_band, max_voxels);
      shared.key = key;
    }
    if (shared.key == key) return copy_of(*shared.surfaces);
  }
  log::debug("label surfaces: other parameters than the shared ones, built anew");
  return build_label_surfaces(*input.labels, smoothing_iterations, pass_band, max_voxels);
}

namespace {

// Windowed-sinc smoothing (skipped with no iterations) and point normals: the finish of every surface.
vtkSmartPointer<vtkPolyData> smoothed_with_normals(vtkAlgorithmOutput* contour, int smoothing_iterations,
                                                   double pass_band) {
  vtkNew<vtkWindowedSincPolyDataFilter> smooth;
  smooth->SetInputConnection(contour);
  smooth->SetNumberOfIterations(smoothing_iterations);
  smooth->BoundarySmoothingOff();
  smooth->FeatureEdgeSmoothingOff();
  smooth->SetFeatureAngle(120.0);
  smooth->SetPassBand(pass_band);
  smooth->NonManifoldSmoothingOn();
  smooth->NormalizeCoordinatesOn();
  return with_point_normals(smoothing_iterations > 0 ? smooth->GetOutputPort() : contour);
}

// Maps points of a sub-grid (contoured with the voxel spacing and origin 0 at index `first`) to LPS, and rotates
// normals with the direction matrix. Contouring in index-aligned space keeps oblique geometries exact.
void to_patient_space(vtkPolyData& mesh, const core::Geometry& g, const std::array<double, 3>& first_index) {
  vtkPoints* points = mesh.GetPoints();
  if (!points) return;
  const auto& d = g.direction;
  for (vtkIdType p = 0; p < points->GetNumberOfPoints(); ++p) {
    double q[3];
    points->GetPoint(p, q);
    double local[3];
    for (int a = 0; a < 3; ++a)
      local[a] = first_index[static_cast<std::size_t>(a)] * g.spacing_mm[static_cast<std::size_t>(a)] + q[a];
    double out[3];
    for (int r = 0; r < 3; ++r)
      out[r] = g.origin_mm[static_cast<std::size_t>(r)] + d[static_cast<std::size_t>(r * 3)] * local[0] +
               d[static_cast<std::size_t>(r * 3 + 1)] * local[1] + d[static_cast<std::size_t>(r * 3 + 2)] * local[2];
    points->SetPoint(p, out);
  }
  if (auto* normals = mesh.GetPointData()->GetNormals()) {
    for (vtkIdType p = 0; p < normals->GetNumberOfTuples(); ++p) {
      double n[3];
      normals->GetTuple(p, n);
      double out[3];
      for (int r = 0; r < 3; ++r)
        out[r] = d[static_cast<std::size_t>(r * 3)] * n[0] + d[static_cast<std::size_t>(r * 3 + 1)] * n[1] +
                 d[static_cast<std::size_t>(r * 3 + 2)] * n[2];
      normals->SetTuple(p, out);
    }
  }
  mesh.Modified();
}

}  // namespace

LabelSurfaces build_label_surfaces(const core::LabelVolume& labels, int smoothing_iterations, double pass_band,
                                   std::size_t max_voxels) {
  labels.check();
  LabelSurfaces out;
  const auto& g = labels.geometry;
  // Bounding box of the labels, padded by one voxel so every surface closes.
  std::array<std::size_t, 3> lo{g.size[0], g.size[1], g.size[2]}, hi{0, 0, 0};
  std::set<int> present;
  std::size_t index = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++index) {
        const int label = labels.voxels[index];
        if (label == 0) continue;
        present.insert(label);
        const std::array<std::size_t, 3> ijk{i, j, k};
        for (std::size_t a = 0; a < 3; ++a) {
          lo[a] = std::min(lo[a], ijk[a]);
          hi[a] = std::max(hi[a], ijk[a]);
        }
      }
  out.mesh = vtkSmartPointer<vtkPolyData>::New();
  if (present.empty()) return out;
  out.labels.assign(present.begin(), present.end());

  // Large fields of view are subsampled in-plane (nearest voxel) so that contouring, smoothing and drawing stay
  // fast: the surfaces are an overview, never a measurement. Voxels stay at most 3.5 mm wide.
  std::array<std::size_t, 3> step{1, 1, 1};
  const double box_voxels = static_cast<double>(hi[0] - lo[0] + 1) * static_cast<double>(hi[1] - lo[1] + 1) *
                            static_cast<double>(hi[2] - lo[2] + 1);
  if (max_voxels > 0 && box_voxels > static_cast<double>(max_voxels)) {
    const auto f = static_cast<std::size_t>(std::ceil(std::sqrt(box_voxels / static_cast<double>(max_voxels))));
    for (std::size_t a = 0; a < 2; ++a)
      step[a] = std::max<std::size_t>(1, std::min(f, static_cast<std::size_t>(std::floor(3.5 / g.spacing_mm[a]))));
  }
  std::array<int, 3> dims{};
  std::array<double, 3> first{};  // source index of sub-grid voxel 0 (one padding voxel before the box)
  for (std::size_t a = 0; a < 3; ++a) {
    first[a] = static_cast<double>(lo[a]) - static_cast<double>(step[a]);
    dims[a] = static_cast<int>((hi[a] - lo[a]) / step[a]) + 3;
  }
  vtkNew<vtkImageData> image;
  image->SetDimensions(dims.data());
  image->SetSpacing(g.spacing_mm[0] * static_cast<double>(step[0]), g.spacing_mm[1] * static_cast<double>(step[1]),
                    g.spacing_mm[2] * static_cast<double>(step[2]));
  image->SetOrigin(0, 0, 0);
  vtkNew<vtkUnsignedShortArray> scalars;
  scalars->SetNumberOfTuples(static_cast<vtkIdType>(dims[0]) * dims[1] * dims[2]);
  scalars->SetName("label");
  vtkIdType out_index = 0;
  for (int k = 0; k < dims[2]; ++k)
    for (int j = 0; j < dims[1]; ++j)
      for (int i = 0; i < dims[0]; ++i, ++out_index) {
        const long si = static_cast<long>(first[0]) + i * static_cast<long>(step[0]),
                   sj = static_cast<long>(first[1]) + j * static_cast<long>(step[1]),
                   sk = static_cast<long>(first[2]) + k * static_cast<long>(step[2]);
        std::uint16_t v = 0;
        if (i > 0 && j > 0 && k > 0 && si >= 0 && sj >= 0 && sk >= 0 && si < static_cast<long>(g.size[0]) &&
            sj < static_cast<long>(g.size[1]) && sk < static_cast<long>(g.size[2]))
          v = labels.at(static_cast<std::size_t>(si), static_cast<std::size_t>(sj), static_cast<std::size_t>(sk));
        scalars->SetValue(out_index, v);
      }
  image->GetPointData()->SetScalars(scalars);

  vtkNew<vtkDiscreteFlyingEdges3D> contour;
  contour->SetInputData(image);
  contour->ComputeScalarsOn();
  contour->ComputeNormalsOff();
  contour->ComputeGradientsOff();
  int n = 0;
  for (const int label : out.labels) contour->SetValue(n++, label);

  out.mesh->DeepCopy(smoothed_with_normals(contour->GetOutputPort(), smoothing_iterations, pass_band));
  // The contour's point scalars hold the label value; give them a plain integer array named "label".
  if (auto* contour_scalars = out.mesh->GetPointData()->GetScalars()) {
    vtkNew<vtkIntArray> label_array;
    label_array->SetName("label");
    label_array->SetNumberOfTuples(contour_scalars->GetNumberOfTuples());
    for (vtkIdType p = 0; p < contour_scalars->GetNumberOfTuples(); ++p)
      label_array->SetValue(p, static_cast<int>(std::lround(contour_scalars->GetTuple1(p))));
    out.mesh->GetPointData()->RemoveArray(contour_scalars->GetName());
    out.mesh->GetPointData()->SetScalars(nullptr);
    out.mesh->GetPointData()->AddArray(label_array);
  }
  to_patient_space(*out.mesh, g, first);
  return out;
}

vtkSmartPointer<vtkPolyData> extract_label(vtkPolyData& mesh, int label) {
  auto out = vtkSmartPointer<vtkPolyData>::New();
  auto* labels = vtkIntArray::SafeDownCast(mesh.GetPointData()->GetArray("label"));
  if (!labels || !mesh.GetPolys()) return out;
  std::vector<vtkIdType> map(static_cast<std::size_t>(mesh.GetNumberOfPoints()), -1);
  vtkNew<vtkIdList> keep;
  vtkNew<vtkCellArray> polys;
  const vtkIdType* ids = nullptr;
  vtkIdType count = 0;
  auto* input_polys = mesh.GetPolys();
  input_polys->InitTraversal();
  vtkIdType next = 0;
  std::vector<vtkIdType> cell;
  while (input_polys->GetNextCell(count, ids)) {
    if (count < 3 || labels->GetValue(ids[0]) != label) continue;
    cell.clear();
    for (vtkIdType c = 0; c < count; ++c) {
      auto& m = map[static_cast<std::size_t>(ids[c])];
      if (m < 0) {
        m = next++;
        keep->InsertNextId(ids[c]);
      }
      cell.push_back(m);
    }
    polys->InsertNextCell(static_cast<vtkIdType>(cell.size()), cell.data());
  }
  vtkNew<vtkPoints> points;
  points->SetDataTypeToFloat();
  mesh.GetPoints()->GetPoints(keep, points);
  out->SetPoints(points);
  out->SetPolys(polys);
  out->GetPointData()->CopyAllocate(mesh.GetPointData(), keep->GetNumberOfIds());
  for (vtkIdType p = 0; p < keep->GetNumberOfIds(); ++p)
    out->GetPointData()->CopyData(mesh.GetPointData(), keep->GetId(p), p);
  return out;
}

vtkSmartPointer<vtkPolyData> build_bone_surface(const core::MaskVolume& bone, const core::Geometry& grid,
                                                int smoothing_iterations, double pass_band, std::size_t max_voxels) {
  bone.check();
  if (!bone.geometry.same_grid(grid)) return nullptr;
  const auto& g = bone.geometry;
  // Bounding box of the bone.
  std::array<std::size_t, 3> lo{g.size[0], g.size[1], g.size[2]}, hi{0, 0, 0};
  std::size_t index = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++index) {
        if (!bone.voxels[index]) continue;
        const std::array<std::size_t, 3> ijk{i, j, k};
        for (std::size_t a = 0; a < 3; ++a) {
          lo[a] = std::min(lo[a], ijk[a]);
          hi[a] = std::max(hi[a], ijk[a]);
        }
      }
  if (hi[0] < lo[0]) return nullptr;
  // The mask is drawn slice by slice (cortex closed over its marrow): blurred a little in 3D and contoured at one
  // half, its steps between slices and its ragged edges become a smooth bone; at most ~2 mm in-plane, like the muscle
  // surfaces' budget (max_voxels).
  std::array<std::size_t, 3> step{1, 1, 1};
  for (std::size_t a = 0; a < 2; ++a)
    step[a] = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(2.0 / g.spacing_mm[a])));
  const double box = static_cast<double>(hi[0] - lo[0] + 1) * static_cast<double>(hi[1] - lo[1] + 1) *
                     static_cast<double>(hi[2] - lo[2] + 1) / static_cast<double>(step[0] * step[1]);
  if (max_voxels > 0 && box > static_cast<double>(max_voxels)) {
    const auto f = static_cast<std::size_t>(std::ceil(std::sqrt(box / static_cast<double>(max_voxels))));
    for (std::size_t a = 0; a < 2; ++a) step[a] *= f;
  }
  constexpr int kPad = 3;  // empty voxels around the box so the blurred surface closes
  std::array<int, 3> dims{};
  std::array<double, 3> first{};
  for (std::size_t a = 0; a < 3; ++a) {
    first[a] = static_cast<double>(lo[a]) - kPad * static_cast<double>(step[a]);
    dims[a] = static_cast<int>((hi[a] - lo[a]) / step[a]) + 1 + 2 * kPad;
  }
  vtkNew<vtkImageData> image;
  image->SetDimensions(dims.data());
  image->SetSpacing(g.spacing_mm[0] * static_cast<double>(step[0]), g.spacing_mm[1] * static_cast<double>(step[1]),
                    g.spacing_mm[2] * static_cast<double>(step[2]));
  image->SetOrigin(0, 0, 0);
  vtkNew<vtkFloatArray> scalars;
  scalars->SetNumberOfTuples(static_cast<vtkIdType>(dims[0]) * dims[1] * dims[2]);
  vtkIdType out_index = 0;
  for (int k = 0; k < dims[2]; ++k)
    for (int j = 0; j < dims[1]; ++j)
      for (int i = 0; i < dims[0]; ++i, ++out_index) {
        // The fraction of bone in the in-plane block each sub-grid voxel stands for.
        const long sk = static_cast<long>(first[2]) + k;
        int inside = 0, total = 0;
        if (sk >= 0 && sk < static_cast<long>(g.size[2]))
          for (std::size_t dj = 0; dj < step[1]; ++dj)
            for (std::size_t di = 0; di < step[0]; ++di) {
              const long si = static_cast<long>(first[0]) + i * static_cast<long>(step[0]) + static_cast<long>(di);
              const long sj = static_cast<long>(first[1]) + j * static_cast<long>(step[1]) + static_cast<long>(dj);
              if (si < 0 || sj < 0 || si >= static_cast<long>(g.size[0]) || sj >= static_cast<long>(g.size[1]))
                continue;
              ++total;
              inside += bone.at(static_cast<std::size_t>(si), static_cast<std::size_t>(sj),
                                static_cast<std::size_t>(sk)) != 0;
            }
        scalars->SetValue(out_index, total > 0 ? static_cast<float>(inside) / static_cast<float>(total) : 0.0F);
      }
  image->GetPointData()->SetScalars(scalars);
  vtkNew<vtkImageGaussianSmooth> blur;
  blur->SetInputData(image);
  blur->SetStandardDeviations(1.0, 1.0, 0.8);
  blur->SetRadiusFactors(2.5, 2.5, 2.5);
  blur->SetDimensionality(3);
  vtkNew<vtkFlyingEdges3D> contour;
  contour->SetInputConnection(blur->GetOutputPort());
  contour->SetValue(0, 0.5);
  contour->ComputeNormalsOff();
  contour->ComputeScalarsOff();
  auto out = vtkSmartPointer<vtkPolyData>::New();
  out->DeepCopy(smoothed_with_normals(contour->GetOutputPort(), smoothing_iterations, pass_band));
  if (out->GetNumberOfPoints() == 0) return nullptr;
  // A sub-grid voxel stands for the block that starts at its index: its centre lies half a block further on.
  for (std::size_t a = 0; a < 2; ++a) first[a] += (static_cast<double>(step[a]) - 1) / 2;
  to_patient_space(*out, g, first);
  return out;
}

vtkSmartPointer<vtkPolyData> build_skin_surface(const core::ImageVolume& anatomy) {
  anatomy.check();
  const auto& g = anatomy.geometry;
  // Work on a grid about 4 mm in-plane: the outline is context, not measurement.
  std::array<std::size_t, 3> step{};
  std::array<int, 3> dims{};
  for (std::size_t a = 0; a < 3; ++a) {
    step[a] = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(4.0 / g.spacing_mm[a])));
    dims[a] = static_cast<int>((g.size[a] + step[a] - 1) / step[a]) + 2;  // one empty layer around
  }
  auto sample = core::sample_values(anatomy.voxels, 200000, [](float v) { return std::isfinite(v) && v > 0; });
  if (sample.size() < 100) return nullptr;
  const double hi = core::percentile(sample, 0.99);
  const double threshold = core::otsu_threshold(sample, 0.0, hi) * 0.5;  // below the darker tissue class
  if (!(threshold > 0)) return nullptr;

  vtkNew<vtkImageData> image;
  image->SetDimensions(dims.data());
  image->SetSpacing(g.spacing_mm[0] * static_cast<double>(step[0]), g.spacing_mm[1] * static_cast<double>(step[1]),
                    g.spacing_mm[2] * static_cast<double>(step[2]));
  image->SetOrigin(0, 0, 0);
  vtkNew<vtkFloatArray> scalars;
  scalars->SetNumberOfTuples(static_cast<vtkIdType>(dims[0]) * dims[1] * dims[2]);
  scalars->FillValue(0.0F);
  for (int k = 1; k < dims[2] - 1; ++k)
    for (int j = 1; j < dims[1] - 1; ++j)
      for (int i = 1; i < dims[0] - 1; ++i) {
        const std::size_t si = static_cast<std::size_t>(i - 1) * step[0],
                          sj = static_cast<std::size_t>(j - 1) * step[1],
                          sk = static_cast<std::size_t>(k - 1) * step[2];
        if (si >= g.size[0] || sj >= g.size[1] || sk >= g.size[2]) continue;
        const float v = anatomy.at(si, sj, sk);
        scalars->SetValue(i + dims[0] * (j + static_cast<vtkIdType>(dims[1]) * k), std::isfinite(v) ? v : 0.0F);
      }
  image->GetPointData()->SetScalars(scalars);
  vtkNew<vtkImageGaussianSmooth> blur;
  blur->SetInputData(image);
  blur->SetStandardDeviations(1.0, 1.0, 0.7);
  blur->SetDimensionality(3);
  vtkNew<vtkFlyingEdges3D> contour;
  contour->SetInputConnection(blur->GetOutputPort());
  contour->SetValue(0, threshold);
  contour->ComputeNormalsOn();
  contour->ComputeScalarsOff();
  contour->Update();
  auto out = vtkSmartPointer<vtkPolyData>::New();
  out->DeepCopy(contour->GetOutput());
  // The sub-grid starts one (shrunk) voxel before index 0.
  core::Geometry shrunk = g;
  for (std::size_t a = 0; a < 3; ++a) shrunk.spacing_mm[a] = g.spacing_mm[a] * static_cast<double>(step[a]);
  to_patient_space(*out, shrunk, {-1.0, -1.0, -1.0});
  return out;
}

void show_coloured_muscles(vtkActor& actor, vtkPolyDataMapper& mapper, vtkPolyData* coloured) {
  mapper.SetInputData(coloured);
  mapper.ScalarVisibilityOn();
  mapper.SetScalarModeToUsePointFieldData();
  mapper.SelectColorArray("rgb");
  mapper.SetColorModeToDirectScalars();
  actor.SetMapper(&mapper);
  actor.GetProperty()->SetAmbient(0.25);
  actor.GetProperty()->SetDiffuse(0.75);
  actor.GetProperty()->SetSpecular(0.12);
  actor.GetProperty()->SetSpecularPower(25);
}

vtkSmartPointer<vtkUnsignedCharArray> label_point_colours(vtkPolyData& mesh,
                                                          const std::function<Rgb(int label)>& colour) {
  auto rgb = vtkSmartPointer<vtkUnsignedCharArray>::New();
  rgb->SetName("rgb");
  rgb->SetNumberOfComponents(3);
  auto* labels = vtkIntArray::SafeDownCast(mesh.GetPointData()->GetArray("label"));
  const vtkIdType n = mesh.GetNumberOfPoints();
  rgb->SetNumberOfTuples(n);
  std::map<int, Rgb> cache;
  for (vtkIdType p = 0; p < n; ++p) {
    const int l = labels ? labels->GetValue(p) : 0;
    auto it = cache.find(l);
    if (it == cache.end()) it = cache.emplace(l, colour(l)).first;
    const std::array<unsigned char, 3> c{it->second.r, it->second.g, it->second.b};
    rgb->SetTypedTuple(p, c.data());
  }
  return rgb;
}

void show_bone(vtkActor& actor, vtkPolyDataMapper& mapper, vtkPolyData* bone) {
  mapper.SetInputData(bone);
  mapper.ScalarVisibilityOff();
  actor.SetMapper(&mapper);
  actor.GetProperty()->SetColor(kBoneColour[0], kBoneColour[1], kBoneColour[2]);
  actor.GetProperty()->SetAmbient(0.3);
  actor.GetProperty()->SetDiffuse(0.7);
  actor.GetProperty()->SetSpecular(0.05);
  actor.PickableOff();
}

}  // namespace detail
}  // namespace myo::rendering
