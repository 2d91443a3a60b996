#pragma once
// `myoscope model-tune`: a site's corrected studies (analysis folders with an `edit` correction) teach the muscle
// model. The head of the network is retrained on the studies of some patients; the others are held out, and the
// tuned model is written only when it is not worse than the base model on them nor on the validation studies
// (docs/model-tune.md).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace myo::pipeline {

// A study given as its images and a label map on their reference grid, rather than as an analysis folder.
struct LabelledStudy {
  std::filesystem::path dicom;   // the study's DICOM folder
  std::filesystem::path labels;  // catalogue labels on the study's reference grid
  std::string name;              // for the log and the card (never a patient identifier)
};

// Further studies the tuned model is checked on, reported as their own source (e.g. the generated validation).
struct LabelledSource {
  std::string source;  // the name in the log, the card and a refusal
  std::vector<LabelledStudy> studies;
};

struct ModelTuneOptions {
  std::filesystem::path base_model;                // empty: the built-in model
  std::vector<std::filesystem::path> studies;      // analysis folders, each with OUT/corrected-N
  std::vector<std::filesystem::path> validation;   // labelled analysis folders never tuned on (may be empty)
  // Further sources, each checked and reported on its own line; called after the site studies are read, so their
  // input errors come first (may be empty).
  std::function<std::vector<LabelledSource>()> extra_validation;
  std::vector<std::string> unchecked_notes;        // card lines for validation sources left out, each saying why
  std::filesystem::path output;                    // SITE_MODEL; its card is written beside it (.card.json)
  double holdout_fraction = 0.25;                  // of the patients (pseudonyms), at least one
  std::uint64_t seed = 1;                          // the patient split and the pixel sample
  int iterations = 300;
  double tolerance = 0.01;                         // mean group Dice may drop this much before a model is refused
};

// Mean and per-group Dice of the base and the tuned model on one source of studies.
struct DiceComparison {
  std::string source;  // "held-out site studies", "site validation studies" or a LabelledSource's name
  std::size_t studies = 0;
  std::vector<std::string> groups;
  std::vector<double> base_dice, tuned_dice;  // per group; NaN where the group is absent
  double base_mean_dice = 0, tuned_mean_dice = 0;
};

struct ModelTuneOutcome {
  int exit_code = 0;       // 0 written; core::kExitPartial when refused (nothing written)
  bool written = false;
  std::vector<DiceComparison> comparisons;
  std::filesystem::path card;  // the model card beside the model, when written
  std::string refusal;         // why the model was refused
};

// Loads every study (input errors name the folder), splits by patient, tunes, compares and writes or refuses.
[[nodiscard]] ModelTuneOutcome model_tune(const ModelTuneOptions& options);

}  // namespace myo::pipeline
