#pragma once
// Export of the 3D muscle surfaces for viewers: one glTF 2.0 binary (.glb) for the whole study and one VTP file per
// group and side. Needs no X display.
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "myo/rendering/figures.hpp"

namespace myo::rendering {

struct SceneExportParams {
  int smoothing_iterations = 15;
  double smoothing_pass_band = 0.05;
  std::size_t surface_max_voxels = 3000000;  // larger label boxes are subsampled in-plane (0: full resolution)
  std::array<double, 2> fat_fraction_range_pct{0.0, 70.0};  // glTF material colours use the figures' colour map
  // Each group's glTF mesh is decimated to at most this many triangles (0: full resolution), which keeps scene.glb and
  // report.html (which embeds it) a few MB; the VTP files keep the full resolution.
  std::size_t glb_max_triangles_per_group = 4000;
};

struct SceneExport {
  std::filesystem::path glb;
  std::vector<std::filesystem::path> vtp_files;  // <group>_<side>.vtp
};

// glb: nodes named "<group>_<side>", coordinates in metres, glTF axes (+Y superior, +Z anterior, +X patient left);
//      material colour = fat fraction colour (grey without Dixon); every mesh's "extras" carries group, side, label,
//      volume_ml, fat_fraction_pct, edema_fraction_pct and display_colors (sRGB "#rrggbb" per metric, grey when
//      unmeasured); the document's "extras" carries the colour bar of each metric ("legends": range, stops), so a
//      viewer (report.html's 3D map) shows the figures' colours without a colour map of its own.
// vtp: LPS millimetres; cell arrays "label", "fat_fraction_pct", "edema_fraction_pct" (group means, NaN when
//      unmeasured) and, with a fat map / edema mask, point arrays "fat_fraction_local_pct" / "edema_local_pct" (the
//      value of the 20 mm slab the point lies in).
// Either path may be empty to skip that output. Files are written atomically.
SceneExport export_scene(const FigureInput& input, const std::filesystem::path& glb_path,
                         const std::filesystem::path& vtp_dir, const SceneExportParams& params = {});

}  // namespace myo::rendering
