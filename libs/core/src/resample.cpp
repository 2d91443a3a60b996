#include "myo/core/resample.hpp"

#include <itkAffineTransform.h>
#include <itkIdentityTransform.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include "myo/core/itk_bridge.hpp"

namespace myo::core {
namespace {

using Transform = itk::Transform<double, 3, 3>;

template <class T>
Volume<T> resample(const Volume<T>& image, const Geometry& target, bool linear, T outside,
                   const Transform::Pointer& transform) {
  using Image = ItkImage3<T>;
  auto filter = itk::ResampleImageFilter<Image, Image>::New();
  filter->SetInput(to_itk(image));
  filter->SetTransform(transform);
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

Transform::Pointer identity() { return itk::IdentityTransform<double, 3>::New().GetPointer(); }

Transform::Pointer to_itk_transform(const AffineMap& map) {
  using Affine = itk::AffineTransform<double, 3>;
  auto transform = Affine::New();
  Affine::MatrixType matrix;
  Affine::InputPointType centre;
  Affine::OutputVectorType translation;
  for (unsigned r = 0; r < 3; ++r) {
    centre[r] = map.centre_mm[r];
    translation[r] = map.translation_mm[r];
    for (unsigned c = 0; c < 3; ++c) matrix[r][c] = map.matrix[r * 3 + c];
  }
  transform->SetCenter(centre);
  transform->SetMatrix(matrix);
  transform->SetTranslation(translation);
  return transform.GetPointer();
}

}  // namespace

ImageVolume resample_to(const ImageVolume& image, const Geometry& target, Interpolation interpolation,
                        float outside_value) {
  if (image.geometry.same_grid(target)) return on_target(image, target);
  return resample(image, target, interpolation == Interpolation::linear, outside_value, identity());
}

LabelVolume resample_labels_to(const LabelVolume& labels, const Geometry& target) {
  if (labels.geometry.same_grid(target)) return on_target(labels, target);
  return resample<std::uint16_t>(labels, target, false, 0, identity());
}

ImageVolume resample_mapped(const ImageVolume& image, const Geometry& target, const AffineMap& target_to_image,
                            Interpolation interpolation, float outside_value) {
  return resample(image, target, interpolation == Interpolation::linear, outside_value,
                  to_itk_transform(target_to_image));
}

}  // namespace myo::core
