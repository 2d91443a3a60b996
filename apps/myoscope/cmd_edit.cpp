#include <iostream>
#include <memory>

#include "commands.hpp"
#include "myo/core/log.hpp"
#include "myo/pipeline/edit_analysis.hpp"

namespace myo::app {

CommandRunner add_edit_command(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "edit", "Replay a reader's edit log on an analysis's labels and requantify into a new version (OUT/corrected-N)");
  auto options = std::make_shared<pipeline::EditOptions>();
  cmd->add_option("OUT", options->analysis, "Analysis folder written by analyze (kept as the automatic version)")
      ->required();
  cmd->add_option("--apply", options->edit_log, "Edit log (JSON, docs/edit-log.md) to replay on the latest version")
      ->required();
  cmd->add_option("--reader", options->reader,
                  "Name of the reader who corrected the labels (the corrected DICOM SEG's ContentCreatorName)");
  cmd->add_option("--study", options->study,
                  "The study's DICOM folder, when report.json does not record it (de-identified) or it has moved");
  cmd->add_flag("!--no-figures", options->write_figures, "Do not render figures");
  cmd->add_flag("!--no-report-documents", options->write_reports, "Do not write report.pdf and report.html");
  cmd->add_flag("--deidentify", options->deidentify,
                "Write DICOM results and report.pdf/report.html without patient identifiers (basic profile)");
  options->on_stage = [](const pipeline::StageProgress& p) {
    log::info("edit: {} done in {:.1f} s ({:.1f} s elapsed)", p.stage, p.stage_seconds, p.elapsed_seconds);
  };
  return [options]() -> int {
    const auto outcome = pipeline::edit_analysis(*options);
    std::cout << outcome.report_path.string() << '\n';
    return outcome.exit_code;
  };
}

}  // namespace myo::app
