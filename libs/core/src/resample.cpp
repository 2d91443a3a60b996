#include "myo/core/resample.hpp"

#include <itkIdentityTransform.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include "myo/core/itk_bridge.hpp"

namespace myo::core {
namespace {

template <class T>
Volume<T> resample(const Volume<T>& image, const Geometry& target, bool linear, T outside) {
  using Image = ItkImage3<T>;
  auto filter = itk::ResampleImageFilter<Image, Image>::New();
  filter->SetInput(to_itk(image));
  filter->SetTransform(itk::IdentityTransform<double, 3>::New());
  if (linear) {
    filter->SetInterpolator(itk::LinearInterpolateImageFunction<Image, double>::New());
  } else {
    filter->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<Image, double>::New());
  }
  // The output grid is described by a reference image carrying the target geometry.
  auto reference = Image::New();
  typename Image::RegionType region;
  typename Image::SizeType size;
  for (unsigned a = 0; a < 3; ++a) size[a] = target.size[a];
  region.SetSize(size);
  reference->SetRegions(region);
  apply_geometry(target, *reference);
  filter->SetReferenceImage(reference);
  filter->UseReferenceImageOn();
  filter->SetDefaultPixelValue(outside);
  filter->Update();
  return from_itk(*filter->GetOutput());
}

// A volume already on the target grid (within same_grid's tolerance) keeps its voxels and takes the target's exact
// geometry: ITK filters refuse inputs whose origins differ in the last digits, as float32 headers make them.
template <class T>
Volume<T> on_target(Volume<T> volume, const Geometry& target) {
  volume.geometry = target;
  return volume;
}

}  // namespace

ImageVolume resample_to(const ImageVolume& image, const Geometry& target, Interpolation interpolation,
                        float outside_value) {
  if (image.geometry.same_grid(target)) return on_target(image, target);
  return resample(image, target, interpolation == Interpolation::linear, outside_value);
}

LabelVolume resample_labels_to(const LabelVolume& labels, const Geometry& target) {
  if (labels.geometry.same_grid(target)) return on_target(labels, target);
  return resample<std::uint16_t>(labels, target, false, 0);
}

}  // namespace myo::core
