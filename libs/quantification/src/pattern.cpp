#include "myo/quantification/pattern.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "myo/core/muscle_catalog.hpp"

namespace myo::quantification {

int edema_grade(double edema_fraction_pct) {
  if (edema_fraction_pct <= 2.5) return 0;
  if (edema_fraction_pct < 30.0) return 1;
  if (edema_fraction_pct <= 75.0) return 2;
  return 3;
}

MercuriGrade mercuri_grade(double share) {
  // Original: 1 normal, 2 early moth-eaten (< 30 %), 3 late moth-eaten (30-60 %), 4 washed-out.
  // Modified: 0 normal, 1 traces, 2a < 30 %, 2b 30-60 %, 3 washed-out (> 60 %), 4 end-stage (> 90 %).
  if (share < 2.0) return {1, "0"};
  if (share < 10.0) return {2, "1"};
  if (share < 30.0) return {2, "2a"};
  if (share <= 60.0) return {3, "2b"};
  if (share <= 90.0) return {4, "3"};
  return {4, "4"};
}

std::vector<GroupProfile> level_profiles(const core::LabelVolume& labels, const core::ImageVolume* ff,
                                         const core::MaskVolume* edema, const core::MaskVolume* edema_assessed,
                                         const LevelProfileParams& params, const MapCoverage& coverage) {
  const auto& g = labels.geometry;
  const auto& catalog = core::MuscleCatalog::instance();
  const int max_label = catalog.max_label();
  const std::size_t per_slice = g.size[0] * g.size[1];
  const int nz = static_cast<int>(g.size[2]);
  // Slabs along the physical head-foot axis so that profiles from different protocols line up.
  std::vector<double> z(static_cast<std::size_t>(nz));
  for (int k = 0; k < nz; ++k) z[static_cast<std::size_t>(k)] = g.index_to_physical({0, 0, double(k)})[2];
  const double z_lo = *std::min_element(z.begin(), z.end());
  const auto slab_of = [&](int k) { return static_cast<int>(std::floor((z[static_cast<std::size_t>(k)] - z_lo) / params.slab_mm)); };
  const int slabs = nz > 0 ? slab_of(static_cast<int>(std::max_element(z.begin(), z.end()) - z.begin())) + 1 : 0;

  struct Acc {
    double voxels = 0, ff_sum = 0, edema = 0, assessed = 0;
    std::size_t count = 0, ff_count = 0, stir_count = 0;
    std::vector<int> slices;
  };
  std::vector<std::vector<Acc>> acc(static_cast<std::size_t>(max_label) + 1, std::vector<Acc>(static_cast<std::size_t>(std::max(slabs, 0))));
  std::vector<std::vector<int>> slices_per_slab(static_cast<std::size_t>(std::max(slabs, 0)));
  for (int k = 0; k < nz; ++k) {
    const int s = slab_of(k);
    slices_per_slab[static_cast<std::size_t>(s)].push_back(k);
    for (std::size_t p = 0; p < per_slice; ++p) {
      const std::size_t i = static_cast<std::size_t>(k) * per_slice + p;
      const int label = labels.voxels[i];
      if (label <= 0 || label > max_label) continue;
      auto& a = acc[static_cast<std::size_t>(label)][static_cast<std::size_t>(s)];
      a.voxels += 1;
      ++a.count;
      if (ff && has_data(coverage.fat_fraction, i)) a.ff_sum += ff->voxels[i], ++a.ff_count;
      a.stir_count += has_data(coverage.edema, i);
      if (edema && edema->voxels[i]) a.edema += 1;
      if (edema_assessed && edema_assessed->voxels[i]) a.assessed += 1;
    }
  }
  const double pixel_area = g.spacing_mm[0] * g.spacing_mm[1];
  std::vector<GroupProfile> profiles;
  for (const auto side : {core::Side::right, core::Side::left}) {
    for (const auto& group : catalog.groups()) {
      GroupProfile profile{group.name, side, {}};
      const auto label = static_cast<std::size_t>(group.label(side));
      for (int s = 0; s < slabs; ++s) {
        const auto& a = acc[label][static_cast<std::size_t>(s)];
        const auto& ks = slices_per_slab[static_cast<std::size_t>(s)];
        if (ks.empty() || a.voxels == 0) continue;
        const double area = a.voxels * pixel_area / static_cast<double>(ks.size());
        if (area < params.min_area_mm2) continue;
        LevelValue v;
        double z_sum = 0;
        for (const int k : ks) z_sum += z[static_cast<std::size_t>(k)];
        v.level_mm = z_sum / static_cast<double>(ks.size());
        v.cross_sectional_area_mm2 = area;
        if (ff && covers_enough(a.ff_count, a.count, coverage.min_covered_pct))
          v.fat_fraction_pct = a.ff_sum / static_cast<double>(a.ff_count);
        // Over the voxels where edema was assessed, as the group's own edema fraction.
        if (edema && covers_enough(a.stir_count, a.count, coverage.min_covered_pct))
          v.edema_fraction_pct = 100.0 * a.edema / (a.assessed > 0 ? a.assessed : static_cast<double>(a.stir_count));
        profile.levels.push_back(v);
      }
      if (!profile.levels.empty()) profiles.push_back(std::move(profile));
    }
  }
  return profiles;
}

namespace {

std::string display(const std::string& group) {
  const auto* g = core::MuscleCatalog::instance().find(group);
  std::string name = g ? g->display_name : group;
  if (!name.empty()) name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  return name;
}

std::string join_names(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  if (names.size() == 1) return names[0];
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " and " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

PatternSummary describe_pattern(const std::vector<GroupMeasurement>& groups, const std::vector<GroupProfile>& profiles) {
  PatternSummary summary;
  const bool have_ff = std::any_of(groups.begin(), groups.end(), [](const auto& m) { return m.fat_fraction_pct.has_value(); });
  const bool have_t1 = std::any_of(groups.begin(), groups.end(), [](const auto& m) { return m.t1_fat_estimate_pct.has_value(); });
  const bool have_edema = std::any_of(groups.begin(), groups.end(), [](const auto& m) { return m.edema_fraction_pct.has_value(); });
  const auto fat_of = [&](const GroupMeasurement& m) -> std::optional<double> {
    return m.fat_fraction_pct ? m.fat_fraction_pct : m.t1_fat_estimate_pct;
  };

  // Per group: both sides averaged (volume-weighted), to name the most involved groups.
  std::map<std::string, std::pair<double, double>> fat_by_group;    // sum(value*volume), sum(volume)
  std::map<std::string, std::pair<double, double>> edema_by_group;
  std::map<std::string, std::map<core::Side, double>> fat_by_side;
  for (const auto& m : groups) {
    if (const auto f = fat_of(m)) {
      fat_by_group[m.group].first += *f * m.volume_ml;
      fat_by_group[m.group].second += m.volume_ml;
      fat_by_side[m.group][m.side] = *f;
    }
    if (m.edema_fraction_pct) {
      edema_by_group[m.group].first += *m.edema_fraction_pct * m.volume_ml;
      edema_by_group[m.group].second += m.volume_ml;
    }
  }
  const auto mean_of = [](const std::map<std::string, std::pair<double, double>>& by, const std::vector<std::string>& names) -> std::optional<double> {
    double s = 0, w = 0;
    for (const auto& n : names) {
      const auto it = by.find(n);
      if (it == by.end()) continue;
      s += it->second.first;
      w += it->second.second;
    }
    return w > 0 ? std::optional<double>(s / w) : std::nullopt;
  };

  std::vector<std::pair<double, std::string>> ranking;
  const auto& ranked_by = (have_ff || have_t1) ? fat_by_group : edema_by_group;
  for (const auto& [name, sw] : ranked_by)
    if (sw.second > 0) ranking.emplace_back(sw.first / sw.second, name);
  std::sort(ranking.rbegin(), ranking.rend());
  for (std::size_t i = 0; i < ranking.size() && i < 3; ++i) summary.most_involved_groups.push_back(ranking[i].second);

  if (have_ff || have_t1) {
    const auto posterior = mean_of(fat_by_group, {"hamstrings", "adductors"});
    const auto anterior = mean_of(fat_by_group, {"quadriceps"});
    if (posterior && anterior && *anterior > 0) summary.posterior_to_anterior_ff_ratio = *posterior / *anterior;
    // Asymmetry over groups present on both sides.
    double asym = 0;
    int count = 0;
    for (const auto& [name, sides] : fat_by_side) {
      if (sides.size() != 2) continue;
      const double r = sides.at(core::Side::right);
      const double l = sides.at(core::Side::left);
      const double mean = 0.5 * (r + l);
      if (mean <= 0) continue;
      asym += std::abs(r - l) / mean;
      ++count;
    }
    if (count > 0) summary.left_right_asymmetry_index_pct = 100.0 * asym / count;
  }
  // Proximal versus distal from the thigh groups' profiles: upper half against lower half of the covered levels.
  if (have_ff) {
    double z_min = 1e30, z_max = -1e30;
    for (const auto& p : profiles)
      for (const auto& l : p.levels) {
        z_min = std::min(z_min, l.level_mm);
        z_max = std::max(z_max, l.level_mm);
      }
    const double z_mid = 0.5 * (z_min + z_max);
    double prox = 0, prox_w = 0, dist = 0, dist_w = 0;
    for (const auto& p : profiles)
      for (const auto& l : p.levels) {
        if (!l.fat_fraction_pct) continue;
        (l.level_mm >= z_mid ? prox : dist) += *l.fat_fraction_pct * l.cross_sectional_area_mm2;
        (l.level_mm >= z_mid ? prox_w : dist_w) += l.cross_sectional_area_mm2;
      }
    if (prox_w > 0 && dist_w > 0) summary.proximal_to_distal_ff_difference_pct = prox / prox_w - dist / dist_w;
  }

  // Sentences: what a radiologist can check against the images.
  const char* fat_word = have_ff ? "Fatty replacement" : "Fat infiltration (estimated from T1)";
  if ((have_ff || have_t1) && !ranking.empty()) {
    const double top = ranking.front().first;
    if (top < 10.0) {
      summary.sentences.push_back(fmt::format("{} is within the normal range in all measured groups (highest {:.0f} %).",
                                              fat_word, top));
    } else {
      std::vector<std::string> names;
      for (const auto& n : summary.most_involved_groups) names.push_back(display(n));
      std::string where;
      if (summary.proximal_to_distal_ff_difference_pct) {
        const double d = *summary.proximal_to_distal_ff_difference_pct;
        where = d > 3 ? ", proximal more than distal" : d < -3 ? ", distal more than proximal" : ", similar along the limb";
      }
      std::string symmetry;
      if (summary.left_right_asymmetry_index_pct)
        symmetry = *summary.left_right_asymmetry_index_pct < 15 ? ", symmetric" : ", asymmetric";
      summary.sentences.push_back(fmt::format("{} predominates in the {}{}{}.", fat_word, join_names(names), where, symmetry));
    }
    if (summary.posterior_to_anterior_ff_ratio) {
      const double r = *summary.posterior_to_anterior_ff_ratio;
      if (r > 1.3) summary.sentences.push_back(fmt::format("Posterior and medial thigh more involved than anterior (ratio {:.1f}).", r));
      else if (r < 0.77) summary.sentences.push_back(fmt::format("Anterior thigh more involved than posterior and medial (ratio {:.1f}).", r));
    }
  }
  if (have_edema) {
    std::vector<std::pair<double, std::string>> edema_rank;
    for (const auto& [name, sw] : edema_by_group)
      if (sw.second > 0) edema_rank.emplace_back(sw.first / sw.second, name);
    std::sort(edema_rank.rbegin(), edema_rank.rend());
    std::vector<std::string> with_edema;
    for (const auto& [value, name] : edema_rank)
      if (edema_grade(value) > 0 && with_edema.size() < 3) with_edema.push_back(display(name));
    if (with_edema.empty()) summary.sentences.push_back("No muscle edema above the reference limit.");
    else summary.sentences.push_back(fmt::format("Edema is most extensive in the {}.", join_names(with_edema)));
  }
  return summary;
}

}  // namespace myo::quantification
