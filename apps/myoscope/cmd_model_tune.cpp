#include <iostream>
#include <memory>

#include "commands.hpp"
#include "myo/pipeline/model_tune.hpp"

namespace myo::app {

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
  return [options]() -> int {
    const auto outcome = pipeline::model_tune(*options);
    if (outcome.written) std::cout << options->output.string() << '\n' << outcome.card.string() << '\n';
    return outcome.exit_code;
  };
}

}  // namespace myo::app
