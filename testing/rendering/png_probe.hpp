#pragma once
// Reads a rendered PNG back so that tests can check what a user would see: colours at points, blank viewports.
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>
#include <vtkSmartPointer.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <vector>

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

// A rectangle of the picture (pixels, origin top-left), as the viewer's panels.
struct Rect {
  int x, y, w, h;
};

// The viewer's cursor on a slice viewport: the column and the row with the most yellow crosshair pixels.
inline std::array<int, 2> crosshair(const Png& png, const Rect& r) {
  const auto yellow = [](const Rgb& c) { return c.r > 220 && c.g > 200 && c.b < 60; };
  std::vector<int> columns(static_cast<std::size_t>(r.w), 0), rows(static_cast<std::size_t>(r.h), 0);
  for (int y = r.y + 30; y < r.y + r.h - 30; ++y)  // away from the titles
    for (int x = r.x; x < r.x + r.w; ++x)
      if (yellow(png.at(x, y))) {
        ++columns[static_cast<std::size_t>(x - r.x)];
        ++rows[static_cast<std::size_t>(y - r.y)];
      }
  const auto argmax = [](const std::vector<int>& v) {
    return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
  };
  return {r.x + argmax(columns), r.y + argmax(rows)};
}

}  // namespace myo::testing
