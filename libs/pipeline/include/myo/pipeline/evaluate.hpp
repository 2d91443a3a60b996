#pragma once
// Compares an analysis folder with a generator truth folder: Dice per group and side, fat and edema errors.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace myo::pipeline {

struct GroupEvaluation {
  std::string group;
  std::string side;
  int label = 0;
  double dice = 0;
  double truth_volume_ml = 0;
  double measured_volume_ml = 0;
  std::optional<double> fat_fraction_error_pct;   // measured - truth, percentage points
  std::optional<double> edema_fraction_error_pct;
  std::optional<int> truth_mercuri_grade;     // from the truth's share of voxels above 50 % fat
  std::optional<int> measured_mercuri_grade;
  std::optional<double> truth_water_t2_ms;     // median water T2 of the group (multi-echo studies)
  std::optional<double> water_t2_error_ms;     // measured - truth
};

struct Evaluation {
  std::vector<GroupEvaluation> groups;
  double mean_dice = 0;
  double min_dice = 0;
  std::string min_dice_group;
  std::optional<double> fat_fraction_mae_pct;
  std::optional<double> edema_fraction_mae_pct;
  std::size_t mercuri_compared = 0;       // groups with a grade in both the report and the truth
  std::size_t mercuri_exact = 0;
  std::size_t mercuri_within_one = 0;
  std::optional<double> water_t2_mae_ms;   // over groups with a water T2 in both report and truth
  std::optional<double> water_t2_bias_ms;  // mean signed error
  std::size_t water_t2_compared = 0;
  [[nodiscard]] std::string summary_line() const;
};

// `analysis` holds report.json + labels.nii.gz; `truth` holds truth.json + labels.nii.gz (or their parent folder,
// as written by `myoscope phantom`). Throws core::MyoError naming the missing or malformed file.
[[nodiscard]] Evaluation evaluate(const std::filesystem::path& analysis, const std::filesystem::path& truth);
[[nodiscard]] std::string evaluation_to_json(const Evaluation& evaluation);

}  // namespace myo::pipeline
