#include "myo/segmentation/refine.hpp"

#include <itkDiscreteGaussianImageFilter.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <queue>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/itk_bridge.hpp"
#include "myo/core/statistics.hpp"
#include "slice_ops.hpp"

namespace myo::segmentation {
namespace {

// Meyer's flooding: voxels are taken in order of their own relief (ties first come, first served), each labelled by
// the neighbour that reached it first. ITK's MorphologicalWatershedFromMarkersImageFilter queues a voxel at the
// higher of its own relief and the level it was reached from, so a flood that has crossed a septum spreads at the
// crest's level into the basin behind it; on the real expert-labelled legs that moved borders off the septa (mean
// Dice 0.920 against 0.985 with this order, near-complete markers), and it was slower and larger (3.9 s, +494 MiB
// against 3.2 s, +369 MiB for the standard study's segmentation).
core::LabelVolume flood_in_relief_order(const core::ImageVolume& relief, const core::LabelVolume& markers) {
  const core::Geometry& g = relief.geometry;
  const auto nx = static_cast<std::int64_t>(g.size[0]), ny = static_cast<std::int64_t>(g.size[1]),
             nz = static_cast<std::int64_t>(g.size[2]);
  core::LabelVolume out = markers;
  struct Entry {
    float relief;
    std::uint32_t voxel;
    std::uint64_t age;
  };
  const auto later = [](const Entry& a, const Entry& b) {
    return a.relief != b.relief ? a.relief > b.relief : a.age > b.age;
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(later)> queue(later);
  std::uint64_t age = 0;
  const auto visit_neighbours = [&](std::size_t voxel) {
    const auto i = static_cast<std::int64_t>(voxel);
    const std::int64_t x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
    const std::uint16_t label = out.voxels[voxel];
    const auto push = [&](std::int64_t j) {
      auto& target = out.voxels[static_cast<std::size_t>(j)];
      if (target != 0) return;
      target = label;
      queue.push({relief.voxels[static_cast<std::size_t>(j)], static_cast<std::uint32_t>(j), age++});
    };
    if (x > 0) push(i - 1);
    if (x + 1 < nx) push(i + 1);
    if (y > 0) push(i - nx);
    if (y + 1 < ny) push(i + nx);
    if (z > 0) push(i - nx * ny);
    if (z + 1 < nz) push(i + nx * ny);
  };
  for (std::size_t v = 0; v < out.voxels.size(); ++v)
    if (markers.voxels[v] != 0) visit_neighbours(v);
  while (!queue.empty()) {
    const Entry e = queue.top();
    queue.pop();
    visit_neighbours(e.voxel);
  }
  return out;
}

}  // namespace

TissueReferences tissue_references(std::vector<float> tissue_samples, double lo, double hi, FatSignal fat_signal) {
  if (tissue_samples.empty()) throw core::MyoError("segmentation", "no tissue to take muscle and fat references from");
  auto ref = tissue_references_if_both(std::move(tissue_samples), lo, hi, fat_signal, 1);
  if (!ref) throw core::MyoError("segmentation", "the image shows one tissue class only: no muscle and fat references");
  return *ref;
}

std::optional<TissueReferences> tissue_references_if_both(std::vector<float> tissue_samples, double lo, double hi,
                                                          FatSignal fat_signal, std::size_t min_per_class) {
  if (tissue_samples.empty()) return std::nullopt;
  const double split = core::otsu_threshold(tissue_samples, lo, hi);
  std::vector<float> lower, upper;
  for (const float v : tissue_samples) (v < split ? lower : upper).push_back(v);
  const std::size_t at_least = std::max<std::size_t>(min_per_class, 1);
  if (lower.size() < at_least || upper.size() < at_least) return std::nullopt;
  TissueReferences ref;
  if (fat_signal == FatSignal::bright) {
    ref.muscle = core::percentile(lower, 0.5);
    ref.fat = core::percentile(upper, 0.6);
    ref.fat = std::max(ref.fat, ref.muscle + 1e-6);
  } else {
    ref.muscle = core::percentile(upper, 0.5);
    ref.fat = core::percentile(lower, 0.4);
    ref.fat = std::min(ref.fat, ref.muscle - 1e-6);
  }
  return ref;
}

core::ImageVolume fat_likeness_single_contrast(const core::ImageVolume& image, const core::MaskVolume& body,
                                               FatSignal fat_signal) {
  image.check();
  body.check();
  if (!image.geometry.same_grid(body.geometry))
    throw core::MyoError("segmentation", "fat-likeness: the body mask is not on the image's grid");
  std::vector<float> tissue;
  for (std::size_t i = 0; i < image.voxels.size(); ++i)
    if (body.voxels[i]) tissue.push_back(image.voxels[i]);
  if (tissue.empty()) throw core::MyoError("segmentation", "fat-likeness: the body mask is empty");
  const double top = core::percentile(tissue, 0.995);  // reorders the samples; their order does not matter below
  const auto ref = tissue_references(std::move(tissue), 0.0, top, fat_signal);
  core::ImageVolume out(image.geometry, 1.0F);
  for (std::size_t i = 0; i < image.voxels.size(); ++i)
    if (body.voxels[i]) out.voxels[i] = fat_likeness(image.voxels[i], ref);
  return out;
}

core::LabelVolume refine_markers_over_septa(const core::ImageVolume& fat_likeness, const core::MaskVolume& region,
                                            const core::LabelVolume& markers, const RefinementParams& params) {
  fat_likeness.check();
  region.check();
  markers.check();
  const core::Geometry& g = fat_likeness.geometry;
  if (!g.same_grid(region.geometry) || !g.same_grid(markers.geometry))
    throw core::MyoError("segmentation", "refinement: relief, region and markers are not on one grid");
  // A light in-plane blur keeps septa (continuous lines) and quiets single noisy voxels that would stop a flood.
  core::ImageVolume image_relief = fat_likeness;
  const bool thin = g.size[0] < 4 || g.size[1] < 4 || g.size[2] < 4;  // too small for the recursive filter
  if (params.relief_smoothing_mm > 0 && thin) {
    using Smooth = itk::DiscreteGaussianImageFilter<core::ItkImage3<float>, core::ItkImage3<float>>;
    auto smooth = Smooth::New();
    smooth->SetInput(core::to_itk(fat_likeness));
    Smooth::ArrayType variance;
    variance[0] = variance[1] = params.relief_smoothing_mm * params.relief_smoothing_mm;
    variance[2] = 0.0;
    smooth->SetVariance(variance);
    smooth->SetUseImageSpacing(true);
    smooth->Update();
    image_relief = core::from_itk(*smooth->GetOutput());
  } else if (params.relief_smoothing_mm > 0) {
    using Smooth = itk::SmoothingRecursiveGaussianImageFilter<core::ItkImage3<float>, core::ItkImage3<float>>;
    auto smooth = Smooth::New();
    smooth->SetInput(core::to_itk(fat_likeness));
    Smooth::SigmaArrayType sigma;
    sigma[0] = params.relief_smoothing_mm;
    sigma[1] = params.relief_smoothing_mm;
    sigma[2] = 0.01;  // never across slices, which are thick
    smooth->SetSigmaArray(sigma);
    smooth->Update();
    image_relief = core::from_itk(*smooth->GetOutput());
  }
  core::ImageVolume relief(g, 2.0F);
  for (std::size_t i = 0; i < relief.voxels.size(); ++i)
    if (region.voxels[i]) relief.voxels[i] = image_relief.voxels[i];
  if (params.border_depth_weight > 0 && params.border_depth_mm > 0) {
    const slice::Grid grid{static_cast<int>(g.size[0]), static_cast<int>(g.size[1]), g.spacing_mm[0], g.spacing_mm[1]};
    const auto per_slice = static_cast<std::size_t>(grid.count());
    const auto muscle_limit = static_cast<float>(params.muscle_fat_likeness_limit);
    slice::Mask open_tissue(per_slice);
    for (std::size_t k = 0; k < g.size[2]; ++k) {
      float* r = relief.voxels.data() + k * per_slice;
      for (std::size_t p = 0; p < per_slice; ++p) open_tissue[p] = r[p] < muscle_limit ? 1 : 0;
      const auto depth = slice::depth_inside_mm(grid, open_tissue);
      for (std::size_t p = 0; p < per_slice; ++p)
        if (region.voxels[k * per_slice + p])
          r[p] += static_cast<float>(params.border_depth_weight *
                                     std::max(0.0, 1.0 - depth[p] / params.border_depth_mm));
    }
  }
  return flood_in_relief_order(relief, markers);
}

}  // namespace myo::segmentation
