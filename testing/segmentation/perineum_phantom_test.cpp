// The perineum landmark on generated studies whose thighs touch (regression: with heavy thighs pressed together the
// landmark was read from the body outline, which the contact closes, and came out 9 mm low on seed 604, mean Dice
// 0.913 -> 0.880). Full-resolution studies (the skin line between touching thighs is 1-2 mm wide): labelled slow.
// Also the other places where a generated study showed what drawn slices cannot: the perineum at partial coverage, the
// gracilis beside the perineum, and T1 normalised along the coverage.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "myo/core/nifti_io.hpp"
#include "myo/phantom/phantom.hpp"
#include "myo/pipeline/study_channels.hpp"
#include "myo/segmentation/atlas.hpp"
#include "myo/segmentation/segment.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;

namespace {
// A generated study loaded through the loader, with its truth labels (on the reference series' grid).
struct GeneratedStudy {
  pipeline::StudyChannels channels;
  core::LabelVolume truth;
};
GeneratedStudy load_generated(const phantom::PhantomParams& params) {
  myo::testing::TempDir dir("myo-perineum");
  phantom::generate_study(params, dir.path());
  return {pipeline::load_study_channels(dir.path() / "dicom", {}),
          core::read_labels(dir.path() / "truth" / "labels.nii.gz")};
}

phantom::PhantomParams generated(unsigned seed, phantom::Scenario scenario, dicom::Vendor vendor) {
  phantom::PhantomParams params;
  params.seed = seed;
  params.scenario = scenario;
  params.vendor = vendor;
  return params;
}

// A generated study segmented through the loader, with its truth labels.
struct SegmentedStudy {
  segmentation::SegmentationResult result;
  core::LabelVolume truth;
};
SegmentedStudy segment_generated(const phantom::PhantomParams& params) {
  auto study = load_generated(params);
  return {segmentation::segment_muscle_groups(study.channels.segmentation_input()), std::move(study.truth)};
}

double crotch_of(unsigned seed, bool touching, bool dixon) {
  phantom::PhantomParams params;
  params.seed = seed;
  params.dixon = dixon;
  params.touching_thighs = touching;
  const auto result = segment_generated(params).result;
  EXPECT_TRUE(result.landmarks.crotch_z_mm.has_value());
  return result.landmarks.crotch_z_mm.value_or(0.0);
}
}  // namespace

// Seed 604 is obese (25 mm subcutaneous fat): its thighs touch from the knee to the perineum when pressed together.
TEST(PerineumPhantom, TouchingThighsLeaveThePerineumWhereItIs) {
  for (const bool dixon : {true, false}) {
    const double plain = crotch_of(604, false, dixon);
    const double touching = crotch_of(604, true, dixon);
    std::printf("seed 604 %s: perineum z %.1f mm, thighs touching %.1f mm\n", dixon ? "Dixon" : "T1", plain, touching);
    // One slice of the reference series (3 mm Dixon, 7 mm T1 spacing).
    EXPECT_LE(std::abs(touching - plain), dixon ? 3.0 : 7.0) << (dixon ? "Dixon" : "T1");
  }
}

namespace {
// The slices of `volume` (axial study, slices along +z) from `z_low_mm` to `z_high_mm`: a study that covers part of
// the body only.
template <typename Volume>
Volume slices_within(const Volume& volume, double z_low_mm, double z_high_mm) {
  const auto& g = volume.geometry;
  const auto z_of = [&](std::size_t k) { return g.index_to_physical({0, 0, static_cast<double>(k)})[2]; };
  std::size_t first = 0;
  while (first < g.size[2] && z_of(first) < z_low_mm) ++first;
  std::size_t end = first;
  while (end < g.size[2] && z_of(end) <= z_high_mm) ++end;
  core::Geometry cropped = g;
  cropped.size[2] = end - first;
  cropped.origin_mm = g.index_to_physical({0, 0, static_cast<double>(first)});
  Volume out(cropped);
  const std::size_t per_slice = g.size[0] * g.size[1];
  std::copy(volume.voxels.begin() + static_cast<std::ptrdiff_t>(first * per_slice),
            volume.voxels.begin() + static_cast<std::ptrdiff_t>(end * per_slice), out.voxels.begin());
  return out;
}
constexpr double kEverything = 1e9;  // mm
}  // namespace

// Hips-only coverage has no perineum to count levels from: the level is searched for but the labels stay doubtful,
// and the user must be told (studies cut 60 mm above the perineum: mean Dice 0.50-0.62 against 0.93-0.94 whole).
// The whole study raises nothing.
TEST(PerineumPhantom, HipsOnlyCoverageWarnsThatTheLabelsAreUnreliable) {
  phantom::PhantomParams params;
  params.seed = 3;
  params.dixon_voxel_mm = 3.0;
  const auto study = load_generated(params);
  const auto& channels = study.channels;
  const auto whole = segmentation::segment_muscle_groups(channels.segmentation_input());
  ASSERT_TRUE(whole.landmarks.crotch_z_mm.has_value());
  EXPECT_TRUE(whole.warnings.empty());
  const double cut = *whole.landmarks.crotch_z_mm + 60.0;
  const auto water = slices_within(*channels.water, cut, kEverything),
             fat = slices_within(*channels.fat, cut, kEverything);
  const auto hips = segmentation::segment_muscle_groups({&water, &fat, nullptr, nullptr});
  ASSERT_EQ(hips.warnings.size(), 1U);
  EXPECT_NE(hips.warnings.front().find("perineum is not in the images"), std::string::npos) << hips.warnings.front();
}

// Just below and above the perineum the gracilis arises from the pubis and runs beside the perineal fat, the muscle
// nearest the midline. The band around the midline that no side's muscle may enter belongs to the pelvis: when it
// reached down to 30 mm below the perineum it cut the gracilis's origin off (seed 106, obese, before the generator
// had perineal fat: 38 of the 1452 gracilis voxels within 8 mm of the midline and 30 mm of the perineum were
// labelled, 1325 once it starts 30 mm above the perineum). Now 1356 of the 1479 within 24 mm.
TEST(PerineumPhantom, GracilisIsLabelledWhereItArisesBesideTheMidline) {
  const auto params = generated(106, phantom::Scenario::ibm, dicom::Vendor::siemens);
  const auto [result, truth] = segment_generated(params);
  ASSERT_TRUE(truth.geometry.same_grid(result.labels.geometry));
  ASSERT_TRUE(result.landmarks.crotch_z_mm.has_value());
  const double crotch = *result.landmarks.crotch_z_mm, midline = result.landmarks.midline_x_mm;
  const auto& g = truth.geometry;
  constexpr double kBesideMidlineMm = 24.0;  // the perineal fat keeps the gracilis 15-20 mm from the midline
  std::size_t near_midline = 0, labelled = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto v = truth.at(i, j, k);
        if (v != 7 && v != 17) continue;  // gracilis, right and left
        const auto p = g.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        if (std::abs(p[0] - midline) >= kBesideMidlineMm || std::abs(p[2] - crotch) > 30.0) continue;
        ++near_midline;
        labelled += result.labels.at(i, j, k) == v ? 1 : 0;
      }
  std::printf("seed 106: %zu of %zu gracilis voxels beside the midline at the perineum labelled\n", labelled,
              near_midline);
  ASSERT_GT(near_midline, 200U);
  EXPECT_GT(static_cast<double>(labelled), 0.75 * static_cast<double>(near_midline));
}

// Where heavy thighs touch, two skins meet in a water-rich line between their subcutaneous fat. It is never muscle:
// when it counted as muscle the compartment closed over the medial fat onto it, the frame's fascia moved out to the
// contact and the gracilis was put on the skin line (seed 122: 560 labelled voxels within 6 mm of the midline below
// the perineum that the truth leaves empty, gracilis Dice .82 / .82; after: 94, .88 / .87).
TEST(PerineumPhantom, SkinWhereTouchingThighsMeetIsNeverMuscle) {
  auto params = generated(122, phantom::Scenario::healthy, dicom::Vendor::siemens);
  params.touching_thighs = true;
  const auto [result, truth] = segment_generated(params);
  ASSERT_TRUE(truth.geometry.same_grid(result.labels.geometry));
  ASSERT_TRUE(result.landmarks.crotch_z_mm.has_value());
  const double crotch = *result.landmarks.crotch_z_mm, midline = result.landmarks.midline_x_mm;
  const auto& g = truth.geometry;
  std::size_t on_the_contact = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        if (result.labels.at(i, j, k) == 0 || truth.at(i, j, k) != 0) continue;
        const auto p = g.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        if (std::abs(p[0] - midline) < 6.0 && p[2] < crotch - 10.0) ++on_the_contact;
      }
  std::printf("seed 122, touching thighs: %zu labelled voxels on the contact\n", on_the_contact);
  EXPECT_LT(on_the_contact, 200U);
}

// Every atlas level is counted from the perineum, which moves with the patient's fat (103-114 mm below the femoral
// head in 15 generated studies) while the muscles stay with the bones; the segmentation refits the level to the
// labels (segmentation README, step 8). An atlas whose levels are 10 mm off stands for a perineum found 10 mm off:
// the fit must find the 10 mm and give labels as good as with the atlas as it is.
TEST(PerineumPhantom, AtlasLevelIsRefittedWhenThePerineumIsOff) {
  phantom::PhantomParams params;
  params.seed = 6;
  const auto [channels, truth] = load_generated(params);
  const auto& atlas = segmentation::SegmentationAtlas::builtin();
  constexpr double kShiftMm = 10.0;
  auto level = atlas.level_axis();
  level.first += kShiftMm;
  segmentation::SegmentationAtlas shifted(atlas.groups(), level, atlas.u_axis(), atlas.v_axis());
  for (int l = 0; l < level.count; ++l)
    for (int v = 0; v < atlas.v_axis().count; ++v)
      for (int u = 0; u < atlas.u_axis().count; ++u)
        std::copy_n(atlas.cell(l, v, u), atlas.class_count(), shifted.cell(l, v, u));

  segmentation::SegmentationParams as_is, off, off_unfitted;
  off.atlas = off_unfitted.atlas = &shifted;
  off_unfitted.atlas_level_fit_passes = 0;
  const auto input = channels.segmentation_input();
  const auto reference = segmentation::segment_muscle_groups(input, as_is);
  const auto fitted = segmentation::segment_muscle_groups(input, off);
  const auto unfitted = segmentation::segment_muscle_groups(input, off_unfitted);
  // Every voxel scored, as `myoscope evaluate` does.
  const auto groups = myo::testing::labels_present(truth);
  const double dice_reference = myo::testing::mean_dice(reference.labels, truth, groups, true),
               dice_fitted = myo::testing::mean_dice(fitted.labels, truth, groups, true),
               dice_unfitted = myo::testing::mean_dice(unfitted.labels, truth, groups, true);
  std::printf("seed 6: atlas read at %+.0f mm (as is), %+.0f mm (levels %.0f mm off); mean Dice %.4f, %.4f, "
              "unfitted %.4f\n",
              reference.landmarks.atlas_level_offset_mm, fitted.landmarks.atlas_level_offset_mm, kShiftMm,
              dice_reference, dice_fitted, dice_unfitted);
  EXPECT_NEAR(fitted.landmarks.atlas_level_offset_mm - reference.landmarks.atlas_level_offset_mm, kShiftMm, 2.0);
  EXPECT_GT(dice_fitted, dice_reference - 0.005);
  EXPECT_LT(dice_unfitted, dice_reference - 0.005);  // the 10 mm matter
}

// Thighs-only coverage has no perineum either: its level is guessed (60 mm above the top slice), here 37 mm off. The
// segmentation then compares whole labellings at offsets every 10 mm (and 5 mm either side of the best) and keeps the
// one the atlas explains best. Seed 6 cut 23 mm below the perineum: mean Dice 0.563 at the guess, 0.930 after
// (seeds 3, 9 and 12, with the atlas of 10 mm level bins: 0.923, 0.774, 0.802).
TEST(PerineumPhantom, ThighsOnlyCoverageIsPlacedAtTheLevelThatFitsTheAtlas) {
  phantom::PhantomParams params;
  params.seed = 6;
  const auto [channels, whole_truth] = load_generated(params);
  const auto whole = segmentation::segment_muscle_groups(channels.segmentation_input());
  ASSERT_TRUE(whole.landmarks.crotch_z_mm.has_value());
  const double cut = *whole.landmarks.crotch_z_mm - 23.0;
  const auto water = slices_within(*channels.water, -kEverything, cut),
             fat = slices_within(*channels.fat, -kEverything, cut);
  const auto truth = slices_within(whole_truth, -kEverything, cut);
  segmentation::SegmentationParams unfitted;
  unfitted.atlas_level_fit_passes = 0;
  const auto at_guess = segmentation::segment_muscle_groups({&water, &fat, nullptr, nullptr}, unfitted);
  const auto fitted = segmentation::segment_muscle_groups({&water, &fat, nullptr, nullptr});
  const auto groups = myo::testing::labels_present(truth);
  const double dice_guess = myo::testing::mean_dice(at_guess.labels, truth, groups, true),
               dice_fitted = myo::testing::mean_dice(fitted.labels, truth, groups, true);
  std::printf("seed 6 from 23 mm below the perineum: atlas read %+.0f mm from the guess; mean Dice %.4f (at the "
              "guess %.4f)\n",
              fitted.landmarks.atlas_level_offset_mm, dice_fitted, dice_guess);
  EXPECT_GT(dice_fitted, 0.85);
  EXPECT_LT(dice_guess, 0.70);  // the guess alone is far off
}

// T1 without Dixon is normalised between this patient's muscle and fat, and the receive coil's sensitivity falls off
// towards the ends of the coverage: in an obese patient (seed 996, 29 mm subcutaneous fat, IMNM) the subcutaneous fat
// of the top slices gives 70 % of the signal it gives at mid-thigh. With one pair of references for the whole volume
// the pelvic fat there read as fatty muscle and was flooded into the iliopsoas and gluteus medius (Dice .842 / .793
// and .934 / .820, left iliopsoas 640 ml where the truth has 445); with a gain per slice from that slice's fat,
// .912 / .906 and .936 / .947 (with the atlas of 5 mm level bins: mean 0.921, worst 0.900).
TEST(PerineumPhantom, T1FatAtTheTopOfTheCoverageStaysFat) {
  auto params = generated(996, phantom::Scenario::imnm, dicom::Vendor::ge);
  params.dixon = false;
  const auto [result, truth] = segment_generated(params);
  ASSERT_TRUE(truth.geometry.same_grid(result.labels.geometry));
  double worst = 1.0;
  const double dice = myo::testing::mean_dice(result.labels, truth, {2, 12, 4, 14}, true, &worst);
  std::printf("seed 996, T1 and STIR: gluteus medius and iliopsoas mean Dice %.3f, worst %.3f\n", dice, worst);
  EXPECT_GT(dice, 0.89);
  EXPECT_GT(worst, 0.87);
}
