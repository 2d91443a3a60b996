#include <gtest/gtest.h>

#include <fstream>

#include "myo/core/error.hpp"
#include "myo/segmentation/atlas.hpp"
#include "myo/testing/test_support.hpp"
#include "thighs.hpp"

using namespace myo;
using myo::testing::draw_thighs;

namespace {

double agreement(const core::LabelVolume& a, const core::LabelVolume& truth) {
  std::size_t labelled = 0, same = 0;
  for (std::size_t i = 0; i < truth.voxels.size(); ++i) {
    if (!truth.voxels[i]) continue;
    ++labelled;
    same += a.voxels[i] == truth.voxels[i];
  }
  return labelled ? static_cast<double>(same) / static_cast<double>(labelled) : 0.0;
}

}  // namespace

TEST(SegmentationAtlas, LearnsGroupsFromLabelledStudiesAndFollowsThem) {
  const auto t = draw_thighs(0.05);
  segmentation::AtlasBuilder builder;
  builder.add({&t.water, &t.fat, nullptr, nullptr}, t.labels);
  const auto atlas = builder.finish();
  EXPECT_EQ(atlas.studies(), 1U);
  segmentation::SegmentationParams params;
  params.atlas = &atlas;
  // A patient with a different muscle condition: the atlas frame does not depend on the signal.
  const auto patient = draw_thighs(0.30);
  const auto result = segmentation::segment_muscle_groups({&patient.water, &patient.fat, nullptr, nullptr}, params);
  EXPECT_GT(agreement(result.labels, patient.labels), 0.9);
}

TEST(SegmentationAtlas, WritesAndReadsBackTheSameProbabilities) {
  const auto t = draw_thighs(0.05);
  segmentation::AtlasBuilder builder;
  builder.add({&t.water, &t.fat, nullptr, nullptr}, t.labels);
  const auto atlas = builder.finish();
  myo::testing::TempDir dir;
  const auto file = dir.path() / "atlas.bin";
  atlas.write(file);
  const auto again = segmentation::SegmentationAtlas::read(file);
  EXPECT_EQ(again.groups(), atlas.groups());
  std::vector<float> a, b;
  for (const double level : {-200.0, -100.0, -55.0})
    for (const double u : {-0.8, -0.3, 0.0, 0.4})
      for (const double v : {-0.6, 0.0, 0.5}) {
        atlas.probabilities(level, u, v, a);
        again.probabilities(level, u, v, b);
        EXPECT_EQ(a, b);
      }
}

TEST(SegmentationAtlas, BrokenAtlasFileGivesAnErrorNamingIt) {
  myo::testing::TempDir dir;
  const auto file = dir.path() / "broken.bin";
  std::ofstream(file) << "not an atlas at all";
  try {
    (void)segmentation::SegmentationAtlas::read(file);
    FAIL() << "a broken atlas was accepted";
  } catch (const core::MyoError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.bin"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)segmentation::SegmentationAtlas::read(dir.path() / "missing.bin"), core::MyoError);
}

TEST(SegmentationAtlas, BuiltInAtlasCoversHipAndThighGroups) {
  const auto& atlas = segmentation::SegmentationAtlas::builtin();
  EXPECT_GE(atlas.studies(), 20U);
  EXPECT_EQ(atlas.class_count(), 10U);
  // Mid-thigh, straight in front of the femur is quadriceps; straight behind, at the surface, hamstrings.
  std::vector<float> p;
  atlas.probabilities(-200, 0.0, 0.6, p);
  const auto* catalog = &atlas.groups();
  const auto index = [&](const char* name) {
    return static_cast<std::size_t>(std::find(catalog->begin(), catalog->end(), name) - catalog->begin()) + 1;
  };
  EXPECT_GT(p[index("quadriceps")], 0.8F);
  atlas.probabilities(-200, 0.0, -0.8, p);
  EXPECT_GT(p[index("hamstrings")], 0.6F);
}
