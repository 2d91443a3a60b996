// From network classes to catalogue labels (libs/segmentation/src/labelling.hpp): sides and one body per muscle.
#include "labelling.hpp"

#include <gtest/gtest.h>

#include "myo/core/muscle_catalog.hpp"

using namespace myo;

namespace {

// 20 x 10 x 3 voxels of 1 mm with the midline at x = 0: voxels 0-9 lie on the right (LPS x < 0), 10-19 on the left.
struct Slab {
  core::Geometry g;
  segmentation::detail::VoxelClasses classes;
  std::vector<const core::Muscle*> muscles =
      segmentation::detail::catalogue_muscles({"background", "rectus_femoris", "vastus_lateralis"});

  Slab() {
    g.size = {20, 10, 3};
    g.origin_mm = {-9.5, 0.0, 0.0};
    classes.first.assign(g.voxel_count(), 0);
    classes.second.assign(g.voxel_count(), 0);
    classes.probability.assign(g.voxel_count(), 255);
  }
  void paint(std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1, std::uint8_t first, std::uint8_t second) {
    for (std::size_t k = 0; k < g.size[2]; ++k)
      for (std::size_t j = j0; j < j1; ++j)
        for (std::size_t i = i0; i < i1; ++i) {
          classes.first[g.linear_index(i, j, k)] = first;
          classes.second[g.linear_index(i, j, k)] = second;
        }
  }
  [[nodiscard]] std::uint16_t label_at(const core::LabelVolume& l, std::size_t i, std::size_t j) const {
    return l.voxels[g.linear_index(i, j, 1)];
  }
};

std::uint16_t label_of(const char* muscle, core::Side side) {
  return static_cast<std::uint16_t>(core::MuscleCatalog::instance().find_muscle(muscle)->label(side));
}

}  // namespace

TEST(Labelling, GivesEachVoxelTheSideOfTheMidline) {
  Slab s;
  s.paint(2, 18, 2, 8, 1, 0);  // one band across the midline
  const auto l = segmentation::detail::muscle_labels(s.g, s.classes, s.muscles, 0.0, 0.0);
  EXPECT_EQ(s.label_at(l, 5, 5), label_of("rectus_femoris", core::Side::right));
  EXPECT_EQ(s.label_at(l, 15, 5), label_of("rectus_femoris", core::Side::left));
}

TEST(Labelling, ADetachedPartTakesItsRunnerUpWhenThatJoinsItsBody) {
  Slab s;
  s.paint(0, 5, 0, 4, 1, 0);   // rectus femoris
  s.paint(0, 5, 5, 10, 2, 0);  // vastus lateralis
  s.paint(5, 7, 6, 8, 1, 2);   // a rectus femoris island touching the vastus lateralis: runner-up vastus lateralis
  const auto l = segmentation::detail::muscle_labels(s.g, s.classes, s.muscles, 0.0, 0.0);
  EXPECT_EQ(s.label_at(l, 6, 7), label_of("vastus_lateralis", core::Side::right));
}

TEST(Labelling, APartDetachedUnderBothClassesIsLeftUnlabelled) {
  Slab s;
  s.paint(0, 5, 0, 4, 1, 0);   // rectus femoris
  s.paint(0, 5, 5, 10, 2, 0);  // vastus lateralis
  s.paint(8, 10, 0, 2, 1, 2);  // an island far from both (a hand beside the hip): neither muscle's body
  const auto l = segmentation::detail::muscle_labels(s.g, s.classes, s.muscles, 0.0, 0.0);
  EXPECT_EQ(s.label_at(l, 9, 1), 0);
  EXPECT_EQ(s.label_at(l, 2, 2), label_of("rectus_femoris", core::Side::right));
}

TEST(Labelling, DropsMusclesBelowTheMinimumVolume) {
  Slab s;
  s.paint(0, 5, 0, 10, 1, 0);   // 150 voxels = 0.15 ml
  s.paint(15, 17, 0, 2, 2, 0);  // 12 voxels
  const auto l = segmentation::detail::muscle_labels(s.g, s.classes, s.muscles, 0.0, 0.1);
  EXPECT_EQ(s.label_at(l, 2, 2), label_of("rectus_femoris", core::Side::right));
  EXPECT_EQ(s.label_at(l, 16, 1), 0);
}
