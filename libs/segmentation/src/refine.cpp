#include "myo/segmentation/refine.hpp"

#include <itkDiscreteGaussianImageFilter.h>
#include <itkMorphologicalWatershedFromMarkersImageFilter.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include <algorithm>
#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/itk_bridge.hpp"
#include "myo/core/statistics.hpp"

namespace myo::segmentation {

TissueReferences tissue_references(std::vector<float> tissue_samples, double lo, double hi, FatSignal fat_signal) {
  if (tissue_samples.empty()) throw core::MyoError("segmentation", "no tissue to take muscle and fat references from");
  const double split = core::otsu_threshold(tissue_samples, lo, hi);
  std::vector<float> lower, upper;
  for (const float v : tissue_samples) (v < split ? lower : upper).push_back(v);
  if (lower.empty() || upper.empty())
    throw core::MyoError("segmentation", "the image shows one tissue class only: no muscle and fat references");
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
  float high = 0;
  for (std::size_t i = 0; i < image.voxels.size(); ++i)
    if (body.voxels[i]) {
      tissue.push_back(image.voxels[i]);
      high = std::max(high, image.voxels[i]);
    }
  if (tissue.empty()) throw core::MyoError("segmentation", "fat-likeness: the body mask is empty");
  std::vector<float> sorted = tissue;
  const double top = core::percentile(sorted, 0.995);
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
  using Filter =
      itk::MorphologicalWatershedFromMarkersImageFilter<core::ItkImage3<float>, core::ItkImage3<std::uint16_t>>;
  auto filter = Filter::New();
  filter->SetInput(core::to_itk(relief));
  filter->SetMarkerImage(core::to_itk(markers));
  filter->SetMarkWatershedLine(false);
  filter->SetFullyConnected(false);
  filter->Update();
  return core::from_itk(*filter->GetOutput());
}

}  // namespace myo::segmentation
