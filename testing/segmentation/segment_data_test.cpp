// The muscle model on real anatomy and real images (../shared/data; each test skips with a reason when absent).
//  - Real label maps of subjects held out of training (training/segmentation/splits.json "test"), painted here as
//    plain Dixon images: Dice per group against the map itself.
//  - Real images without labels (QMRITools thigh and hip stations, the GE thigh echoes): every thigh muscle found on
//    both sides with plausible left/right volumes.
// Floors sit below what the shipped model measures (printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/segmentation/segment.hpp"
#include "myo/testing/test_support.hpp"
#include "slice_ops.hpp"

using namespace myo;
namespace fs = std::filesystem;

namespace {

// thigh-multiethnic values (1..11) -> catalogue group names.
const std::map<int, std::string> kThighMapGroups{
    {1, "sartorius"}, {2, "quadriceps"}, {3, "quadriceps"}, {4, "quadriceps"},  {5, "quadriceps"}, {6, "adductors"},
    {7, "gracilis"},  {8, "hamstrings"}, {9, "hamstrings"}, {10, "hamstrings"}, {11, "hamstrings"}};

struct Painted {
  core::ImageVolume water, fat;
};

bool on_septum(const core::LabelVolume& map, std::size_t i, std::size_t j, std::size_t k) {
  const auto& g = map.geometry;
  const auto here = map.at(i, j, k);
  const auto differs = [&](long di, long dj) {
    const long a = static_cast<long>(i) + di, b = static_cast<long>(j) + dj;
    if (a < 0 || b < 0 || a >= static_cast<long>(g.size[0]) || b >= static_cast<long>(g.size[1])) return false;
    const auto other = map.at(static_cast<std::size_t>(a), static_cast<std::size_t>(b), k);
    return other != 0 && other != here;
  };
  return differs(1, 0) || differs(-1, 0) || differs(0, 1) || differs(0, -1);
}

// Muscle bright on water (the adductor and semimembranosus fat-replaced to 65 %), fat septa between muscles, fat
// inside the closed compartment, 12 mm of subcutaneous fat, noise.
Painted paint(const core::LabelVolume& map) {
  const auto& g = map.geometry;
  Painted p{core::ImageVolume(g, 0), core::ImageVolume(g, 0)};
  const segmentation::slice::Grid grid{static_cast<int>(g.size[0]), static_cast<int>(g.size[1]), g.spacing_mm[0],
                                       g.spacing_mm[1]};
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0F, 0.03F);
  const auto plane = g.size[0] * g.size[1];
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    segmentation::slice::Mask muscle(plane);
    for (std::size_t q = 0; q < plane; ++q) muscle[q] = map.voxels[k * plane + q] != 0;
    auto compartment = segmentation::slice::close(grid, muscle, 4.0);
    segmentation::slice::fill_holes(grid, compartment);
    const auto body = segmentation::slice::dilate(grid, compartment, 12.0);
    for (std::size_t q = 0; q < plane; ++q) {
      const auto label = map.voxels[k * plane + q];
      float w = 0.0F, f = 0.0F;
      if (label != 0) {
        const bool fatty = label == 6 || label == 10;
        const bool septum = on_septum(map, q % g.size[0], q / g.size[0], k);
        w = septum ? 0.2F : fatty ? 0.35F : 1.0F;
        f = septum ? 0.8F : fatty ? 0.65F : 0.05F;
      } else if (body[q]) {
        w = 0.05F, f = 0.95F;
      }
      p.water.voxels[k * plane + q] = std::abs(w + noise(rng));
      p.fat.voxels[k * plane + q] = std::abs(f + noise(rng));
    }
  }
  return p;
}

// Per group, Dice between our labels (sides pooled) and the map's.
std::map<std::string, double> group_dice(const core::LabelVolume& ours, const core::LabelVolume& map) {
  const auto& catalog = core::MuscleCatalog::instance();
  std::map<std::string, std::array<double, 3>> counts;  // ours, truth, both
  for (std::size_t v = 0; v < map.voxels.size(); ++v) {
    const auto gs = catalog.from_label(ours.voxels[v]);
    const std::string mine = gs ? gs->group->name : "";
    const auto t = kThighMapGroups.find(map.voxels[v]);
    const std::string truth = t == kThighMapGroups.end() ? "" : t->second;
    if (!mine.empty()) counts[mine][0] += 1;
    if (!truth.empty()) counts[truth][1] += 1;
    if (!mine.empty() && mine == truth) counts[mine][2] += 1;
  }
  std::map<std::string, double> out;
  for (const auto& [group, c] : counts)
    if (c[1] > 0) out[group] = 2 * c[2] / (c[0] + c[1]);
  return out;
}

struct SideVolumes {
  std::map<std::string, std::array<double, 2>> ml;  // group -> right, left
};

SideVolumes side_volumes(const segmentation::SegmentationResult& r) {
  SideVolumes out;
  const auto& catalog = core::MuscleCatalog::instance();
  const double voxel_ml = r.labels.geometry.voxel_volume_ml();
  for (const auto l : r.labels.voxels)
    if (const auto gs = catalog.from_label(l)) out.ml[gs->group->name][gs->side == core::Side::left] += voxel_ml;
  return out;
}

void expect_thigh_groups_on_both_sides(const segmentation::SegmentationResult& r, const std::string& what) {
  const auto volumes = side_volumes(r);
  for (const auto* group : {"quadriceps", "hamstrings", "adductors", "sartorius", "gracilis"}) {
    const auto it = volumes.ml.find(group);
    ASSERT_NE(it, volumes.ml.end()) << what << ": no " << group;
    const auto [right, left] = it->second;
    std::printf("%s: %-11s right %7.1f ml, left %7.1f ml\n", what.c_str(), group, right, left);
    EXPECT_GT(std::min(right, left), 0.0) << what << ": " << group;
    // Healthy volunteers: the sides agree, up to a muscle's thin end cut differently at the station's edge.
    EXPECT_LT(std::max(right, left) / std::max(std::min(right, left), 1e-3), 1.7) << what << ": " << group;
  }
}

}  // namespace

TEST(RealAnatomy, HeldOutThighMapsPaintedAsDixon) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto dir = data / "muscle-mri" / "real-anatomy-labels" / "thigh-multiethnic";
  // One held-out subject per protocol: clinical 24 mm, 4 mm Dixon, STIR at 9 mm.
  const auto names = {"Training_T1_THIGH_040_0002.nii.gz", "MyoSegmenTUM_Fat_HV005_1_0000.nii.gz",
                      "Helsinki_STIR_THIGH_112_0001.nii.gz"};
  for (const auto* name : names) MYO_REQUIRE_SHARED_FILE(dir / name);
  for (const auto* name : names) {
    const auto map = core::read_labels(dir / name);
    const auto painted = paint(map);
    const auto r = segmentation::segment_muscle_groups({&painted.water, &painted.fat, nullptr, nullptr});
    const auto dice = group_dice(r.labels, map);
    double sum = 0;
    for (const auto& [group, d] : dice) {
      std::printf("%s: %-11s Dice %.3f\n", name, group.c_str(), d);
      sum += d;
      EXPECT_GT(d, 0.55) << name << " " << group;
    }
    EXPECT_GT(sum / static_cast<double>(dice.size()), 0.70) << name;
  }
}

TEST(RealImages, QmriToolsThighStationsHaveEveryThighGroupOnBothSides) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto stations = {"Join_5.nii.gz", "Join_6.nii.gz"};
  for (const auto* station : stations) MYO_REQUIRE_SHARED_FILE(data / "muscle-mri" / "qmritools-demo" / station);
  for (const auto* station : stations) {
    const auto water = core::read_image(data / "muscle-mri" / "qmritools-demo" / station);
    const auto r = segmentation::segment_muscle_groups({&water, nullptr, nullptr, nullptr});
    expect_thigh_groups_on_both_sides(r, station);
  }
}

TEST(RealImages, QmriToolsHipStationHasTheGluteiOnBothSides) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto path = data / "muscle-mri" / "qmritools-demo" / "Join_7.nii.gz";
  MYO_REQUIRE_SHARED_FILE(path);
  const auto water = core::read_image(path);
  const auto r = segmentation::segment_muscle_groups({&water, nullptr, nullptr, nullptr});
  const auto volumes = side_volumes(r);
  for (const auto* group : {"gluteus_maximus", "gluteus_medius"}) {
    const auto it = volumes.ml.find(group);
    ASSERT_NE(it, volumes.ml.end()) << group;
    std::printf("Join_7: %-16s right %7.1f ml, left %7.1f ml\n", group, it->second[0], it->second[1]);
    EXPECT_GT(std::min(it->second[0], it->second[1]), 20.0) << group;
  }
}

TEST(RealImages, GeThighInPhaseEchoHasEveryThighGroupOnBothSides) {
  MYO_REQUIRE_SHARED_DATA(data);
  // TE 4.60 ms at 3 T: water and fat in phase, a T1-like contrast with bright fat.
  const auto path = data / "muscle-mri" / "swastling-musclemap" / "ff" / "ge" / "thigh" / "input" /
                    "40007-ORIG_DIXON_TE_460_TH-0000.nii.gz";
  MYO_REQUIRE_SHARED_FILE(path);
  const auto image = core::read_image(path);
  const auto r = segmentation::segment_muscle_groups({nullptr, nullptr, &image, nullptr});
  expect_thigh_groups_on_both_sides(r, "GE thigh");
}
