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

// Real third-party labels from ../shared/data (skips with a reason when absent).
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
