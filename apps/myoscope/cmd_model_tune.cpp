#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "generated_validation.hpp"
#include "myo/pipeline/model_tune.hpp"
#include "temporary_folder.hpp"

namespace myo::app {
namespace {

// A fresh folder for the generated validation in the system's temporary folder (TMPDIR).
std::filesystem::path generated_validation_folder() {
  const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
  return std::filesystem::temp_directory_path() /
         ("myoscope-model-tune-" + std::to_string(::getpid()) + "-" + std::to_string(tick));
}

}  // namespace

CommandRunner add_model_tune_command(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "model-tune", "Tune the muscle model's head on a site's corrected studies; refuse a model worse than the base");
  auto options = std::make_shared<pipeline::ModelTuneOptions>();
  cmd->add_option("--model", options->base_model, "Base muscle model file (default: the built-in model)");
  cmd->add_option("--studies", options->studies,
                  "Analysis folders with a correction (OUT/corrected-N from myoscope edit) to tune on and hold out")
      ->required();
  cmd->add_option("--validation", options->validation,
                  "Labelled analysis folders (with a correction) never tuned on: the tuned model must not be worse "
                  "on them");
  auto generated = std::make_shared<bool>(true);
  cmd->add_flag("--no-default-validation{false}", *generated,
                "Leave out the default check on generated studies (the generator's anatomy, made at tune time)");
  cmd->add_option("-o,--output", options->output, "Site model file to write (its card beside it: NAME.card.json)")
      ->required();
  cmd->add_option("--holdout", options->holdout_fraction, "Fraction of the patients held out to check the result")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Seed of the patient split and the pixel sample")->capture_default_str();
  cmd->add_option("--iterations", options->iterations, "Gradient steps on the head")->capture_default_str();
  cmd->add_option("--tolerance", options->tolerance,
                  "Mean group Dice the tuned model may lose against the base before it is refused")
      ->capture_default_str();
  add_threads_option(*cmd);
  return [options, generated]() -> int {
    auto run = *options;
    TemporaryFolder folder;
    if (*generated) {
      run.extra_validation = [&folder] {
        folder.path = generated_validation_folder();
        return std::vector<pipeline::LabelledSource>{generate_validation_studies(folder.path)};
      };
    } else {
      run.unchecked_notes.push_back(std::string(kGeneratedValidationSource) +
                                    ": not checked (--no-default-validation)");
    }
    const auto outcome = pipeline::model_tune(run);
    if (outcome.written) std::cout << options->output.string() << '\n' << outcome.card.string() << '\n';
    return outcome.exit_code;
  };
}

}  // namespace myo::app
