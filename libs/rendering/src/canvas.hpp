#pragma once
// An RGB raster (origin top-left) on which figures are composed: panels, colour bars, text. Text is rasterised by
// VTK's FreeType renderer with VTK's embedded fonts, so figures look the same on every machine and need no display.
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "colormap.hpp"

class vtkImageData;
class vtkRenderWindow;

namespace myo::rendering::detail {

enum class HAlign { left, center, right };
enum class VAlign { top, center, bottom };

struct TextStyle {
  int size_px = 14;
  Rgb color = kText;
  bool bold = false;
  HAlign h = HAlign::left;
  VAlign v = VAlign::top;
  double angle_deg = 0;  // counter-clockwise
  bool halo = false;     // a dark outline, so that light text stays legible over bright image content
};

class Canvas {
 public:
  Canvas() = default;
  Canvas(int width, int height, Rgb background = kWhite);

  [[nodiscard]] int width() const { return width_; }
  [[nodiscard]] int height() const { return height_; }
  [[nodiscard]] Rgb get(int x, int y) const;
  void set(int x, int y, Rgb color);  // ignores pixels outside
  void blend(int x, int y, Rgb color, double alpha);
  // Pixels (x, y), (x + 1, y), ... from 8-bit RGB triples; those outside are ignored.
  void set_row(int x, int y, const std::vector<std::uint8_t>& rgb);
  void fill_rect(int x, int y, int w, int h, Rgb color);
  void outline_rect(int x, int y, int w, int h, Rgb color);
  void hline(int x0, int x1, int y, Rgb color, int dash = 0);
  void paste(const Canvas& other, int x, int y);
  // Draws text anchored at (x, y); returns its width and height in pixels.
  std::pair<int, int> text(const std::string& text, int x, int y, const TextStyle& style);
  [[nodiscard]] std::pair<int, int> text_size(const std::string& text, const TextStyle& style) const;
  // Box-filter downsampling by an integer factor.
  [[nodiscard]] Canvas downsampled(int factor) const;
  // PNG, written atomically (same canvas -> same bytes).
  void write_png(const std::filesystem::path& path) const;
  // The pixels (8-bit RGB, rows top to bottom), moved out: the canvas is left empty (0 x 0).
  [[nodiscard]] std::vector<std::uint8_t> take_rgb();

  // VTK image (RGB or RGBA unsigned char, origin bottom-left) -> canvas.
  [[nodiscard]] static Canvas from_vtk(vtkImageData& image);

 private:
  int width_ = 0, height_ = 0;
  std::vector<std::uint8_t> rgb_;
};

// A colour bar with ticks and a label. Vertical: low at the bottom.
void draw_colorbar(Canvas& canvas, int x, int y, int bar_width, int bar_height, Metric metric, const MetricInfo& info);

// VTK's text renderer (one vtkTextRenderer and the FreeType cache behind it, for the whole process) is not
// thread-safe: every use in the library holds this one lock, so that an overlay series can letter its slices while
// the figures letter theirs. Recursive: a render that letters may itself call Canvas::text.
[[nodiscard]] std::unique_lock<std::recursive_mutex> lock_text_renderer();
// Holds that lock during each render of `window` (from its StartEvent to its EndEvent): its text actors and scalar
// bars letter through the renderer inside Render(), wherever the render comes from (the interactor included).
void lock_text_renderer_while_rendering(vtkRenderWindow& window);

// Orientation letter of an LPS direction (its dominant axis): +x L, -x R, +y P, -y A, +z S, -z I.
[[nodiscard]] char orientation_letter(double x, double y, double z);

}  // namespace myo::rendering::detail
