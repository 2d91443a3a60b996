#include "inference.hpp"

#include <algorithm>
#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/parallel.hpp"
#include "myo/core/statistics.hpp"

namespace myo::segmentation::detail {

SlicePlane::SlicePlane(const core::Geometry& g) : g_(g) {
  const double a = g.direction[0] * g.spacing_mm[0], b = g.direction[1] * g.spacing_mm[1];
  const double c = g.direction[3] * g.spacing_mm[0], d = g.direction[4] * g.spacing_mm[1];
  const double det = a * d - b * c;
  if (std::abs(det) < 1e-9) throw core::MyoError("segmentation", "the reference series is not axial");
  inv_[0] = d / det, inv_[1] = -b / det, inv_[2] = -c / det, inv_[3] = a / det;
}

void SlicePlane::index_of(double x_mm, double y_mm, int k, double& i, double& j) const {
  const double dx = x_mm - g_.origin_mm[0] - g_.direction[2] * g_.spacing_mm[2] * k;
  const double dy = y_mm - g_.origin_mm[1] - g_.direction[5] * g_.spacing_mm[2] * k;
  i = inv_[0] * dx + inv_[1] * dy;
  j = inv_[2] * dx + inv_[3] * dy;
}

void SlicePlane::point_of(double i, double j, int k, double& x_mm, double& y_mm) const {
  const auto& d = g_.direction;
  const auto& s = g_.spacing_mm;
  x_mm = g_.origin_mm[0] + d[0] * s[0] * i + d[1] * s[1] * j + d[2] * s[2] * k;
  y_mm = g_.origin_mm[1] + d[3] * s[0] * i + d[4] * s[1] * j + d[5] * s[2] * k;
}

namespace {

int aligned(double extent_px, int alignment) {
  const int n = std::max(alignment, static_cast<int>(std::ceil(extent_px)));
  return (n + alignment - 1) / alignment * alignment;
}

// The median over slices of each slice's 99th percentile: a few slices of bright artefact do not hide the rest.
float bright_level(const core::ImageVolume& image) {
  const std::size_t n = image.geometry.size[0] * image.geometry.size[1];
  std::vector<float> levels;
  for (std::size_t k = 0; k < image.geometry.size[2]; ++k) {
    const std::vector<float> plane(image.voxels.begin() + static_cast<std::ptrdiff_t>(k * n),
                                   image.voxels.begin() + static_cast<std::ptrdiff_t>((k + 1) * n));
    auto values = core::sample_values(plane, 20000, [](float v) { return v > 0; });
    if (!values.empty()) levels.push_back(static_cast<float>(core::percentile(values, 0.99)));
  }
  return levels.empty() ? 1.0F : static_cast<float>(core::percentile(levels, 0.5));
}

// Bilinear sample of slice k at a continuous in-plane index; 0 outside the image.
float sample_slice(const core::ImageVolume& image, int k, double i, double j) {
  const auto nx = static_cast<int>(image.geometry.size[0]), ny = static_cast<int>(image.geometry.size[1]);
  if (!(i > -1 && j > -1 && i < nx && j < ny)) return 0.0F;
  const int i0 = static_cast<int>(std::floor(i)), j0 = static_cast<int>(std::floor(j));
  const double fi = i - i0, fj = j - j0;
  const float* plane = image.voxels.data() + static_cast<std::size_t>(k) * nx * ny;
  const auto at = [&](int ii, int jj) {
    return ii < 0 || jj < 0 || ii >= nx || jj >= ny ? 0.0F : plane[static_cast<std::size_t>(jj) * nx + ii];
  };
  return static_cast<float>((1 - fj) * ((1 - fi) * at(i0, j0) + fi * at(i0 + 1, j0)) +
                            fj * ((1 - fi) * at(i0, j0 + 1) + fi * at(i0 + 1, j0 + 1)));
}

std::vector<float> slice_on_grid(const core::ImageVolume& image, const SlicePlane& plane, const NetworkGrid& grid,
                                 int k) {
  std::vector<float> out(static_cast<std::size_t>(grid.count()));
  for (int r = 0; r < grid.rows; ++r)
    for (int c = 0; c < grid.columns; ++c) {
      double i = 0, j = 0;
      plane.index_of(grid.x0_mm + c * grid.pixel_mm, grid.y0_mm + r * grid.pixel_mm, k, i, j);
      out[static_cast<std::size_t>(r) * grid.columns + c] = sample_slice(image, k, i, j);
    }
  return out;
}

}  // namespace

std::vector<BodyExtent> body_extents(const core::ImageVolume& image, float threshold) {
  const auto& g = image.geometry;
  const SlicePlane plane(g);
  std::vector<BodyExtent> out(g.size[2]);
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    std::size_t i_lo = g.size[0], i_hi = 0, j_lo = g.size[1], j_hi = 0;
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        if (image.voxels[g.linear_index(i, j, k)] > threshold)
          i_lo = std::min(i_lo, i), i_hi = std::max(i_hi, i), j_lo = std::min(j_lo, j), j_hi = std::max(j_hi, j);
    if (i_lo > i_hi) continue;
    auto& e = out[k];
    e.found = true;
    e.x_lo = e.y_lo = 1e30, e.x_hi = e.y_hi = -1e30;
    for (const auto i : {i_lo, i_hi})
      for (const auto j : {j_lo, j_hi}) {
        double x = 0, y = 0;
        plane.point_of(static_cast<double>(i), static_cast<double>(j), static_cast<int>(k), x, y);
        e.x_lo = std::min(e.x_lo, x), e.x_hi = std::max(e.x_hi, x), e.y_lo = std::min(e.y_lo, y),
        e.y_hi = std::max(e.y_hi, y);
      }
  }
  return out;
}

NetworkGrid network_grid(const std::vector<BodyExtent>& extents, double pixel_mm, int alignment, double margin_mm) {
  double x_lo = 1e30, x_hi = -1e30, y_lo = 1e30, y_hi = -1e30;
  for (const auto& e : extents)
    if (e.found)
      x_lo = std::min(x_lo, e.x_lo), x_hi = std::max(x_hi, e.x_hi), y_lo = std::min(y_lo, e.y_lo),
      y_hi = std::max(y_hi, e.y_hi);
  if (x_lo > x_hi) throw core::MyoError("segmentation", "the reference series holds no body");
  NetworkGrid grid;
  grid.pixel_mm = pixel_mm;
  grid.columns = aligned((x_hi - x_lo + 2 * margin_mm) / pixel_mm + 1, alignment);
  grid.rows = aligned((y_hi - y_lo + 2 * margin_mm) / pixel_mm + 1, alignment);
  grid.x0_mm = 0.5 * (x_lo + x_hi) - 0.5 * (grid.columns - 1) * pixel_mm;
  grid.y0_mm = 0.5 * (y_lo + y_hi) - 0.5 * (grid.rows - 1) * pixel_mm;
  return grid;
}

std::vector<int> inference_schedule(const core::Geometry& g, double max_step_mm) {
  const int nz = static_cast<int>(g.size[2]);
  const int stride = std::max(1, static_cast<int>(std::floor(max_step_mm / g.spacing_mm[2] + 1e-6)));
  std::vector<int> out;
  for (int k = 0; k < nz; k += stride) out.push_back(k);
  if (out.back() != nz - 1) out.push_back(nz - 1);
  return out;
}

namespace {

// The body's extent on one slice of the grid plus a margin, grown to sizes the network takes: it need not look at
// the air around a narrow slice (thighs) because a wide one (pelvis) set the grid.
Window body_window(const std::vector<float>& extent, const NetworkGrid& grid, float threshold, int margin_px,
                   int alignment) {
  int r0 = grid.rows, r1 = -1, c0 = grid.columns, c1 = -1;
  for (int r = 0; r < grid.rows; ++r)
    for (int c = 0; c < grid.columns; ++c)
      if (extent[static_cast<std::size_t>(r) * grid.columns + c] > threshold)
        r0 = std::min(r0, r), r1 = std::max(r1, r), c0 = std::min(c0, c), c1 = std::max(c1, c);
  if (r1 < 0) return {0, 0, alignment, alignment};  // no body on this slice: a token window
  const auto fit = [&](int lo, int hi, int limit, int& start, int& size) {
    size = std::min(limit, ((hi - lo + 1 + 2 * margin_px) + alignment - 1) / alignment * alignment);
    start = std::clamp((lo + hi + 1) / 2 - size / 2, 0, limit - size);
  };
  Window w;
  fit(r0, r1, grid.rows, w.row0, w.rows);
  fit(c0, c1, grid.columns, w.col0, w.columns);
  return w;
}

std::vector<float> crop(const std::vector<float>& full, const NetworkGrid& grid, const Window& w) {
  std::vector<float> out(static_cast<std::size_t>(w.rows) * w.columns);
  for (int r = 0; r < w.rows; ++r)
    std::copy_n(full.begin() + static_cast<std::ptrdiff_t>(r + w.row0) * grid.columns + w.col0, w.columns,
                out.begin() + static_cast<std::ptrdiff_t>(r) * w.columns);
  return out;
}

// The window's probabilities on the whole grid, x 255: outside the window, certain background.
std::vector<std::uint8_t> paste(const std::vector<float>& probabilities, int classes, const NetworkGrid& grid,
                                const Window& w) {
  const auto plane = static_cast<std::size_t>(grid.count());
  std::vector<std::uint8_t> out(static_cast<std::size_t>(classes) * plane, 0);
  std::fill_n(out.begin(), plane, static_cast<std::uint8_t>(255));
  const auto window_plane = static_cast<std::size_t>(w.rows) * w.columns;
  for (int c = 0; c < classes; ++c)
    for (int r = 0; r < w.rows; ++r)
      for (int x = 0; x < w.columns; ++x) {
        const float p = probabilities[c * window_plane + static_cast<std::size_t>(r) * w.columns + x];
        out[c * plane + static_cast<std::size_t>(r + w.row0) * grid.columns + x + w.col0] =
            round_to_byte(std::clamp(p, 0.0F, 1.0F) * 255);
      }
  return out;
}

}  // namespace

Window slice_window(const core::ImageVolume& extent, const SlicePlane& plane, const NetworkGrid& grid, int k,
                    float threshold, double margin_mm, int alignment) {
  const int margin_px = static_cast<int>(std::ceil(margin_mm / grid.pixel_mm));
  return body_window(slice_on_grid(extent, plane, grid, k), grid, threshold, margin_px, alignment);
}

std::vector<float> network_pixels(const core::ImageVolume& view, const SlicePlane& plane, const NetworkGrid& grid,
                                  int k, const Window& window) {
  auto pixels = crop(slice_on_grid(view, plane, grid, k), grid, window);
  scale_for_network(pixels);
  return pixels;
}

float body_threshold(const core::ImageVolume& image) { return 0.2F * bright_level(image); }

std::vector<SliceProbabilities> infer_slices(const std::vector<const core::ImageVolume*>& views,
                                             const core::ImageVolume& extent, float threshold, const NetworkGrid& grid,
                                             const std::vector<int>& schedule, const MuscleModel& model,
                                             double margin_mm, unsigned threads) {
  std::vector<SliceProbabilities> out(schedule.size());
  const SlicePlane plane(views.front()->geometry);
  const int classes = static_cast<int>(model.classes().size());
  core::parallel_for(
      static_cast<int>(schedule.size()),
      [&](int s) {
        const int k = schedule[static_cast<std::size_t>(s)];
        out[static_cast<std::size_t>(s)].slice = k;
        const auto window = slice_window(extent, plane, grid, k, threshold, margin_mm, model.alignment());
        std::vector<float> probabilities;
        for (const auto* view : views) {
          const auto pixels = network_pixels(*view, plane, grid, k, window);
          model.predict(pixels.data(), window.rows, window.columns, probabilities);
          out[static_cast<std::size_t>(s)].views.push_back(paste(probabilities, classes, grid, window));
        }
      },
      threads);
  return out;
}

}  // namespace myo::segmentation::detail
