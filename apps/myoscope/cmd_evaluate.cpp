#include <iostream>
#include <memory>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/pipeline/evaluate.hpp"

namespace myo::app {

namespace {
struct EvaluateOptions {
  std::filesystem::path analysis;
  std::filesystem::path truth;
  std::filesystem::path json_output;
  bool per_group = false;
};
}  // namespace

CommandRunner add_evaluate_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("evaluate", "Compare an analysis with a generator truth (Dice, FF, edema and water T2 errors)");
  auto options = std::make_shared<EvaluateOptions>();
  cmd->add_option("OUT", options->analysis, "Analysis folder written by `myoscope analyze`")->required();
  cmd->add_option("TRUTH", options->truth, "Truth folder written by `myoscope phantom` (or its truth/ subfolder)")
      ->required();
  cmd->add_option("--json", options->json_output, "Also write the full evaluation as JSON to this file");
  cmd->add_flag("--per-group", options->per_group, "Print one line per group and side");
  return [options]() -> int {
    const auto evaluation = pipeline::evaluate(options->analysis, options->truth);
    if (options->per_group) {
      for (const auto& g : evaluation.groups) {
        std::cout << fmt::format("{:<22} {:<5} Dice {:.3f}  volume {:7.1f} / {:7.1f} ml", g.group, g.side, g.dice,
                                 g.measured_volume_ml, g.truth_volume_ml);
        if (g.fat_fraction_error_pct) std::cout << fmt::format("  FF err {:+6.2f}", *g.fat_fraction_error_pct);
        if (g.edema_fraction_error_pct) std::cout << fmt::format("  edema err {:+6.2f}", *g.edema_fraction_error_pct);
        if (g.water_t2_error_ms)
          std::cout << fmt::format("  water T2 {:5.1f} ms, err {:+5.2f}", *g.truth_water_t2_ms, *g.water_t2_error_ms);
        std::cout << '\n';
      }
    }
    std::cout << evaluation.summary_line() << '\n';
    if (!options->json_output.empty())
      core::write_file_atomically(options->json_output, pipeline::evaluation_to_json(evaluation));
    return core::kExitOk;
  };
}

}  // namespace myo::app
