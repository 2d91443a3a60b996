#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "myo/core/analysis_files.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/files.hpp"
#include "myo/pipeline/compare.hpp"

namespace myo::app {

namespace {
struct CompareOptions {
  std::filesystem::path baseline;
  std::filesystem::path followup;
  std::filesystem::path output;
  pipeline::RepeatabilityLimits limits;
  bool allow_different_patient = false;
};
}  // namespace

CommandRunner add_compare_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("compare", "Changes per group and side between two analyses of one patient");
  auto options = std::make_shared<CompareOptions>();
  cmd->add_option("BASELINE", options->baseline, "Baseline analysis folder")->required();
  cmd->add_option("FOLLOWUP", options->followup, "Follow-up analysis folder")->required();
  cmd->add_option("-o,--output", options->output, "Write comparison.json here (default: inside FOLLOWUP)");
  cmd->add_flag("--allow-different-patient", options->allow_different_patient,
                "Compare analyses whose PatientID, IssuerOfPatientID or PatientBirthDate differ (refused otherwise, "
                "exit 3)");
  cmd->add_option("--ff-limit", options->limits.fat_fraction_points, "Fat fraction repeatability, points")
      ->capture_default_str();
  cmd->add_option("--edema-limit", options->limits.edema_fraction_points, "Edema fraction repeatability, points")
      ->capture_default_str();
  cmd->add_option("--volume-limit", options->limits.volume_percent, "Volume repeatability, percent")
      ->capture_default_str();
  return [options]() -> int {
    const auto c = pipeline::compare_analyses(options->baseline, options->followup, options->limits,
                                              options->allow_different_patient);
    std::cout << fmt::format("{:<22} {:<5} {:>10} {:>10} {:>10}  {}\n", "group", "side", "dFF pts", "dEdema pts",
                             "dVolume %", "flags");
    const auto show = [](const std::optional<double>& v) { return v ? fmt::format("{:+.1f}", *v) : std::string("-"); };
    for (const auto& g : c.groups) {
      std::string flags;
      for (const auto& f : g.flags) flags += (flags.empty() ? "" : "; ") + f;
      std::cout << fmt::format("{:<22} {:<5} {:>10} {:>10} {:>10}  {}\n", g.group, g.side,
                               show(g.fat_fraction_change_points), show(g.edema_fraction_change_points),
                               show(g.volume_change_percent), flags);
    }
    for (const auto& s : c.sentences) std::cout << s << '\n';
    const auto& followup = options->followup;
    const auto folder = std::filesystem::is_directory(followup) ? followup : followup.parent_path();
    const auto target = options->output.empty() ? folder / core::analysis_files::kComparison : options->output;
    core::write_file_atomically(target, pipeline::comparison_to_json(c));
    return core::kExitOk;
  };
}

}  // namespace myo::app
