#include "myo/pipeline/evaluate.hpp"
#include "myo/pipeline/analysis_folder.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/resample.hpp"
#include "myo/quantification/pattern.hpp"
#include "myo/reporting/report.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// FOLDER/NAME, else FOLDER/truth/NAME (a phantom's output folder holds its truth there).
fs::path find_file(const fs::path& folder, std::string_view name) {
  for (const auto& candidate : {folder / name, folder / "truth" / name})
    if (fs::exists(candidate)) return candidate;
  throw core::MyoError((folder / name).string(), "not found");
}

struct TruthGroup {
  double volume_ml = 0;
  std::optional<double> fat_fraction_pct;
  std::optional<double> edema_fraction_pct;
  std::optional<double> fat_replaced_share_pct;
  std::optional<double> water_t2_ms;
};

std::map<std::pair<std::string, std::string>, TruthGroup> read_truth(const fs::path& path) {
  json doc;
  try {
    doc = json::parse(core::read_text_file(path));
  } catch (const json::exception& e) {
    throw core::MyoError(path.string(), std::string("not valid JSON: ") + e.what());
  }
  const json* groups = nullptr;
  for (const char* key : {"groups", "muscles"})
    if (doc.contains(key) && doc[key].is_array()) groups = &doc[key];
  if (!groups) throw core::MyoError(path.string(), "no 'groups' list in the truth file");
  std::map<std::pair<std::string, std::string>, TruthGroup> truth;
  for (const auto& g : *groups) {
    TruthGroup t;
    t.volume_ml = g.value("volume_ml", 0.0);
    // fat_fraction_pct is the mean over every voxel of a label: the truth to compare it with is the mean PDFF of the
    // whole labelled voxels, partial volume included (fat_fraction_voxel_pct; older truth files: the tissue PDFF at
    // the voxel centres).
    for (const char* key : {"fat_fraction_pct", "fat_fraction_voxel_pct"})
      if (g.contains(key) && g[key].is_number()) t.fat_fraction_pct = g[key].get<double>();
    if (g.contains("edema_fraction_pct") && g["edema_fraction_pct"].is_number()) t.edema_fraction_pct = g["edema_fraction_pct"].get<double>();
    if (g.contains("fat_replaced_share_pct") && g["fat_replaced_share_pct"].is_number())
      t.fat_replaced_share_pct = g["fat_replaced_share_pct"].get<double>();
    if (g.contains("water_t2_ms") && g["water_t2_ms"].is_number()) t.water_t2_ms = g["water_t2_ms"].get<double>();
    truth[{g.at("group").get<std::string>(), g.at("side").get<std::string>()}] = t;
  }
  return truth;
}

}  // namespace

Evaluation evaluate(const fs::path& analysis, const fs::path& truth_folder) {
  const auto measured_labels = core::read_labels(find_file(analysis, core::analysis_files::kLabels));
  const auto truth_labels_raw = core::read_labels(find_file(truth_folder, core::analysis_files::kLabels));
  // Compare on the analysis grid; the truth lies on the reference grid too, so this is normally a no-op.
  const auto truth_labels = core::resample_labels_to(truth_labels_raw, measured_labels.geometry);
  const auto muscles = AnalysisFolder(find_file(analysis, core::analysis_files::kReport).parent_path()).muscles();
  const auto truth = read_truth(find_file(truth_folder, "truth.json"));

  const auto& catalog = core::MuscleCatalog::instance();
  const int max_label = catalog.max_label();
  std::vector<double> both(static_cast<std::size_t>(max_label) + 1, 0), in_truth(both), in_measured(both);
  for (std::size_t i = 0; i < truth_labels.voxels.size(); ++i) {
    const int t = truth_labels.voxels[i];
    const int m = measured_labels.voxels[i];
    if (t > 0 && t <= max_label) in_truth[static_cast<std::size_t>(t)] += 1;
    if (m > 0 && m <= max_label) in_measured[static_cast<std::size_t>(m)] += 1;
    if (t == m && t > 0 && t <= max_label) both[static_cast<std::size_t>(t)] += 1;
  }

  Evaluation e;
  double dice_sum = 0;
  double ff_abs = 0, edema_abs = 0;
  int ff_n = 0, edema_n = 0;
  double t2_abs = 0, t2_sum = 0;
  e.min_dice = 1.0;
  const double voxel_ml = measured_labels.geometry.voxel_volume_ml();
  for (const auto side : {core::Side::right, core::Side::left}) {
    for (const auto& group : catalog.groups()) {
      const auto label = static_cast<std::size_t>(group.label(side));
      if (in_truth[label] == 0) continue;  // group not present in the truth (coverage)
      GroupEvaluation ge;
      ge.group = group.name;
      ge.side = core::to_string(side);
      ge.label = static_cast<int>(label);
      ge.dice = 2.0 * both[label] / (in_truth[label] + in_measured[label]);
      ge.truth_volume_ml = in_truth[label] * voxel_ml;
      ge.measured_volume_ml = in_measured[label] * voxel_ml;
      const auto t = truth.find({ge.group, ge.side});
      const auto m = std::find_if(muscles.begin(), muscles.end(),
                                  [&](const auto& r) { return r.group == ge.group && r.side == ge.side; });
      if (t != truth.end() && m != muscles.end()) {
        if (t->second.fat_fraction_pct && m->fat_fraction_pct) {
          ge.fat_fraction_error_pct = *m->fat_fraction_pct - *t->second.fat_fraction_pct;
          ff_abs += std::abs(*ge.fat_fraction_error_pct);
          ++ff_n;
        }
        if (t->second.edema_fraction_pct && m->edema_fraction_pct) {
          ge.edema_fraction_error_pct = *m->edema_fraction_pct - *t->second.edema_fraction_pct;
          edema_abs += std::abs(*ge.edema_fraction_error_pct);
          ++edema_n;
        }
        if (t->second.water_t2_ms && m->water_t2_ms) {
          ge.truth_water_t2_ms = t->second.water_t2_ms;
          ge.water_t2_error_ms = *m->water_t2_ms - *t->second.water_t2_ms;
          t2_abs += std::abs(*ge.water_t2_error_ms);
          t2_sum += *ge.water_t2_error_ms;
          ++e.water_t2_compared;
        }
        if (t->second.fat_replaced_share_pct && m->mercuri_grade) {
          ge.truth_mercuri_grade = quantification::mercuri_grade(*t->second.fat_replaced_share_pct).grade;
          ge.measured_mercuri_grade = m->mercuri_grade;
          ++e.mercuri_compared;
          if (*ge.truth_mercuri_grade == *m->mercuri_grade) ++e.mercuri_exact;
          if (std::abs(*ge.truth_mercuri_grade - *m->mercuri_grade) <= 1) ++e.mercuri_within_one;
        }
      }
      dice_sum += ge.dice;
      if (ge.dice < e.min_dice) {
        e.min_dice = ge.dice;
        e.min_dice_group = ge.group + "/" + ge.side;
      }
      e.groups.push_back(ge);
    }
  }
  if (e.groups.empty()) throw core::MyoError(truth_folder.string(), "the truth label map holds no muscle group");
  e.mean_dice = dice_sum / static_cast<double>(e.groups.size());
  if (ff_n > 0) e.fat_fraction_mae_pct = ff_abs / ff_n;
  if (edema_n > 0) e.edema_fraction_mae_pct = edema_abs / edema_n;
  if (e.water_t2_compared > 0) {
    e.water_t2_mae_ms = t2_abs / static_cast<double>(e.water_t2_compared);
    e.water_t2_bias_ms = t2_sum / static_cast<double>(e.water_t2_compared);
  }
  return e;
}

std::string Evaluation::summary_line() const {
  return fmt::format("groups {} | mean Dice {:.3f} | min Dice {:.3f} ({}) | FF MAE {} | edema MAE {}{}", groups.size(),
                     mean_dice, min_dice, min_dice_group,
                     fat_fraction_mae_pct ? fmt::format("{:.2f} pp", *fat_fraction_mae_pct) : "n/a",
                     edema_fraction_mae_pct ? fmt::format("{:.2f} pp", *edema_fraction_mae_pct) : "n/a",
                     mercuri_compared ? fmt::format(" | Mercuri exact {}/{}, within one {}/{}", mercuri_exact,
                                                    mercuri_compared, mercuri_within_one, mercuri_compared)
                                      : "") +
         (water_t2_mae_ms ? fmt::format(" | water T2 MAE {:.2f} ms, bias {:+.2f} ms ({} groups)", *water_t2_mae_ms,
                                        *water_t2_bias_ms, water_t2_compared)
                          : "");
}

std::string evaluation_to_json(const Evaluation& e) {
  json groups = json::array();
  const auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  for (const auto& g : e.groups)
    groups.push_back({{"group", g.group}, {"side", g.side}, {"label", g.label}, {"dice", g.dice},
                      {"truth_volume_ml", g.truth_volume_ml}, {"measured_volume_ml", g.measured_volume_ml},
                      {"fat_fraction_error_pct", opt(g.fat_fraction_error_pct)},
                      {"edema_fraction_error_pct", opt(g.edema_fraction_error_pct)},
                      {"truth_mercuri_grade", g.truth_mercuri_grade ? json(*g.truth_mercuri_grade) : json(nullptr)},
                      {"measured_mercuri_grade", g.measured_mercuri_grade ? json(*g.measured_mercuri_grade) : json(nullptr)},
                      {"truth_water_t2_ms", opt(g.truth_water_t2_ms)},
                      {"water_t2_error_ms", opt(g.water_t2_error_ms)}});
  return json{{"mean_dice", e.mean_dice}, {"min_dice", e.min_dice}, {"min_dice_group", e.min_dice_group},
              {"fat_fraction_mae_pct", opt(e.fat_fraction_mae_pct)},
              {"edema_fraction_mae_pct", opt(e.edema_fraction_mae_pct)},
              {"mercuri_compared", e.mercuri_compared}, {"mercuri_exact", e.mercuri_exact},
              {"mercuri_within_one", e.mercuri_within_one}, {"water_t2_mae_ms", opt(e.water_t2_mae_ms)},
              {"water_t2_bias_ms", opt(e.water_t2_bias_ms)}, {"water_t2_compared", e.water_t2_compared},
              {"groups", groups}}
             .dump(2);
}

}  // namespace myo::pipeline
