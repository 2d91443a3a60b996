#include "canvas.hpp"

#include <fmt/format.h>
#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkPointData.h>
#include <vtkRenderWindow.h>
#include <vtkStdString.h>
#include <vtkTextProperty.h>
#include <vtkTextRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"

namespace myo::rendering::detail {
namespace {

std::recursive_mutex& text_renderer_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

// Renders the calling thread is inside (of windows that lock): EndEvent unlocks only what a StartEvent locked.
thread_local int locked_renders = 0;

vtkTextRenderer& text_renderer() {
  vtkTextRenderer* renderer = vtkTextRenderer::GetInstance();
  if (!renderer) throw core::MyoError("rendering", "VTK has no FreeType text renderer (RenderingFreeType missing)");
  return *renderer;
}

void configure(vtkTextProperty& p, const TextStyle& style) {
  p.SetFontFamilyToArial();
  p.SetFontSize(style.size_px);
  p.SetBold(style.bold ? 1 : 0);
  p.SetColor(style.color.r / 255.0, style.color.g / 255.0, style.color.b / 255.0);
  p.SetOrientation(style.angle_deg);
  p.SetJustificationToLeft();
  p.SetVerticalJustificationToBottom();
}

constexpr int kDpi = 72;  // 1 pt = 1 px

}  // namespace

Canvas::Canvas(int width, int height, Rgb background)
    : width_(width),
      height_(height),
      rgb_(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3, background.r) {
  if (background.g == background.r && background.b == background.r) return;  // a grey: filled already
  for (std::size_t i = 0; i < rgb_.size(); i += 3) {
    rgb_[i] = background.r;
    rgb_[i + 1] = background.g;
    rgb_[i + 2] = background.b;
  }
}

std::vector<std::uint8_t> Canvas::take_rgb() {
  width_ = 0;
  height_ = 0;
  return std::exchange(rgb_, {});
}

Rgb Canvas::get(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return {};
  const auto i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
  return {rgb_[i], rgb_[i + 1], rgb_[i + 2]};
}

void Canvas::set(int x, int y, Rgb color) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const auto i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
  rgb_[i] = color.r;
  rgb_[i + 1] = color.g;
  rgb_[i + 2] = color.b;
}

void Canvas::set_row(int x, int y, const std::vector<std::uint8_t>& rgb) {
  const int n = static_cast<int>(rgb.size() / 3);
  const int from = std::max(0, -x), to = std::min(n, width_ - x);  // the pixels inside
  if (y < 0 || y >= height_ || from >= to) return;
  const auto first =
      (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x + from)) * 3;
  std::copy(rgb.begin() + 3 * from, rgb.begin() + 3 * to, rgb_.begin() + static_cast<std::ptrdiff_t>(first));
}

void Canvas::blend(int x, int y, Rgb color, double alpha) { set(x, y, mix(get(x, y), color, alpha)); }

void Canvas::fill_rect(int x, int y, int w, int h, Rgb color) {
  for (int yy = std::max(0, y); yy < std::min(height_, y + h); ++yy)
    for (int xx = std::max(0, x); xx < std::min(width_, x + w); ++xx) set(xx, yy, color);
}

void Canvas::outline_rect(int x, int y, int w, int h, Rgb color) {
  for (int xx = x; xx < x + w; ++xx) {
    set(xx, y, color);
    set(xx, y + h - 1, color);
  }
  for (int yy = y; yy < y + h; ++yy) {
    set(x, yy, color);
    set(x + w - 1, yy, color);
  }
}

void Canvas::hline(int x0, int x1, int y, Rgb color, int dash) {
  for (int x = x0; x <= x1; ++x)
    if (dash <= 0 || ((x - x0) / dash) % 2 == 0) set(x, y, color);
}

void Canvas::paste(const Canvas& other, int x, int y) {
  for (int yy = 0; yy < other.height_; ++yy)
    for (int xx = 0; xx < other.width_; ++xx) set(x + xx, y + yy, other.get(xx, yy));
}

std::pair<int, int> Canvas::text_size(const std::string& text, const TextStyle& style) const {
  const auto lock = lock_text_renderer();
  vtkNew<vtkTextProperty> p;
  configure(*p, style);
  int bbox[4] = {0, 0, 0, 0};
  if (!text_renderer().GetBoundingBox(p, vtkStdString(text), bbox, kDpi)) return {0, 0};
  return {bbox[1] - bbox[0] + 1, bbox[3] - bbox[2] + 1};
}

std::pair<int, int> Canvas::text(const std::string& text, int x, int y, const TextStyle& style) {
  if (text.empty()) return {0, 0};
  const auto lock = lock_text_renderer();
  vtkNew<vtkTextProperty> p;
  configure(*p, style);
  vtkNew<vtkImageData> image;
  int dims[2] = {0, 0};
  if (!text_renderer().RenderString(p, vtkStdString(text), image, dims, kDpi)) return {0, 0};
  int extent[6];
  image->GetExtent(extent);
  const int iw = extent[1] - extent[0] + 1;
  const int comps = image->GetNumberOfScalarComponents();
  const auto* data = static_cast<const unsigned char*>(image->GetScalarPointer());
  const int w = dims[0], h = dims[1];
  int x0 = x, y0 = y;
  if (style.h == HAlign::center) x0 -= w / 2;
  if (style.h == HAlign::right) x0 -= w;
  if (style.v == VAlign::center) y0 -= h / 2;
  if (style.v == VAlign::bottom) y0 -= h;
  const auto alpha_at = [&](int col, int row) {  // row 0 = top = the last row of the VTK image
    if (col < 0 || row < 0 || col >= w || row >= h) return 0.0;
    const unsigned char* px =
        data + (static_cast<std::size_t>(h - 1 - row) * static_cast<std::size_t>(iw) + static_cast<std::size_t>(col)) *
                   static_cast<std::size_t>(comps);
    return comps == 4 ? px[3] / 255.0 : 1.0;
  };
  if (style.halo) {
    for (int row = -1; row < h + 1; ++row)
      for (int col = -1; col < w + 1; ++col) {
        double a = 0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) a = std::max(a, alpha_at(col + dx, row + dy));
        if (a > 0) blend(x0 + col, y0 + row, {0, 0, 0}, 0.85 * a);
      }
  }
  for (int row = 0; row < h; ++row)
    for (int col = 0; col < w; ++col) {
      const double alpha = alpha_at(col, row);
      if (alpha > 0) blend(x0 + col, y0 + row, style.color, alpha);
    }
  return {w, h};
}

Canvas Canvas::downsampled(int factor) const {
  if (factor <= 1) return *this;
  Canvas out(width_ / factor, height_ / factor);
  const int n = factor * factor;
  for (int y = 0; y < out.height_; ++y)
    for (int x = 0; x < out.width_; ++x) {
      int r = 0, g = 0, b = 0;
      for (int dy = 0; dy < factor; ++dy)
        for (int dx = 0; dx < factor; ++dx) {
          const Rgb c = get(x * factor + dx, y * factor + dy);
          r += c.r;
          g += c.g;
          b += c.b;
        }
      out.set(x, y,
              {static_cast<std::uint8_t>((r + n / 2) / n), static_cast<std::uint8_t>((g + n / 2) / n),
               static_cast<std::uint8_t>((b + n / 2) / n)});
    }
  return out;
}

Canvas Canvas::from_vtk(vtkImageData& image) {
  int dims[3];
  image.GetDimensions(dims);
  const int comps = image.GetNumberOfScalarComponents();
  const auto* data = static_cast<const unsigned char*>(image.GetScalarPointer());
  Canvas out(dims[0], dims[1]);
  for (int y = 0; y < dims[1]; ++y)
    for (int x = 0; x < dims[0]; ++x) {
      const unsigned char* px = data + (static_cast<std::size_t>(dims[1] - 1 - y) * static_cast<std::size_t>(dims[0]) +
                                        static_cast<std::size_t>(x)) *
                                           static_cast<std::size_t>(comps);
      out.set(x, y, {px[0], px[1], px[2]});
    }
  return out;
}

void Canvas::write_png(const std::filesystem::path& path) const {
  vtkNew<vtkImageData> image;
  image->SetDimensions(width_, height_, 1);
  image->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
  auto* data = static_cast<unsigned char*>(image->GetScalarPointer());
  const auto row_bytes = static_cast<std::size_t>(width_) * 3;
  for (int y = 0; y < height_; ++y)  // VTK rows run bottom-up
    std::copy_n(rgb_.data() + static_cast<std::size_t>(y) * row_bytes, row_bytes,
                data + static_cast<std::size_t>(height_ - 1 - y) * row_bytes);
  core::write_atomically_with(path, [&](const std::filesystem::path& temporary) {
    vtkNew<vtkPNGWriter> writer;
    writer->SetCompressionLevel(1);  // a third of level 5's time, the file a few per cent larger
    writer->SetInputData(image);
    writer->SetFileName(temporary.string().c_str());
    writer->Write();
    if (writer->GetErrorCode() != 0 || !std::filesystem::exists(temporary))
      throw core::MyoError(path.string(), "cannot write PNG", core::ErrorKind::output);
  });
}

void draw_colorbar(Canvas& canvas, int x, int y, int bar_width, int bar_height, Metric metric, const MetricInfo& info) {
  for (int row = 0; row < bar_height; ++row) {
    const double t = 1.0 - (row + 0.5) / bar_height;
    canvas.fill_rect(x, y + row, bar_width, 1, colormap(metric, t));
  }
  canvas.outline_rect(x - 1, y - 1, bar_width + 2, bar_height + 2, kText);
  const double span = info.high - info.low;
  if (metric == Metric::mercuri_grade) {  // categories: one tick in the middle of each band
    for (int grade = 1; grade <= 4; ++grade) {
      const int yy = y + bar_height - 1 - static_cast<int>(std::lround((grade - info.low) / span * (bar_height - 1)));
      canvas.fill_rect(x + bar_width, yy, 5, 1, kText);
      canvas.text(std::to_string(grade), x + bar_width + 8, yy, {12, kText, false, HAlign::left, VAlign::center});
    }
    canvas.text(info.bar_label, x - 6, y + bar_height / 2, {13, kText, true, HAlign::right, VAlign::center, 90});
    return;
  }
  const double step = span > 60 ? 20 : span > 30 ? 10 : 5;
  TextStyle tick{12, kText, false, HAlign::left, VAlign::center};
  const auto tick_at = [&](double v, const std::string& text) {
    const int yy = y + bar_height - 1 - static_cast<int>(std::lround((v - info.low) / span * (bar_height - 1)));
    canvas.fill_rect(x + bar_width, yy, 5, 1, kText);
    canvas.text(text, x + bar_width + 8, yy, tick);
  };
  for (double v = info.low; v < info.high - step / 2; v += step) tick_at(v, fmt::format("{:g}", v));
  // The top: values above the range take its colour, which the label says ("\u2265 70") unless it is 100 %.
  tick_at(info.high, fmt::format("{}{:g}", info.high < 100 ? "\u2265" : "", info.high));
  TextStyle label{13, kText, true, HAlign::right, VAlign::center, 90};
  canvas.text(info.bar_label, x - 6, y + bar_height / 2, label);
}

std::unique_lock<std::recursive_mutex> lock_text_renderer() {
  return std::unique_lock<std::recursive_mutex>(text_renderer_mutex());
}

void lock_text_renderer_while_rendering(vtkRenderWindow& window) {
  vtkNew<vtkCallbackCommand> start, end;
  start->SetCallback([](vtkObject*, unsigned long, void*, void*) {
    text_renderer_mutex().lock();
    ++locked_renders;
  });
  end->SetCallback([](vtkObject*, unsigned long, void*, void*) {
    if (locked_renders == 0) return;
    --locked_renders;
    text_renderer_mutex().unlock();
  });
  window.AddObserver(vtkCommand::StartEvent, start);
  window.AddObserver(vtkCommand::EndEvent, end);
}

char orientation_letter(double x, double y, double z) {
  const double ax = std::abs(x), ay = std::abs(y), az = std::abs(z);
  if (ax >= ay && ax >= az) return x > 0 ? 'L' : 'R';
  if (ay >= az) return y > 0 ? 'P' : 'A';
  return z > 0 ? 'S' : 'I';
}

}  // namespace myo::rendering::detail
