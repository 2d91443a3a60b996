#pragma once
// Running the muscle model over a volume: slices brought onto one LPS-aligned network grid, inferred (in parallel,
// every slice or, for thin slices, a subset), and their class probabilities kept for the labelling.
#include <cstdint>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/segmentation/muscle_model.hpp"
#include "myo/segmentation/segment.hpp"

namespace myo::segmentation::detail {

// The network's in-plane grid: LPS-aligned (columns to the patient's left, rows posterior), shared by every slice.
struct NetworkGrid {
  double x0_mm = 0, y0_mm = 0;  // centre of pixel (0, 0)
  double pixel_mm = 2;
  int rows = 0, columns = 0;
  [[nodiscard]] int count() const { return rows * columns; }
};

// In-plane map of one slice of a volume: image index (i, j) of an LPS (x, y) point on slice k, and back.
class SlicePlane {
 public:
  explicit SlicePlane(const core::Geometry& g);
  void index_of(double x_mm, double y_mm, int k, double& i, double& j) const;
  void point_of(double i, double j, int k, double& x_mm, double& y_mm) const;

 private:
  const core::Geometry& g_;
  double inv_[4]{};  // inverse of the in-plane 2x2 block of direction x spacing
};

// The body's extent on one slice, LPS mm (of the bounding box of its voxels brighter than `threshold`).
struct BodyExtent {
  bool found = false;
  double x_lo = 0, x_hi = 0, y_lo = 0, y_hi = 0;
};
[[nodiscard]] std::vector<BodyExtent> body_extents(const core::ImageVolume& image, float threshold);

// The body's extent over all slices plus `margin_mm`, as a grid aligned to the model's pooling.
[[nodiscard]] NetworkGrid network_grid(const std::vector<BodyExtent>& extents, double pixel_mm, int alignment,
                                       double margin_mm);

// Slices to run through the network: every slice when they are at least `max_step_mm` apart, else a subset that
// includes the first and last, at most that far apart.
[[nodiscard]] std::vector<int> inference_schedule(const core::Geometry& g, double max_step_mm);

// std::lround of a value in [0, 255.5), as a byte, without the library call: v + 0.5 is exact in double, so its
// truncation is lround's result (the probabilities of every pixel pass here).
[[nodiscard]] inline std::uint8_t round_to_byte(float v) {
  return static_cast<std::uint8_t>(static_cast<double>(v) + 0.5);
}

// The part of the grid one slice is run on: the body's extent on it plus a margin, in sizes the network takes.
struct Window {
  int row0 = 0, col0 = 0, rows = 0, columns = 0;
};

// The window of slice k: the body of `extent` (above `threshold`) with `margin_mm` around it.
[[nodiscard]] Window slice_window(const core::ImageVolume& extent, const SlicePlane& plane, const NetworkGrid& grid,
                                  int k, float threshold, double margin_mm, int alignment);

// Slice k of `view` on the window, scaled as the network takes it (scale_for_network).
[[nodiscard]] std::vector<float> network_pixels(const core::ImageVolume& view, const SlicePlane& plane,
                                                const NetworkGrid& grid, int k, const Window& window);

// Class probabilities per inferred slice and view, x 255, [class][row][column] on the network grid.
struct SliceProbabilities {
  int slice = 0;
  std::vector<std::vector<std::uint8_t>> views;
};

// Each view of each scheduled slice through the network, on the part of the grid the body of `extent` (an image
// showing fat and muscle; body above `threshold`) covers on that slice, with `margin_mm` around it.
[[nodiscard]] std::vector<SliceProbabilities> infer_slices(const std::vector<const core::ImageVolume*>& views,
                                                           const core::ImageVolume& extent, float threshold,
                                                           const NetworkGrid& grid,
                                                           const std::vector<int>& schedule, const MuscleModel& model,
                                                           double margin_mm, unsigned threads);

// How segment_muscle_groups runs the network on a study: the views it sees, the body outline, grid and schedule.
struct NetworkSetup {
  std::vector<const core::ImageVolume*> network;  // what the network sees, each on its own
  core::ImageVolume anatomy;                      // fat and muscle both visible: body outline and landmarks
  std::string description;
  float body_threshold = 0;
  std::vector<BodyExtent> extents;
  NetworkGrid grid;
  std::vector<int> schedule;
};
// Throws core::MyoError when no usable channel is given or the grid is not axial (segment.cpp).
[[nodiscard]] NetworkSetup network_setup(const SegmentationInput& input, const MuscleModel& model,
                                         const SegmentationParams& params);

// What counts as body in `image`: a fifth of its bright level (99th percentile of its positive voxels).
[[nodiscard]] float body_threshold(const core::ImageVolume& image);

}  // namespace myo::segmentation::detail
