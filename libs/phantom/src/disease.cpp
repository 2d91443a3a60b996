// Disease patterns by scenario: per muscle group and side, a target fat fraction, edema extent, proximal-distal
// gradient and atrophy (domain.md: IMNM proximal/posterior/medial predominance with gluteal, adductor and
// iliopsoas involvement; IBM quadriceps-predominant with relative sparing; DM patchy, fascial edema, little fat).
#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "anatomy.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::phantom::detail {
namespace {

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

struct Pattern {
  double fat_pct;    // typical target PDFF (%) at severity 1
  double edema_pct;  // typical edema extent (%) at severity 1
};

// Fatty replacement comes with loss of contractile cross-section (atrophy).
double atrophy_for(double fat_fraction) { return std::clamp((fat_fraction - 0.1) * 0.45, 0.0, 0.3); }

}  // namespace

DiseaseTable make_disease(Scenario scenario, std::mt19937_64& rng) {
  const auto& groups = core::MuscleCatalog::instance().groups();
  DiseaseTable table(groups.size());
  // Healthy muscle: 2-6 % PDFF (Mandić 2020: young quadriceps ~4 %).
  const double healthy_base = uniform(rng, 0.025, 0.04);
  std::map<std::string, Pattern> pattern;
  double severity = 1.0;
  double asymmetry = 0.1;
  double gradient = 0.0;
  bool fascial = false;
  switch (scenario) {
    case Scenario::healthy:
      break;
    case Scenario::imnm:
      severity = uniform(rng, 0.55, 1.25);
      asymmetry = 0.15;
      gradient = 0.45;
      pattern = {{"gluteus_medius", {45, 45}}, {"gluteus_maximus", {30, 35}}, {"adductors", {45, 50}},
                 {"hamstrings", {38, 45}},     {"iliopsoas", {35, 35}},       {"tensor_fasciae_latae", {20, 25}},
                 {"quadriceps", {14, 30}},     {"sartorius", {8, 15}},        {"gracilis", {10, 15}}};
      break;
    case Scenario::ibm:
      severity = uniform(rng, 0.6, 1.2);
      asymmetry = 0.3;  // IBM is often asymmetric
      gradient = -0.2;  // distal thigh more affected than proximal
      pattern = {{"quadriceps", {50, 8}},      {"sartorius", {25, 4}},       {"gracilis", {15, 3}},
                 {"hamstrings", {20, 5}},      {"adductors", {9, 2}},        {"gluteus_medius", {10, 2}},
                 {"gluteus_maximus", {9, 2}},  {"iliopsoas", {7, 2}},        {"tensor_fasciae_latae", {10, 2}}};
      break;
    case Scenario::dm:
      severity = uniform(rng, 0.6, 1.3);
      asymmetry = 0.25;
      fascial = true;
      pattern = {{"quadriceps", {7, 40}},     {"sartorius", {6, 35}},       {"gracilis", {6, 35}},
                 {"hamstrings", {7, 35}},     {"adductors", {7, 40}},       {"gluteus_medius", {7, 30}},
                 {"gluteus_maximus", {6, 30}}, {"iliopsoas", {6, 25}},      {"tensor_fasciae_latae", {6, 25}}};
      break;
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (int side = 0; side < 2; ++side) {
      GroupDisease d;
      const double base = std::clamp(healthy_base + uniform(rng, -0.008, 0.01), 0.02, 0.05);
      const auto it = pattern.find(groups[g].name);
      if (it == pattern.end()) {
        d.fat_fraction = base;
      } else {
        const double side_factor = 1.0 + uniform(rng, -asymmetry, asymmetry);
        const double fat = it->second.fat_pct / 100.0 * severity * side_factor;
        d.fat_fraction = std::clamp(std::max(base, fat), 0.02, 0.75);
        d.edema_fraction = std::clamp(it->second.edema_pct / 100.0 * severity * (1.0 + uniform(rng, -0.3, 0.3)),
                                      0.0, 0.9);
        d.proximal_gradient = gradient;
        d.atrophy = atrophy_for(d.fat_fraction);
        d.fascial_edema = fascial;
      }
      table[g][static_cast<std::size_t>(side)] = d;
    }
  }
  return table;
}

void apply_disease_course(DiseaseTable& table, double months) {
  for (auto& sides : table)
    for (auto& d : sides) {
      if (d.edema_fraction <= 0) continue;  // not involved: stays as it was
      d.edema_fraction *= std::exp(-months / kEdemaResponseMonths);
      d.fat_fraction = std::clamp(d.fat_fraction + kFatRisePerMonth * months, 0.02, 0.75);
      d.atrophy = atrophy_for(d.fat_fraction);
    }
}

}  // namespace myo::phantom::detail
