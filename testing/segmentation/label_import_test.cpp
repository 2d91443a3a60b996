#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/segmentation/label_import.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;
using segmentation::group_for_structure;

TEST(LabelImport, ReadsItkSnapSlicerAndPlainTables) {
  myo::testing::TempDir dir;
  std::ofstream(dir.path() / "itksnap.txt") << "# ITK-SNAP Label Description File\n"
                                              "    0     0    0    0        0  0  0    \"Clear Label\"\n"
                                              "    3   255    0    0        1  1  1    \"Vastus lateralis L\"\n";
  std::ofstream(dir.path() / "slicer.ctbl") << "# Color table\n4 adductor_longus_right 10 20 30 255\n";
  std::ofstream(dir.path() / "classes.txt") << "40 gluteus_maximus_left\n41 gluteus_maximus_right\n";
  const auto itk = segmentation::read_label_table(dir.path() / "itksnap.txt");
  ASSERT_EQ(itk.size(), 1U);  // background skipped
  EXPECT_EQ(itk[0].value, 3);
  EXPECT_EQ(itk[0].name, "Vastus lateralis L");
  EXPECT_EQ(segmentation::read_label_table(dir.path() / "slicer.ctbl")[0].name, "adductor_longus_right");
  EXPECT_EQ(segmentation::read_label_table(dir.path() / "classes.txt").size(), 2U);
  std::ofstream(dir.path() / "empty.txt") << "# nothing\n";
  EXPECT_THROW((void)segmentation::read_label_table(dir.path() / "empty.txt"), core::MyoError);
}

TEST(LabelImport, RollsIndividualMusclesUpIntoGroups) {
  EXPECT_EQ(group_for_structure("Vastus lateralis L").group, "quadriceps");
  EXPECT_EQ(*group_for_structure("Vastus lateralis L").side, "left");
  EXPECT_EQ(group_for_structure("rectus_femoris").group, "quadriceps");
  EXPECT_EQ(group_for_structure("Biceps femoris short head right").group, "hamstrings");
  EXPECT_EQ(group_for_structure("semimembranosus").group, "hamstrings");
  EXPECT_EQ(group_for_structure("adductor_magnus_left").group, "adductors");
  EXPECT_EQ(group_for_structure("gluteus_minimus_right").group, "gluteus_medius");
  EXPECT_EQ(group_for_structure("iliopsoas_left").group, "iliopsoas");
  EXPECT_EQ(group_for_structure("Tensor fasciae latae").group, "tensor_fasciae_latae");
  EXPECT_FALSE(group_for_structure("femur_left").group.size());
  EXPECT_FALSE(group_for_structure("rectus femoris").side.has_value());
}

TEST(LabelImport, SplitsSidelessLabelsByPatientGeometry) {
  core::Geometry g;
  g.size = {20, 4, 2};
  g.origin_mm = {-10, 0, 0};
  core::LabelVolume labels(g, 0);
  for (std::size_t i = 0; i < 20; ++i) labels.at(i, 1, 0) = 7;  // one sideless "gracilis" across the midline
  const auto imported = segmentation::import_labels(labels, {{7, "gracilis"}}, 0.0);
  const auto* gracilis = core::MuscleCatalog::instance().find("gracilis");
  EXPECT_EQ(imported.group_labels.at(0, 1, 0), gracilis->label_right);   // x = -10 mm: patient right
  EXPECT_EQ(imported.group_labels.at(19, 1, 0), gracilis->label_left);   // x = +9 mm: patient left
  ASSERT_EQ(imported.input_labels.size(), 1U);
  EXPECT_EQ(imported.input_labels[0].side, "both");
  EXPECT_EQ(imported.input_labels[0].voxel_count, 20U);
}

TEST(LabelImportData, TotalSegmentatorLabelsLandOnTheSideTheirNamesSay) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto base = data / "muscle-mri" / "totalsegmentator-example";
  const auto labels = core::read_labels(base / "tests" / "reference_files" / "example_seg_mr.nii.gz");
  const auto table = segmentation::read_label_table(base / "total_mr_classes.txt");
  const auto imported = segmentation::import_labels(labels, table);
  // A name-sided label keeps its side wherever it lies, so check geometry independently: the mean LPS x of
  // every "_left" structure must be greater (patient left = +x) than that of its "_right" twin.
  std::map<std::string, std::pair<double, double>> x_sum;  // group -> (sum x, count) per side key
  std::map<std::string, double> mean_x;
  const auto& g = labels.geometry;
  std::map<int, std::pair<double, std::size_t>> per_value;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        if (const int v = labels.at(i, j, k)) {
          per_value[v].first += g.index_to_physical({double(i), double(j), double(k)})[0];
          ++per_value[v].second;
        }
  std::map<std::string, int> by_name;
  for (const auto& e : table) by_name[e.name] = e.value;
  int pairs_checked = 0;
  for (const auto& [name, value] : by_name) {
    if (name.size() < 5 || name.substr(name.size() - 5) != "_left") continue;
    const auto twin = by_name.find(name.substr(0, name.size() - 5) + "_right");
    if (twin == by_name.end() || !per_value.count(value) || !per_value.count(twin->second)) continue;
    const double left = per_value[value].first / per_value[value].second;
    const double right = per_value[twin->second].first / per_value[twin->second].second;
    EXPECT_GT(left, right) << name;
    ++pairs_checked;
  }
  EXPECT_GT(pairs_checked, 2);
  // This abdominal example holds the iliopsoas of both sides among organs: only they roll up, each on its side.
  std::set<std::string> rolled_up;
  for (const auto& in : imported.input_labels)
    if (!in.group.empty()) rolled_up.insert(in.group + "/" + in.side);
  EXPECT_EQ(rolled_up, (std::set<std::string>{"iliopsoas/left", "iliopsoas/right"}));
  const auto* iliopsoas = core::MuscleCatalog::instance().find("iliopsoas");
  std::size_t right = 0, left = 0;
  for (const auto v : imported.group_labels.voxels) {
    right += v == iliopsoas->label_right;
    left += v == iliopsoas->label_left;
  }
  EXPECT_GT(right, 50U);  // a small crop: the iliopsoas tips only
  EXPECT_GT(left, 50U);
}
