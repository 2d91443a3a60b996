#include <gtest/gtest.h>

#include <set>

#include "myo/core/muscle_catalog.hpp"

using namespace myo::core;

TEST(MuscleCatalog, HasTheNineGroupsOfTheContract) {
  const auto& catalog = MuscleCatalog::instance();
  const std::vector<std::string> expected{"gluteus_maximus", "gluteus_medius", "tensor_fasciae_latae",
                                          "iliopsoas",       "quadriceps",     "sartorius",
                                          "gracilis",        "adductors",      "hamstrings"};
  ASSERT_EQ(catalog.groups().size(), expected.size());
  for (const auto& name : expected) EXPECT_NE(catalog.find(name), nullptr) << name;
}

TEST(MuscleCatalog, LabelsAreUniqueAndRoundTrip) {
  const auto& catalog = MuscleCatalog::instance();
  std::set<int> seen;
  for (const auto& g : catalog.groups()) {
    EXPECT_TRUE(seen.insert(g.label_right).second);
    EXPECT_TRUE(seen.insert(g.label_left).second);
    const auto right = catalog.from_label(g.label_right);
    ASSERT_TRUE(right);
    EXPECT_EQ(right->group->name, g.name);
    EXPECT_EQ(right->side, Side::right);
    EXPECT_EQ(catalog.from_label(g.label_left)->side, Side::left);
  }
  EXPECT_FALSE(catalog.from_label(0));
}
