#pragma once
// Two synthetic "thighs" with a pelvis above them, labelled with catalogue groups of known fat fraction, for the
// tests and benchmarks of figures and the viewer (they link myo::rendering: input() is a figure input).
// LPS: the patient's right thigh lies at negative x. Anatomy is water-like (muscle bright, fat dark).
#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/volume.hpp"
#include "myo/quantification/quantify.hpp"
#include "myo/rendering/figures.hpp"

namespace myo::testing {

struct ThighPhantom {
  core::LabelVolume labels;
  core::ImageVolume anatomy, fat_fraction_pct, stir;
  core::MaskVolume edema;
  core::MaskVolume bone;  // femoral shafts and the two hips (1)
  std::vector<quantification::GroupMeasurement> measurements;
  double crotch_z_mm = 0;

  [[nodiscard]] rendering::FigureInput input() const {
    rendering::FigureInput in;
    in.labels = &labels;
    in.anatomy = &anatomy;
    in.fat_fraction_pct = &fat_fraction_pct;
    in.stir = &stir;
    in.edema_mask = &edema;
    in.bone = &bone;
    in.measurements = measurements;
    in.crotch_z_mm = crotch_z_mm;
    return in;
  }
};

struct PhantomOptions {
  std::array<std::size_t, 3> size{100, 72, 60};
  std::array<double, 3> spacing_mm{4.0, 4.0, 6.0};
  // Keep only the right quadriceps (FF 60 %) and the left hamstrings (FF 30 %): an asymmetric scene for orientation.
  bool right_quadriceps_left_hamstrings_only = false;
  // Store the voxels with i running to the patient's right and j anterior (direction diag(-1,-1,1)), as many NIfTI
  // files are: the anatomy in patient coordinates is the same, so every figure must look the same.
  bool flipped_in_plane = false;
};

// Fat fraction of each group and side: right quadriceps 60 % (the high end of the 0..70 % scale), left quadriceps
// 5 %, adductors rising from 10 % distally to 50 % proximally, hamstrings 30 %, gluteus maximus R 40 / L 10 %.
// Edema: the distal half of the right hamstrings.
inline ThighPhantom make_thigh_phantom(const PhantomOptions& options = {}) {
  core::Geometry g;
  g.size = options.size;
  g.spacing_mm = {options.spacing_mm[0], options.spacing_mm[1], options.spacing_mm[2]};
  const double sx = static_cast<double>(g.size[0]) * g.spacing_mm[0],
               sy = static_cast<double>(g.size[1]) * g.spacing_mm[1],
               sz = static_cast<double>(g.size[2]) * g.spacing_mm[2];
  g.origin_mm = {-sx / 2, -sy / 2, 0.0};
  if (options.flipped_in_plane) {
    g.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
    g.origin_mm = {sx / 2 - g.spacing_mm[0], sy / 2 - g.spacing_mm[1], 0.0};
  }
  ThighPhantom p{core::LabelVolume(g, 0),
                 core::ImageVolume(g, 0),
                 core::ImageVolume(g, 0),
                 core::ImageVolume(g, 0),
                 core::MaskVolume(g, 0),
                 core::MaskVolume(g, 0),
                 {},
                 0};
  const auto& catalog = core::MuscleCatalog::instance();
  const auto label = [&](const char* name, core::Side side) { return catalog.find(name)->label(side); };
  const double top = sz, crotch = 0.68 * sz;
  p.crotch_z_mm = crotch;
  const double thigh_r = std::min(0.24 * sx, 0.45 * sy);
  std::map<int, std::pair<double, std::size_t>> sums;
  std::map<int, std::size_t> edema_counts;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto pt = g.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        const double x = pt[0], y = pt[1], z = pt[2];
        const core::Side side = x < 0 ? core::Side::right : core::Side::left;  // LPS: right is -x
        const double cx = x < 0 ? -0.27 * sx : 0.27 * sx;
        const double dx = x - cx, dy = y;
        const double r = std::sqrt(dx * dx + dy * dy) / thigh_r;
        // lateral = away from the midline
        const double lateral = x < 0 ? -dx : dx;
        const double angle = std::atan2(dy, lateral);  // 0 lateral, -pi/2 anterior, +pi/2 posterior
        int l = 0;
        double ff = 0;
        bool body = false, bone = false;
        const double zt = z / top;
        if (z < crotch) {  // thigh
          body = r < 1.0 && z > 0.02 * top;
          bone = r < 0.18;
          if (body && !bone && r < 0.8) {
            if (angle < -0.6 && angle > -2.4) {
              l = label("quadriceps", side);
              ff = side == core::Side::right ? 60 : 5;
            } else if (angle >= -0.6 && angle < 0.9) {
              l = label("quadriceps", side);  // vastus lateralis
              ff = side == core::Side::right ? 60 : 5;
            } else if (angle >= 0.9 && angle < 2.3) {
              l = label("hamstrings", side);
              ff = 30;
            } else {
              l = label("adductors", side);
              ff = 10 + 40 * zt / 0.68;
            }
          }
        } else {  // pelvis: one block with both hips
          const double ex = x / (0.48 * sx), ey = y / (0.45 * sy);
          const double e = std::sqrt(ex * ex + ey * ey);
          body = e < 1.0 && z < 0.97 * top;
          bone = std::abs(dx) < 0.18 * thigh_r && std::abs(dy) < 0.18 * thigh_r;
          if (body && !bone && e < 0.85) {
            if (y > 0.08 * sy) {
              l = label("gluteus_maximus", side);
              ff = side == core::Side::right ? 40 : 10;
            } else if (std::abs(x) > 0.3 * sx) {
              l = label("gluteus_medius", side);
              ff = 20;
            } else if (y < -0.1 * sy && std::abs(x) < 0.2 * sx && std::abs(x) > 0.05 * sx) {
              l = label("iliopsoas", side);
              ff = 8;
            }
          }
        }
        if (options.right_quadriceps_left_hamstrings_only && l != label("quadriceps", core::Side::right) &&
            l != label("hamstrings", core::Side::left))
          l = 0;
        float water = 0, stir = 0;
        if (body) {
          water = bone ? 150.0F : l ? static_cast<float>(900.0 * (1 - ff / 100.0)) : 60.0F;  // subcutaneous fat dark
          stir = bone ? 60.0F : l ? 200.0F : 40.0F;
        }
        const bool edema = l == label("hamstrings", core::Side::right) && z < 0.35 * top;
        if (edema) stir = 520.0F;
        p.labels.at(i, j, k) = static_cast<std::uint16_t>(l);
        p.anatomy.at(i, j, k) = water;
        p.stir.at(i, j, k) = stir;
        p.fat_fraction_pct.at(i, j, k) = body ? static_cast<float>(l ? ff : (bone ? 70.0 : 93.0)) : 0.0F;
        p.edema.at(i, j, k) = edema ? 1 : 0;
        p.bone.at(i, j, k) = body && bone ? 1 : 0;
        if (l) {
          sums[l].first += ff;
          ++sums[l].second;
          if (edema) ++edema_counts[l];
        }
      }
  for (const auto& [l, s] : sums) {
    const auto gs = catalog.from_label(l);
    quantification::GroupMeasurement m;
    m.group = gs->group->name;
    m.side = gs->side;
    m.label = l;
    m.voxel_count = s.second;
    m.volume_ml = static_cast<double>(s.second) * g.voxel_volume_ml();
    m.fat_fraction_pct = s.first / static_cast<double>(s.second);
    m.edema_fraction_pct = 100.0 * static_cast<double>(edema_counts[l]) / static_cast<double>(s.second);
    p.measurements.push_back(m);
  }
  return p;
}

}  // namespace myo::testing
