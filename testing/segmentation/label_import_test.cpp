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
