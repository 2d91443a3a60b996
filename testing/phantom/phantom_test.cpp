// Tests of the study generator: reproducibility, truth statistics, vendor tag conventions of the written DICOM,
// slice geometry, and agreement of the label map with the reference series. Small voxel counts keep them fast.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <tuple>
#include <utility>

#include "myo/core/error.hpp"
#include "phantom_test_support.hpp"

using namespace phantom_test;  // NOLINT: test file

// Reruns with the same seed must give identical files (names, UIDs and pixels) and truth.
TEST(Phantom, SameSeedGivesIdenticalStudy) {
  myo::testing::TempDir a, b;
  myo::phantom::generate_study(small(Vendor::siemens, Scenario::imnm, 7), a.path());
  myo::phantom::generate_study(small(Vendor::siemens, Scenario::imnm, 7), b.path());
  const auto sa = snapshot(a.path()), sb = snapshot(b.path());
  ASSERT_EQ(sa.size(), sb.size());
  for (const auto& [name, content] : sa) {
    ASSERT_TRUE(sb.count(name)) << name;
    EXPECT_TRUE(sb.at(name) == content) << name << " differs between runs";
  }
}

// Regenerating into the same folder replaces the earlier study instead of mixing with it.
TEST(Phantom, RerunIntoSameFolderReplacesStudy) {
  myo::testing::TempDir dir;
  const auto first = myo::phantom::generate_study(small(Vendor::philips, Scenario::imnm, 2), dir.path());
  const auto second = myo::phantom::generate_study(small(Vendor::philips, Scenario::imnm, 2), dir.path());
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path() / "dicom")) files += e.is_regular_file();
  EXPECT_EQ(files, second.files.size());
  EXPECT_EQ(first.files.size(), second.files.size());
}

// A dicom/ folder the generator did not make is never deleted.
TEST(Phantom, RefusesToOverwriteForeignDicomFolder) {
  myo::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "dicom");
  myo::core::write_file_atomically(dir.path() / "dicom" / "IM_0001", "someone else's image");
  EXPECT_THROW(myo::phantom::generate_study(small(Vendor::siemens, Scenario::imnm, 1), dir.path()),
               myo::core::MyoError);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "dicom" / "IM_0001"));
}

TEST(Phantom, DifferentSeedsDiffer) {
  myo::testing::TempDir a, b;
  myo::phantom::generate_study(small(Vendor::siemens, Scenario::imnm, 1), a.path());
  myo::phantom::generate_study(small(Vendor::siemens, Scenario::imnm, 2), b.path());
  const auto ta = read_truth(a.path()), tb = read_truth(b.path());
  EXPECT_NE(ta["body"].dump(), tb["body"].dump());
  EXPECT_NE(group(ta, "adductors", "left")["fat_fraction_pct"], group(tb, "adductors", "left")["fat_fraction_pct"]);
  const auto ia = read_study(a.path() / "dicom"), ib = read_study(b.path() / "dicom");
  EXPECT_NE(ia.front().study_uid, ib.front().study_uid);
}

// Every group and side is present with a plausible volume; IMNM involves proximal/posterior/medial groups more
// than the anterior thigh.
TEST(Phantom, ImnmTruthIsPlausible) {
  myo::testing::TempDir dir;
  const auto result = myo::phantom::generate_study(small(Vendor::siemens, Scenario::imnm, 3), dir.path());
  const auto truth = read_truth(dir.path());
  const auto& catalog = myo::core::MuscleCatalog::instance();
  ASSERT_EQ(truth["groups"].size(), catalog.groups().size() * 2);
  ASSERT_EQ(result.truth.groups.size(), catalog.groups().size() * 2);
  for (const auto& g : truth["groups"]) {
    EXPECT_GT(g["volume_ml"].get<double>(), 10.0) << g.dump();
    EXPECT_LT(g["volume_ml"].get<double>(), 3000.0) << g.dump();
    EXPECT_GT(g["fat_fraction_pct"].get<double>(), 1.0) << g.dump();
    EXPECT_LT(g["fat_fraction_pct"].get<double>(), 80.0) << g.dump();
  }
  for (const char* side : {"right", "left"}) {
    const double quadriceps = group(truth, "quadriceps", side)["fat_fraction_pct"];
    for (const char* proximal : {"gluteus_medius", "adductors", "hamstrings", "iliopsoas"})
      EXPECT_GT(group(truth, proximal, side)["fat_fraction_pct"].get<double>(), quadriceps) << proximal << ' ' << side;
    EXPECT_GT(group(truth, "quadriceps", side)["volume_ml"].get<double>(),
              group(truth, "sartorius", side)["volume_ml"].get<double>());
  }
}

TEST(Phantom, HealthyHasLowFatAndNoEdema) {
  myo::testing::TempDir dir;
  myo::phantom::generate_study(small(Vendor::ge, Scenario::healthy, 4), dir.path());
  // Named: a range-for over read_truth(...)["groups"] iterates a member of a destroyed temporary (ASan).
  const auto truth = read_truth(dir.path());
  for (const auto& g : truth["groups"]) {
    EXPECT_LT(g["fat_fraction_pct"].get<double>(), 8.0) << g.dump();
    EXPECT_GT(g["fat_fraction_pct"].get<double>(), 1.5) << g.dump();
    EXPECT_EQ(g["edema_fraction_pct"].get<double>(), 0.0) << g.dump();
  }
}

TEST(Phantom, IbmIsQuadricepsPredominantAndDmHasEdemaWithLittleFat) {
  myo::testing::TempDir ibm, dm;
  myo::phantom::generate_study(small(Vendor::siemens, Scenario::ibm, 5), ibm.path());
  myo::phantom::generate_study(small(Vendor::siemens, Scenario::dm, 5), dm.path());
  const auto ti = read_truth(ibm.path()), td = read_truth(dm.path());
  for (const char* side : {"right", "left"}) {
    EXPECT_GT(group(ti, "quadriceps", side)["fat_fraction_pct"].get<double>(),
              group(ti, "adductors", side)["fat_fraction_pct"].get<double>());
    EXPECT_LT(group(td, "quadriceps", side)["fat_fraction_pct"].get<double>(), 12.0);
    EXPECT_GT(group(td, "quadriceps", side)["edema_fraction_pct"].get<double>(), 5.0);
  }
}

// Siemens: Dixon as four series (ImageType DERIVED\PRIMARY\DIXON\..., descriptions _W/_F/_in/_opp); STIR with
// *tir2d1 sequence, SE\IR and a short TI; one study and frame of reference; classic MR objects, explicit VR LE.
TEST(Phantom, SiemensTagsFollowVendorConventions) {
  myo::testing::TempDir dir;
  myo::phantom::generate_study(small(Vendor::siemens, Scenario::imnm, 1), dir.path());
  const auto images = read_study(dir.path() / "dicom");
  ASSERT_FALSE(images.empty());
  std::set<std::string> studies, frames;
  for (const auto& im : images) {
    EXPECT_EQ(im.sop_class, UID_MRImageStorage);
    EXPECT_EQ(im.transfer_syntax, UID_LittleEndianExplicitTransferSyntax);
    EXPECT_EQ(im.manufacturer, "SIEMENS");
    EXPECT_EQ(im.patient_position, "HFS");
    studies.insert(im.study_uid);
    frames.insert(im.frame_uid);
  }
  EXPECT_EQ(studies.size(), 1U);
  EXPECT_EQ(frames.size(), 1U);
  const auto series = by_description(images);
  const std::map<std::string, std::string> dixon{{"t1_vibe_dixon_tra_W", "DERIVED\\PRIMARY\\DIXON\\WATER"},
                                                 {"t1_vibe_dixon_tra_F", "DERIVED\\PRIMARY\\DIXON\\FAT"},
                                                 {"t1_vibe_dixon_tra_in", "DERIVED\\PRIMARY\\DIXON\\IN_PHASE"},
                                                 {"t1_vibe_dixon_tra_opp", "DERIVED\\PRIMARY\\DIXON\\OPPOSED_PHASE"}};
  std::set<std::string> dixon_series;
  for (const auto& [description, image_type] : dixon) {
    ASSERT_TRUE(series.count(description)) << description;
    for (const auto* im : series.at(description)) {
      EXPECT_EQ(im->image_type, image_type);
      EXPECT_EQ(im->acquisition_type, "3D");
      dixon_series.insert(im->series_uid);
    }
  }
  EXPECT_EQ(dixon_series.size(), 4U) << "Siemens writes each Dixon image type as its own series";
  ASSERT_TRUE(series.count("t2_tirm_tra_stir"));
  for (const auto* im : series.at("t2_tirm_tra_stir")) {
    EXPECT_EQ(im->sequence_name.rfind("*tir2d1", 0), 0U) << im->sequence_name;
    EXPECT_EQ(im->scanning_sequence, "SE\\IR");
    EXPECT_NEAR(im->ti, 220.0, 30.0);
    EXPECT_NEAR(im->thickness, 6.0, 1e-6);
    EXPECT_NEAR(im->spacing_between, 7.0, 1e-6);  // 1 mm gap
  }
  ASSERT_TRUE(series.count("t1_tse_tra"));
  EXPECT_EQ(series.at("t1_tse_tra").front()->scanning_sequence, "SE");
  ASSERT_TRUE(series.count("localizer"));
  std::set<std::string> orientations;
  for (const auto* im : series.at("localizer")) orientations.insert(im->orientation_text);
  EXPECT_EQ(orientations.size(), 3U) << "three-plane localizer";
}

// Philips mDIXON: ONE series holding W/F/IP/OP, told apart by ImageType and the private MR image type.
TEST(Phantom, PhilipsDixonIsOneSeriesWithTypedImages) {
  myo::testing::TempDir dir;
  myo::phantom::generate_study(small(Vendor::philips, Scenario::imnm, 1), dir.path());
  const auto images = read_study(dir.path() / "dicom");
  const auto series = by_description(images);
  ASSERT_TRUE(series.count("mDIXON_3D_TRA"));
  std::set<std::string> uids, private_types, image_types;
  for (const auto* im : series.at("mDIXON_3D_TRA")) {
    uids.insert(im->series_uid);
    private_types.insert(im->philips_type);
    image_types.insert(im->image_type);
    EXPECT_NE(im->slope, 1.0) << "Philips stores rescaled values";
    EXPECT_EQ(im->manufacturer, "Philips");
  }
  EXPECT_EQ(uids.size(), 1U);
  EXPECT_EQ(private_types, (std::set<std::string>{"W", "F", "IP", "OP"}));
  EXPECT_TRUE(image_types.count("ORIGINAL\\PRIMARY\\W_FFE\\W\\FFE"));
  EXPECT_TRUE(image_types.count("ORIGINAL\\PRIMARY\\F_FFE\\F\\FFE"));
  for (const auto& im : images) EXPECT_EQ(im.path.filename().string().rfind("IM_", 0), 0U);
}

TEST(Phantom, GeDixonSeriesUseDescriptionPrefixes) {
  myo::testing::TempDir dir;
  myo::phantom::generate_study(small(Vendor::ge, Scenario::imnm, 1), dir.path());
  const auto images = read_study(dir.path() / "dicom");
  const auto series = by_description(images);
  for (const char* d : {"WATER: Ax LAVA-Flex", "FAT: Ax LAVA-Flex", "InPhase: Ax LAVA-Flex", "OutPhase: Ax LAVA-Flex"})
    EXPECT_TRUE(series.count(d)) << d;
  ASSERT_TRUE(series.count("Ax STIR"));
  EXPECT_EQ(series.at("Ax STIR").front()->manufacturer, "GE MEDICAL SYSTEMS");
  EXPECT_GT(series.at("Ax STIR").front()->ti, 100.0);
}

// Slices of every stack step along the slice normal by SpacingBetweenSlices, with unique instance numbers.
TEST(Phantom, SlicePositionsStepAlongTheNormal) {
  myo::testing::TempDir dir;
  auto params = small(Vendor::siemens, Scenario::imnm, 1);
  params.coronal_stir = true;
  myo::phantom::generate_study(params, dir.path());
  const auto images = read_study(dir.path() / "dicom");
  std::map<std::pair<std::string, std::string>, std::vector<const Image*>> stacks;
  for (const auto& im : images) stacks[{im.series_uid, im.orientation_text}].push_back(&im);
  bool coronal = false;
  for (auto& [key, stack] : stacks) {
    if (key.second == "1\\0\\0\\0\\0\\-1") coronal = true;
    std::set<int> instances;
    for (const auto* im : stack) instances.insert(im->instance);
    EXPECT_EQ(instances.size(), stack.size());
    if (stack.size() < 2) continue;
    std::sort(stack.begin(), stack.end(), [](const Image* a, const Image* b) { return along(*a) < along(*b); });
    const double step = stack.front()->spacing_between;
    for (std::size_t i = 1; i < stack.size(); ++i) {
      EXPECT_NEAR(along(*stack[i]) - along(*stack[i - 1]), step, 1e-3) << stack[i]->description;
      // No in-plane drift: consecutive positions differ only along the normal.
      const auto n = normal_of(*stack[i]);
      for (int a = 0; a < 3; ++a)
        EXPECT_NEAR(stack[i]->position[static_cast<std::size_t>(a)] - stack[i - 1]->position[static_cast<std::size_t>(a)],
                    step * n[static_cast<std::size_t>(a)], 1e-3);
    }
  }
  EXPECT_TRUE(coronal) << "coronal STIR requested";
}

// The label map lies exactly on the reference series grid: Dixon water, or T1 without Dixon.
TEST(Phantom, LabelGeometryEqualsReferenceSeries) {
  for (const bool dixon : {true, false}) {
    myo::testing::TempDir dir;
    auto params = small(Vendor::siemens, Scenario::imnm, 1);
    params.dixon = dixon;
    myo::phantom::generate_study(params, dir.path());
    const auto labels = myo::core::read_labels(dir.path() / "truth" / "labels.nii.gz");
    const auto images = read_study(dir.path() / "dicom");
    const std::string reference = dixon ? "t1_vibe_dixon_tra_W" : "t1_tse_tra";
    std::vector<const Image*> stack;
    for (const auto& im : images) {
      if (im.description == reference) stack.push_back(&im);
      if (!dixon) {
        EXPECT_EQ(im.image_type.find("DIXON"), std::string::npos) << "no Dixon series expected";
      }
    }
    ASSERT_FALSE(stack.empty());
    std::sort(stack.begin(), stack.end(), [](const Image* a, const Image* b) { return along(*a) < along(*b); });
    const auto& g = labels.geometry;
    EXPECT_EQ(g.size[0], static_cast<std::size_t>(stack.front()->columns));
    EXPECT_EQ(g.size[1], static_cast<std::size_t>(stack.front()->rows));
    EXPECT_EQ(g.size[2], stack.size());
    EXPECT_NEAR(g.spacing_mm[0], stack.front()->pixel_spacing[1], 1e-4);
    EXPECT_NEAR(g.spacing_mm[1], stack.front()->pixel_spacing[0], 1e-4);
    EXPECT_NEAR(g.spacing_mm[2], stack[1]->position[2] - stack[0]->position[2], 1e-3);
    for (int a = 0; a < 3; ++a) EXPECT_NEAR(g.origin_mm[static_cast<std::size_t>(a)], stack.front()->position[static_cast<std::size_t>(a)], 1e-3);
  }
}

// Right-side labels lie at negative LPS x (patient right), left-side labels at positive x.
TEST(Phantom, LeftAndRightLabelsAreOnTheCorrectSide) {
  myo::testing::TempDir dir;
  myo::phantom::generate_study(small(Vendor::siemens, Scenario::healthy, 9), dir.path());
  const auto labels = myo::core::read_labels(dir.path() / "truth" / "labels.nii.gz");
  const auto& catalog = myo::core::MuscleCatalog::instance();
  std::map<int, std::pair<double, double>> sum;  // label -> (sum x, count)
  const auto& g = labels.geometry;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto v = labels.at(i, j, k);
        if (v == 0) continue;
        const auto p = g.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        sum[v].first += p[0];
        sum[v].second += 1;
      }
  // Patient right is -x in LPS: each right label lies right of the body's midline (the centre of all muscle labels;
  // the table offset moves it), each left label left of it, by more than the width of the perineum between the
  // gracilis of the two sides.
  double all_x = 0, all_n = 0;
  for (const auto& [label, s] : sum) all_x += s.first, all_n += s.second;
  const double midline = all_x / all_n;
  for (const auto& group_info : catalog.groups()) {
    ASSERT_TRUE(sum.count(group_info.label_right)) << group_info.name;
    ASSERT_TRUE(sum.count(group_info.label_left)) << group_info.name;
    const double xr = sum[group_info.label_right].first / sum[group_info.label_right].second;
    const double xl = sum[group_info.label_left].first / sum[group_info.label_left].second;
    EXPECT_LT(xr, midline - 15.0) << group_info.name;
    EXPECT_GT(xl, midline + 15.0) << group_info.name;
  }
}

// The Dixon pixels carry the physics: fat fraction F/(W+F) measured in a large group agrees with the truth, and
// fluid (bladder) is bright on water and STIR. Philips pixels need their rescale slope.
TEST(Phantom, DixonPixelsReproduceTruthFatFraction) {
  for (const Vendor vendor : {Vendor::siemens, Vendor::philips}) {
    myo::testing::TempDir dir;
    auto params = small(vendor, Scenario::imnm, 11);
    params.dixon_voxel_mm = 4.0;
    myo::phantom::generate_study(params, dir.path());
    const auto truth = read_truth(dir.path());
    const auto labels = myo::core::read_labels(dir.path() / "truth" / "labels.nii.gz");
    const auto images = read_study(dir.path() / "dicom", true);
    // Index water and fat slices by slice position.
    std::map<long, const Image*> water, fat;
    for (const auto& im : images) {
      const bool is_water = im.image_type.find("DIXON\\WATER") != std::string::npos || im.philips_type == "W";
      const bool is_fat = im.image_type.find("DIXON\\FAT") != std::string::npos || im.philips_type == "F";
      if (is_water) water[std::lround(im.position[2] * 10)] = &im;
      if (is_fat) fat[std::lround(im.position[2] * 10)] = &im;
    }
    ASSERT_EQ(water.size(), labels.geometry.size[2]);
    const int label = myo::core::MuscleCatalog::instance().find("adductors")->label_left;
    double w_sum = 0, f_sum = 0;
    const auto& g = labels.geometry;
    for (std::size_t k = 0; k < g.size[2]; ++k) {
      const long key = std::lround(g.index_to_physical({0, 0, static_cast<double>(k)})[2] * 10);
      const Image* w = water.at(key);
      const Image* f = fat.at(key);
      for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i)
          if (labels.at(i, j, k) == label) {
            const std::size_t p = j * g.size[0] + i;
            w_sum += w->pixels[p] * w->slope + w->intercept;
            f_sum += f->pixels[p] * f->slope + f->intercept;
          }
    }
    ASSERT_GT(w_sum + f_sum, 0.0);
    const double measured = 100.0 * f_sum / (w_sum + f_sum);
    // Partial-volume truth: only the noise floor and integer rounding separate it from the measurement.
    EXPECT_NEAR(measured, group(truth, "adductors", "left")["fat_fraction_voxel_pct"].get<double>(), 1.5)
        << "vendor " << static_cast<int>(vendor);
    EXPECT_NEAR(measured, group(truth, "adductors", "left")["fat_fraction_pct"].get<double>(), 5.0)
        << "vendor " << static_cast<int>(vendor);
  }
}

// Touching thighs (heavy or obese patients) add fat and a skin line between the thighs and change nothing else: the
// truth labels and group statistics are the same as the same seed's without contact.
TEST(Phantom, TouchingThighsAddOnlyTheContactBetweenThem) {
  myo::testing::TempDir plain_dir, touching_dir;
  auto params = small(Vendor::siemens, Scenario::imnm, 5);
  params.dixon_voxel_mm = 4.0;
  myo::phantom::generate_study(params, plain_dir.path());
  params.touching_thighs = true;
  myo::phantom::generate_study(params, touching_dir.path());
  const auto plain_truth = read_truth(plain_dir.path()), touching_truth = read_truth(touching_dir.path());
  EXPECT_TRUE(touching_truth["parameters"]["touching_thighs"].get<bool>());
  EXPECT_FALSE(plain_truth["parameters"]["touching_thighs"].get<bool>());
  EXPECT_EQ(plain_truth["groups"].dump(), touching_truth["groups"].dump());
  const auto plain_labels = myo::core::read_labels(plain_dir.path() / "truth" / "labels.nii.gz");
  const auto touching_labels = myo::core::read_labels(touching_dir.path() / "truth" / "labels.nii.gz");
  EXPECT_TRUE(plain_labels.voxels == touching_labels.voxels);
  // The Dixon fat images hold more fat (the contact), in the lower half of the body only (thighs, not the pelvis).
  const auto fat_by_half = [](const std::filesystem::path& dicom) {
    std::array<double, 2> sum{0, 0};  // below, above z = -130 mm (the perineum lies above)
    for (const auto& im : read_study(dicom, true))
      if (im.image_type.find("DIXON\\FAT") != std::string::npos)
        for (const auto v : im.pixels) sum[im.position[2] < -130 ? 0 : 1] += v * im.slope + im.intercept;
    return sum;
  };
  const auto plain_fat = fat_by_half(plain_dir.path() / "dicom");
  const auto touching_fat = fat_by_half(touching_dir.path() / "dicom");
  EXPECT_GT(touching_fat[0], plain_fat[0] * 1.01);
  EXPECT_NEAR(touching_fat[1], plain_fat[1], plain_fat[1] * 0.01);
}

namespace {
// Slices (of those where `strap` is a muscle belly of its own, below the top sixth of its length: it arises deep at
// the hip) on which, walking outwards from the strap's centre away from the thigh's, another group of that side
// lies past the strap for more than `tolerance_mm`: the strap is buried instead of lying under the fascia.
std::pair<int, int> buried_slices(const myo::core::LabelVolume& labels, int strap, double tolerance_mm) {
  const auto& g = labels.geometry;
  const auto nx = static_cast<int>(g.size[0]), ny = static_cast<int>(g.size[1]);
  const int first = strap < 10 ? 1 : 11, last = first + 8;  // that side's labels
  std::size_t top = 0, bottom = g.size[2];
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t p = 0; p < g.size[0] * g.size[1]; ++p)
      if (labels.voxels[k * g.size[0] * g.size[1] + p] == strap) {
        bottom = std::min(bottom, k);
        top = k;
        break;
      }
  int slices = 0, buried = 0;
  for (std::size_t k = bottom; k < g.size[2] && k + (top - bottom) / 6 <= top; ++k) {
    double gx = 0, gy = 0, gn = 0, tx = 0, ty = 0, tn = 0;
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const int v = labels.at(static_cast<std::size_t>(i), static_cast<std::size_t>(j), k);
        if (v < first || v > last) continue;
        tx += i, ty += j, tn += 1;
        if (v == strap) gx += i, gy += j, gn += 1;
      }
    if (gn < 20) continue;
    ++slices;
    gx /= gn, gy /= gn, tx /= tn, ty /= tn;
    const double dx = gx - tx, dy = gy - ty, len = std::hypot(dx, dy);
    double other_mm = 0;
    bool left_strap = false;
    for (double t = 0; t < 80.0 / g.spacing_mm[0]; t += 0.5) {
      const auto i = static_cast<int>(std::lround(gx + t * dx / len)), j = static_cast<int>(std::lround(gy + t * dy / len));
      if (i < 0 || j < 0 || i >= nx || j >= ny) break;
      const int v = labels.at(static_cast<std::size_t>(i), static_cast<std::size_t>(j), k);
      if (v != strap) left_strap = true;
      if (left_strap && v >= first && v <= last && v != strap) other_mm += 0.5 * g.spacing_mm[0];
    }
    if (other_mm > tolerance_mm) ++buried;
  }
  return {buried, slices};
}
}  // namespace

// The superficial straps lie directly under the fascia, whatever the patient's muscle bulk and thigh shape. The
// generator once buried them: first under the fascia of a bulky thigh (seed 6: 18 of 65 gracilis slices had over
// 5 mm of adductor outside it), then, with the strap placed at a fraction of a round thigh's radius, under the
// elliptical fascia (seed 127: 43 of 97 right gracilis slices had 1.5 mm or more of adductor outside it).
TEST(Phantom, StrapsLieUnderTheFascia) {
  for (const auto& [seed, scenario, vendor] : {std::tuple{6U, Scenario::ibm, Vendor::siemens},
                                               std::tuple{127U, Scenario::ibm, Vendor::ge}}) {
    myo::testing::TempDir dir;
    auto params = small(vendor, scenario, seed);
    params.dixon_voxel_mm = 2.0;
    myo::phantom::generate_study(params, dir.path());
    const auto labels = myo::core::read_labels(dir.path() / "truth" / "labels.nii.gz");
    for (const char* name : {"gracilis", "sartorius"}) {
      const auto* group = myo::core::MuscleCatalog::instance().find(name);
      for (const int label : {group->label_right, group->label_left}) {
        const auto [buried, slices] = buried_slices(labels, label, 2.0);
        EXPECT_GT(slices, 20) << name << " seed " << seed;
        EXPECT_LE(buried, slices / 20) << buried << " of " << slices << " slices of label " << label << " (" << name
                                       << ", seed " << seed << ") have another group outside the strap";
      }
    }
  }
}

// Between the pubic symphysis and the perineum the two sides' muscles do not meet: the ischioanal and perineal fat
// lies between them, and the gracilis runs on the adductors' medial surface against that fat (when the generator let
// the adductors meet at the midline, the gracilis lay embedded in them, which no real pelvis shows).
TEST(Phantom, PerinealFatSeparatesTheSidesAndTheGracilisLiesAgainstIt) {
  for (const unsigned seed : {6U, 127U}) {
    myo::testing::TempDir dir;
    auto params = small(Vendor::siemens, Scenario::imnm, seed);
    params.dixon_voxel_mm = 2.0;
    myo::phantom::generate_study(params, dir.path());
    const auto body = read_truth(dir.path())["body"];
    const auto labels = myo::core::read_labels(dir.path() / "truth" / "labels.nii.gz");
    const double offset_x = body["table_offset_mm"][0], offset_y = body["table_offset_mm"][1];
    const double head_z = body["table_offset_mm"][2];  // the femoral heads lie at z = 0 before the table offset
    const double rotation = -static_cast<double>(body["rotation_deg"]) * 3.14159265358979 / 180.0;
    const auto* gracilis = myo::core::MuscleCatalog::instance().find("gracilis");
    const auto& g = labels.geometry;
    int slices = 0, gracilis_medial = 0;
    double closest_mm = 1e9;
    for (std::size_t k = 0; k < g.size[2]; ++k) {
      const double z = g.index_to_physical({0, 0, static_cast<double>(k)})[2] - head_z;
      if (z > -85 || z < -125) continue;  // below the ischial tuberosities, above the perineum
      std::array<double, 2> nearest{1e9, 1e9}, nearest_gracilis{1e9, 1e9};  // per side, distance from the midline
      for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i) {
          const auto v = labels.at(i, j, k);
          if (v == 0) continue;
          const auto p = g.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
          const double px = p[0] - offset_x, py = p[1] - offset_y;
          const double x_body = px * std::cos(rotation) - py * std::sin(rotation);
          const auto side = static_cast<std::size_t>(x_body < 0 ? 0 : 1);
          nearest[side] = std::min(nearest[side], std::abs(x_body));
          if (v == gracilis->label_right || v == gracilis->label_left)
            nearest_gracilis[side] = std::min(nearest_gracilis[side], std::abs(x_body));
        }
      for (std::size_t side = 0; side < 2; ++side) {
        ++slices;
        closest_mm = std::min(closest_mm, nearest[side]);
        gracilis_medial += nearest_gracilis[side] - nearest[side] < 3.0 ? 1 : 0;
      }
    }
    std::printf("seed %u: muscle at least %.1f mm from the midline; gracilis on the medial surface on %d of %d\n", seed,
                closest_mm, gracilis_medial, slices);
    ASSERT_GE(slices, 16);  // 40 mm of both sides
    EXPECT_GT(closest_mm, 12.0) << "seed " << seed;
    EXPECT_GE(gracilis_medial, slices * 9 / 10) << "seed " << seed;
  }
}

// --raw-echoes (issue #20) replaces the scanner's Dixon reconstructions by magnitude and phase echoes and changes
// nothing else: the other series keep every pixel (their noise streams are their own) and the truth its figures.
TEST(Phantom, RawEchoesReplaceOnlyTheDixonSeries) {
  for (const Vendor vendor : {Vendor::siemens, Vendor::ge, Vendor::philips}) {
    myo::testing::TempDir a, b;
    auto params = small(vendor, Scenario::imnm, 9);
    myo::phantom::generate_study(params, a.path());
    params.raw_echoes = 3;
    myo::phantom::generate_study(params, b.path());
    const auto plain = read_study(a.path() / "dicom", true), raw = read_study(b.path() / "dicom", true);
    // Pixels of every image that is no Dixon image, by series description and instance number.
    const auto key = [](const Image& im) { return im.description + "#" + std::to_string(im.instance); };
    std::map<std::string, const Image*> before;
    std::size_t dixon_before = 0, echoes = 0;
    for (const auto& im : plain) {
      const bool dixon = im.series_number <= (vendor == Vendor::philips ? 201 : 5) && im.series_number > 1 &&
                         im.description.find("loc") == std::string::npos && im.description != "Survey";
      if (dixon) ++dixon_before;
      else before[key(im)] = &im;
    }
    for (const auto& im : raw) {
      const auto it = before.find(key(im));
      if (it == before.end()) {
        ++echoes;
        continue;
      }
      EXPECT_TRUE(it->second->pixels == im.pixels) << key(im);
    }
    EXPECT_GT(dixon_before, 0U);
    const auto slices = static_cast<std::size_t>(read_truth(a.path())["reference"]["geometry"]["size"][2].get<int>());
    EXPECT_EQ(echoes, 6 * slices) << "three echoes, magnitude and phase";
    EXPECT_EQ(read_truth(a.path())["groups"].dump(), read_truth(b.path())["groups"].dump());
    EXPECT_TRUE(read_truth(b.path())["parameters"].contains("raw_echoes"));
  }
}
