#include "myo/pipeline/model_tune.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/patient_identity.hpp"
#include "myo/core/version.hpp"
#include "myo/pipeline/analysis_folder.hpp"
#include "myo/pipeline/edit_analysis.hpp"
#include "myo/pipeline/study_channels.hpp"
#include "myo/segmentation/model_tuning.hpp"

namespace myo::pipeline {
namespace fs = std::filesystem;
namespace seg = segmentation;
namespace {

// One corrected study as the network sees it.
struct SiteStudy {
  std::string patient;  // pseudonym, or "study-N" when the analysis recorded none
  std::vector<seg::TuningSlice> slices;
};

SiteStudy labelled_site_study(const fs::path& dicom, const std::string& study_uid, const fs::path& labels_file,
                              std::string name, const seg::MuscleModel& model) {
  const auto channels = load_study_channels(dicom, {}, study_uid);
  const auto labels = core::read_labels(labels_file);
  SiteStudy study;
  study.patient = std::move(name);
  study.slices = seg::tuning_slices(channels.segmentation_input(), labels, labels_file.string(), model);
  return study;
}

// Tuning learns from a reader's correction: the label map an edit would apply to next, which must be a corrected
// version's (not the automatic one).
fs::path corrected_labels(const fs::path& analysis) {
  if (!AnalysisFolder(analysis).corrected_versions().empty()) {
    auto file = latest_label_map(analysis);
    if (fs::is_regular_file(file)) return file;
  }
  throw core::MyoError(analysis.string(), "has no correction to tune on (corrected-N/corrected_labels.nii.gz, "
                                          "written by myoscope edit)");
}

SiteStudy load_site_study(const fs::path& analysis, std::size_t index, const seg::MuscleModel& model) {
  if (!AnalysisFolder(analysis).has_report())
    throw core::MyoError(analysis.string(), "holds no report.json: not an analysis folder written by analyze");
  const auto labels_file = corrected_labels(analysis);
  const auto recorded = AnalysisFolder(analysis).study();
  if (recorded.input_path.empty() || !fs::exists(recorded.input_path))
    throw core::MyoError(analysis.string(), "the study's images are gone: report.json records " +
                                                (recorded.input_path.empty() ? std::string("no study folder")
                                                                       : "a study folder that no longer exists"));
  return labelled_site_study(recorded.input_path, recorded.study_instance_uid, labels_file,
                             recorded.patient_pseudonym.empty() ? fmt::format("study-{}", index + 1)
                                                                : recorded.patient_pseudonym,
                             model);
}

std::vector<SiteStudy> load_site_studies(const std::vector<fs::path>& folders, const seg::MuscleModel& model) {
  std::vector<SiteStudy> out;
  for (std::size_t i = 0; i < folders.size(); ++i) {
    out.push_back(load_site_study(folders[i], i, model));
    log::info("model-tune: study {} of {} loaded ({} slice views)", i + 1, folders.size(), out.back().slices.size());
  }
  return out;
}

// The studies of one further validation source, under their given names.
std::vector<SiteStudy> load_labelled_source(const LabelledSource& source, const seg::MuscleModel& model) {
  std::vector<SiteStudy> out;
  for (const auto& s : source.studies) out.push_back(labelled_site_study(s.dicom, {}, s.labels, s.name, model));
  log::info("model-tune: {}: {} studies loaded", source.source, out.size());
  return out;
}

// The patients held out: a seeded shuffle of the sorted pseudonyms, the first round(fraction x n) (at least one,
// never all).
std::set<std::string> held_out_patients(const std::vector<SiteStudy>& studies, double fraction, std::uint64_t seed) {
  std::set<std::string> unique;
  for (const auto& s : studies) unique.insert(s.patient);
  if (unique.size() < 2)
    throw core::MyoError("--studies", "corrected studies of at least two patients are needed (one to tune on, one "
                                      "held out to check the result)", core::ErrorKind::usage);
  std::vector<std::string> order(unique.begin(), unique.end());
  std::uint64_t state = seed;
  for (std::size_t i = order.size() - 1; i > 0; --i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // one LCG step: the same order everywhere
    std::swap(order[i], order[(state >> 33U) % (i + 1)]);
  }
  const auto count = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(fraction * order.size())), 1,
                                             order.size() - 1);
  return {order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count)};
}

std::vector<seg::TuningSlice> slices_of(const std::vector<SiteStudy>& studies) {
  std::vector<seg::TuningSlice> out;
  for (const auto& s : studies) out.insert(out.end(), s.slices.begin(), s.slices.end());
  return out;
}

DiceComparison compare(const std::string& source, const std::vector<SiteStudy>& studies,
                       const seg::MuscleModel& model, const seg::ModelHead& tuned) {
  const auto agreement = seg::group_agreement(slices_of(studies), model, {model.head(), tuned});
  DiceComparison c;
  c.source = source;
  c.studies = studies.size();
  c.groups = agreement[0].groups;
  for (std::size_t g = 0; g < c.groups.size(); ++g)
    c.base_dice.push_back(agreement[0].dice(g)), c.tuned_dice.push_back(agreement[1].dice(g));
  c.base_mean_dice = agreement[0].mean_dice();
  c.tuned_mean_dice = agreement[1].mean_dice();
  log::info("model-tune: {} ({}): mean group Dice {:.3f} (base) -> {:.3f} (tuned)", source, c.studies,
            c.base_mean_dice, c.tuned_mean_dice);
  return c;
}

std::string summary_line(const DiceComparison& c) {
  return fmt::format("{} ({} studies): mean group Dice {:.3f} base, {:.3f} tuned", c.source, c.studies,
                     c.base_mean_dice, c.tuned_mean_dice);
}

nlohmann::json dice_json(const DiceComparison& c) {
  nlohmann::json groups = nlohmann::json::object();
  const auto number = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  for (std::size_t g = 0; g < c.groups.size(); ++g)
    groups[c.groups[g]] = {{"base", number(c.base_dice[g])}, {"tuned", number(c.tuned_dice[g])}};
  return {{"source", c.source},          {"studies", c.studies}, {"base_mean_dice", number(c.base_mean_dice)},
          {"tuned_mean_dice", number(c.tuned_mean_dice)}, {"groups", groups}};
}

std::vector<std::string> patients_of(const std::vector<SiteStudy>& studies) {
  std::vector<std::string> out;
  for (const auto& s : studies) out.push_back(s.patient);
  return out;
}

// What the tuning was, for the card and (shorter) the model file's header.
struct TuningRecord {
  std::string base_origin, base_sha256;
  std::vector<SiteStudy> tuned, held_out, validation;
  std::vector<std::pair<std::string, std::vector<SiteStudy>>> extra_validation;  // source name, its studies
  std::size_t sampled_pixels = 0;
  seg::HeadTuningParams params;
};

nlohmann::json header_record(const TuningRecord& r, const ModelTuneOptions& options) {
  return {{"tool", "myoscope model-tune"},          {"software_version", core::software_version()},
          {"base_model_sha256", r.base_sha256},     {"tuned_layers", "head (1x1 convolution)"},
          {"tuned_studies", r.tuned.size()},        {"held_out_studies", r.held_out.size()},
          {"validation_studies", r.validation.size()}, {"seed", options.seed},
          {"iterations", options.iterations}};
}

nlohmann::json card_json(const TuningRecord& r, const ModelTuneOptions& options, const ModelTuneOutcome& outcome,
                         const std::string& model_sha256) {
  nlohmann::json dice = nlohmann::json::array();
  std::vector<std::string> lines;
  for (const auto& c : outcome.comparisons) dice.push_back(dice_json(c)), lines.push_back(summary_line(c));
  if (r.validation.empty()) lines.emplace_back("site validation studies: none given (not checked)");
  lines.insert(lines.end(), options.unchecked_notes.begin(), options.unchecked_notes.end());
  nlohmann::json extra = nlohmann::json::object();
  for (const auto& [source, studies] : r.extra_validation) extra[source] = patients_of(studies);
  return {{"schema", "myoscope-tuned-model-card"},
          {"model_file", options.output.filename().string()},
          {"model_sha256", model_sha256},
          {"base_model", {{"origin", r.base_origin}, {"sha256", r.base_sha256}}},
          {"software_version", core::software_version()},
          {"tuned_layers", "head (1x1 convolution); the rest of the network is the base model's"},
          {"patients", {{"tuned", patients_of(r.tuned)}, {"held_out", patients_of(r.held_out)},
                        {"validation", patients_of(r.validation)}, {"other_validation", extra}}},
          {"counts", {{"tuned_studies", r.tuned.size()}, {"held_out_studies", r.held_out.size()},
                      {"validation_studies", r.validation.size()}, {"sampled_pixels", r.sampled_pixels}}},
          {"parameters", {{"seed", options.seed}, {"holdout_fraction", options.holdout_fraction},
                          {"iterations", r.params.iterations}, {"learning_rate", r.params.learning_rate},
                          {"anchor_weight", r.params.anchor_weight}, {"max_pixels", r.params.max_pixels},
                          {"tolerance", options.tolerance}}},
          {"dice_summary", lines},
          {"dice", dice}};
}

fs::path card_path(const fs::path& model) { return fs::path(model).replace_extension(".card.json"); }

// Why the tuned model is worse than the base beyond the tolerance on some source; empty when it is not.
std::string refusal(const std::vector<DiceComparison>& comparisons, double tolerance) {
  for (const auto& c : comparisons)
    if (std::isnan(c.tuned_mean_dice) || c.tuned_mean_dice < c.base_mean_dice - tolerance)
      return fmt::format("the tuned model is worse than the base model on the {} (mean group Dice {:.3f}, base "
                         "{:.3f}, tolerance {:.3f}): nothing written",
                         c.source, c.tuned_mean_dice, c.base_mean_dice, tolerance);
  return {};
}

void check_options(const ModelTuneOptions& options) {
  if (!(options.holdout_fraction > 0 && options.holdout_fraction < 1))
    throw core::MyoError("--holdout", "must lie between 0 and 1", core::ErrorKind::usage);
  if (options.iterations < 1) throw core::MyoError("--iterations", "must be at least 1", core::ErrorKind::usage);
  if (fs::is_directory(options.output))
    throw core::MyoError(options.output.string(), "is a folder; give the model file to write",
                         core::ErrorKind::output);
}

}  // namespace

ModelTuneOutcome model_tune(const ModelTuneOptions& options) {
  check_options(options);
  const auto base = options.base_model.empty() ? seg::MuscleModel::builtin()
                                               : seg::MuscleModel::read(options.base_model);
  TuningRecord record;
  record.base_origin = options.base_model.empty() ? "built-in model" : options.base_model.filename().string();
  record.base_sha256 = core::sha256_hex(base.file_bytes());
  record.params.iterations = options.iterations;
  record.params.seed = options.seed;
  auto site = load_site_studies(options.studies, base);
  const auto held_out = held_out_patients(site, options.holdout_fraction, options.seed);
  for (auto& s : site) (held_out.count(s.patient) ? record.held_out : record.tuned).push_back(std::move(s));
  record.validation = load_site_studies(options.validation, base);
  const auto extra = options.extra_validation ? options.extra_validation() : std::vector<LabelledSource>{};
  for (const auto& source : extra)
    record.extra_validation.emplace_back(source.source, load_labelled_source(source, base));

  const auto batch = seg::head_batch(slices_of(record.tuned), base, record.params);
  record.sampled_pixels = batch.pixels();
  log::info("model-tune: tuning the head on {} pixels of {} studies, {} iterations", batch.pixels(),
            record.tuned.size(), record.params.iterations);
  const auto tuned = seg::tune_head(batch, base.head(), record.params);

  ModelTuneOutcome outcome;
  outcome.comparisons.push_back(compare("held-out site studies", record.held_out, base, tuned));
  if (!record.validation.empty())
    outcome.comparisons.push_back(compare("site validation studies", record.validation, base, tuned));
  else
    log::warn("model-tune: no --validation studies: the tuned model is not checked on the site's own validation");
  for (const auto& [source, studies] : record.extra_validation)
    outcome.comparisons.push_back(compare(source, studies, base, tuned));
  for (const auto& note : options.unchecked_notes) log::warn("model-tune: {}", note);
  outcome.refusal = refusal(outcome.comparisons, options.tolerance);
  if (!outcome.refusal.empty()) {
    log::error("model-tune: {}", outcome.refusal);
    outcome.exit_code = core::kExitPartial;
    return outcome;
  }
  const auto model = base.with_head(tuned, header_record(record, options).dump());
  const auto card = card_json(record, options, outcome, core::sha256_hex(model.file_bytes()));
  core::write_file_atomically(options.output, model.file_bytes());
  outcome.card = card_path(options.output);
  core::write_file_atomically(outcome.card, card.dump(2) + "\n");
  outcome.written = true;
  return outcome;
}

}  // namespace myo::pipeline
