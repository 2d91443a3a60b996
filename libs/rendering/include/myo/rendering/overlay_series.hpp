#pragma once
// Axial slices with the fat fraction and edema overlays, one image per slice, for a PACS viewer to scroll
// (written as a DICOM Secondary Capture series by libs/dicom). Composed on the CPU like the slice-overlay figure:
// no X display, no VTK window.
#include <cstdint>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/core/image_placement.hpp"
#include "myo/rendering/figures.hpp"

namespace myo::rendering {

// One composed axial slice and where its image area lies in the patient (LPS). The image area is the top
// `image_rows` rows; a legend band lies below it.
struct OverlaySlice {
  RgbPixels pixels;  // 8-bit RGB, rows top to bottom
  core::ImagePlacement placement;
};

struct OverlaySeriesParams {
  // Each slice is drawn at an integer multiple of the analysis grid's in-plane pixel, the smallest that makes it at
  // least this wide (at most 4x), so that the legend and the orientation letters stay legible on small matrices.
  int min_width_px = 384;
  int legend_height_px = 64;
};

// Every axial slice of the labels' grid (an axial grid: its own slices; another orientation: axial planes at the
// grid's spacing along the body axis), ordered head to feet. Fat fraction (viridis, `params.fat_fraction_range_pct`)
// over the anatomy inside the muscle groups, edema as red hatching with a red contour, group outlines in the
// catalogue colours, orientation letters (R/L, A/P), and a legend band with the colour bar (%) and the edema key.
// Empty when neither a fat fraction map nor an edema mask is given. Throws core::MyoError when a volume is not on the
// labels' grid.
[[nodiscard]] std::vector<OverlaySlice> render_overlay_series(const FigureInput& input,
                                                              const FigureParams& params = {},
                                                              const OverlaySeriesParams& series = {});

}  // namespace myo::rendering
