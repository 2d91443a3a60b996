#include "myo/core/muscle_catalog.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "muscle_catalog_json.hpp"  // generated from data/muscle_catalog.json

namespace myo::core {

const MuscleCatalog& MuscleCatalog::instance() {
  static const MuscleCatalog catalog = [] {
    const auto json = nlohmann::json::parse(kMuscleCatalogJson);
    std::vector<MuscleGroup> groups;
    for (const auto& g : json.at("groups")) {
      MuscleGroup group;
      group.name = g.at("name").get<std::string>();
      group.display_name = g.at("display_name").get<std::string>();
      group.label_right = g.at("label_right").get<int>();
      group.label_left = g.at("label_left").get<int>();
      group.compartment = g.at("compartment").get<std::string>();
      group.region = g.at("region").get<std::string>();
      group.color_rgb = g.at("color_rgb").get<std::array<int, 3>>();
      groups.push_back(std::move(group));
    }
    std::vector<Muscle> muscles;
    for (const auto& m : json.value("muscles", nlohmann::json::array())) {
      Muscle muscle;
      muscle.name = m.at("name").get<std::string>();
      muscle.display_name = m.at("display_name").get<std::string>();
      muscle.group = m.at("group").get<std::string>();
      muscle.label_right = m.at("label_right").get<int>();
      muscle.label_left = m.at("label_left").get<int>();
      muscles.push_back(std::move(muscle));
    }
    return MuscleCatalog(std::move(groups), std::move(muscles));
  }();
  return catalog;
}

const MuscleGroup* MuscleCatalog::find(std::string_view name) const {
  const auto it = std::find_if(groups_.begin(), groups_.end(), [&](const MuscleGroup& g) { return g.name == name; });
  return it == groups_.end() ? nullptr : &*it;
}

std::optional<GroupSide> MuscleCatalog::from_label(int label) const {
  for (const auto& g : groups_) {
    if (g.label_right == label) return GroupSide{&g, Side::right};
    if (g.label_left == label) return GroupSide{&g, Side::left};
  }
  return std::nullopt;
}

const Muscle* MuscleCatalog::find_muscle(std::string_view name) const {
  const auto it = std::find_if(muscles_.begin(), muscles_.end(), [&](const Muscle& m) { return m.name == name; });
  return it == muscles_.end() ? nullptr : &*it;
}

std::optional<MuscleSide> MuscleCatalog::muscle_from_label(int label) const {
  for (const auto& m : muscles_) {
    if (m.label_right == label) return MuscleSide{&m, Side::right};
    if (m.label_left == label) return MuscleSide{&m, Side::left};
  }
  return std::nullopt;
}

int MuscleCatalog::max_label() const {
  int m = 0;
  for (const auto& g : groups_) m = std::max({m, g.label_right, g.label_left});
  return m;
}

}  // namespace myo::core
