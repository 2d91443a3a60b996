#pragma once
// Conversions between MyoScope volumes and itk::Image. Only libraries that link ITK include this header.
#include <itkImage.h>
#include <itkImportImageFilter.h>

#include <algorithm>

#include "myo/core/volume.hpp"

namespace myo::core {

template <class T>
using ItkImage3 = itk::Image<T, 3>;

template <class T>
void apply_geometry(const Geometry& g, ItkImage3<T>& image) {
  typename ItkImage3<T>::SpacingType spacing;
  typename ItkImage3<T>::PointType origin;
  typename ItkImage3<T>::DirectionType direction;
  for (unsigned a = 0; a < 3; ++a) {
    spacing[a] = g.spacing_mm[a];
    origin[a] = g.origin_mm[a];
    for (unsigned b = 0; b < 3; ++b) direction[a][b] = g.direction[a * 3 + b];
  }
  image.SetSpacing(spacing);
  image.SetOrigin(origin);
  image.SetDirection(direction);
}

template <class T>
Geometry geometry_of(const ItkImage3<T>& image) {
  Geometry g;
  const auto region = image.GetLargestPossibleRegion();
  for (unsigned a = 0; a < 3; ++a) {
    g.size[a] = region.GetSize()[a];
    g.spacing_mm[a] = image.GetSpacing()[a];
    g.origin_mm[a] = image.GetOrigin()[a];
    for (unsigned b = 0; b < 3; ++b) g.direction[a * 3 + b] = image.GetDirection()[a][b];
  }
  return g;
}

template <class T>
typename ItkImage3<T>::Pointer to_itk(const Volume<T>& volume) {
  volume.check();
  auto image = ItkImage3<T>::New();
  typename ItkImage3<T>::RegionType region;
  typename ItkImage3<T>::SizeType size;
  for (unsigned a = 0; a < 3; ++a) size[a] = volume.geometry.size[a];
  region.SetSize(size);
  image->SetRegions(region);
  apply_geometry(volume.geometry, *image);
  image->Allocate();
  std::copy(volume.voxels.begin(), volume.voxels.end(), image->GetBufferPointer());
  return image;
}

template <class T>
Volume<T> from_itk(const ItkImage3<T>& image) {
  Volume<T> volume;
  volume.geometry = geometry_of(image);
  const T* begin = image.GetBufferPointer();
  volume.voxels.assign(begin, begin + volume.geometry.voxel_count());
  return volume;
}

}  // namespace myo::core
