#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>

#include "myo/core/error.hpp"
#include "myo/rendering/figures.hpp"

namespace myo::rendering {

RgbPixels read_figure_rgb(const std::filesystem::path& png) {
  route_vtk_output();
  vtkNew<vtkPNGReader> reader;
  if (!reader->CanReadFile(png.string().c_str())) throw core::MyoError(png.string(), "not a readable PNG file");
  reader->SetFileName(png.string().c_str());
  reader->Update();
  vtkImageData* image = reader->GetOutput();
  int dims[3];
  image->GetDimensions(dims);
  const int components = image->GetNumberOfScalarComponents();
  if (components < 3 || image->GetScalarType() != VTK_UNSIGNED_CHAR)
    throw core::MyoError(png.string(), "figure is not 8-bit RGB");
  RgbPixels out;
  out.width = dims[0];
  out.height = dims[1];
  out.rgb.resize(static_cast<std::size_t>(dims[0]) * static_cast<std::size_t>(dims[1]) * 3);
  // VTK's image origin is bottom-left; DICOM rows run top to bottom.
  for (int y = 0; y < dims[1]; ++y)
    for (int x = 0; x < dims[0]; ++x) {
      const auto* p = static_cast<const unsigned char*>(image->GetScalarPointer(x, dims[1] - 1 - y, 0));
      const std::size_t o = (static_cast<std::size_t>(y) * static_cast<std::size_t>(dims[0]) + static_cast<std::size_t>(x)) * 3;
      out.rgb[o] = p[0];
      out.rgb[o + 1] = p[1];
      out.rgb[o + 2] = p[2];
    }
  return out;
}

}  // namespace myo::rendering
