#pragma once
// Reads a rendered PNG back so that tests can check what a user would see: colours at points, blank viewports.
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>
#include <vtkSmartPointer.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace myo::testing {

struct Rgb {
  int r = 0, g = 0, b = 0;
};

class Png {
 public:
  explicit Png(const std::filesystem::path& path) {
    vtkNew<vtkPNGReader> reader;
    reader->SetFileName(path.string().c_str());
    reader->Update();
    image_ = reader->GetOutput();
    int dims[3];
    image_->GetDimensions(dims);
    width_ = dims[0];
    height_ = dims[1];
  }
  [[nodiscard]] int width() const { return width_; }
  [[nodiscard]] int height() const { return height_; }
  // (x, y) with y from the top, as in the figures' panel rectangles.
  [[nodiscard]] Rgb at(int x, int y) const {
    const auto* p = static_cast<const unsigned char*>(image_->GetScalarPointer(x, height_ - 1 - y, 0));
    return {p[0], p[1], p[2]};
  }
  // Standard deviation of the luminance inside a rectangle: ~0 for a blank viewport.
  [[nodiscard]] double luminance_sd(int x0, int y0, int w, int h) const {
    double sum = 0, sum2 = 0;
    int n = 0;
    for (int y = y0; y < y0 + h; y += 2)
      for (int x = x0; x < x0 + w; x += 2) {
        const auto c = at(x, y);
        const double l = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
        sum += l;
        sum2 += l * l;
        ++n;
      }
    const double mean = sum / n;
    return std::sqrt(std::max(0.0, sum2 / n - mean * mean));
  }
  // Mean colour of a (2r+1)^2 neighbourhood.
  [[nodiscard]] Rgb mean_around(int x, int y, int r) const {
    int sr = 0, sg = 0, sb = 0, n = 0;
    for (int dy = -r; dy <= r; ++dy)
      for (int dx = -r; dx <= r; ++dx) {
        const auto c = at(x + dx, y + dy);
        sr += c.r;
        sg += c.g;
        sb += c.b;
        ++n;
      }
    return {sr / n, sg / n, sb / n};
  }

 private:
  vtkSmartPointer<vtkImageData> image_;
  int width_ = 0, height_ = 0;
};

}  // namespace myo::testing
