#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/dicom/series_role.hpp"
#include "myo/pipeline/analyze.hpp"

namespace myo::app {
namespace {

// Share of the run done after `stage`: its place among the stages this run will go through, in their order.
double share_done(const pipeline::AnalyzeOptions& o, std::string_view stage) {
  std::vector<std::string_view> stages{"load", "segmentation", "quantification", "water_t2"};
  if (o.write_figures) stages.push_back("figures");
  stages.push_back("outputs");
  if (o.write_reports) stages.push_back("report_documents");
  if (o.write_dicom) stages.push_back("dicom_results");
  const auto at = std::find(stages.begin(), stages.end(), stage);
  return at == stages.end() ? 0.0 : static_cast<double>(at - stages.begin() + 1) / static_cast<double>(stages.size());
}

// "[######----]  60 %": the progress bar that leads each stage line on a terminal.
std::string progress_bar(double share) {
  constexpr int kWidth = 20;
  const int filled = static_cast<int>(share * kWidth + 0.5);
  return "[" + std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(kWidth - filled), '-') +
         "] " + fmt::format("{:3.0f} %  ", share * 100.0);
}

}  // namespace

CommandRunner add_analyze_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("analyze", "Analyse one DICOM study: series detection, segmentation, fat and edema");
  auto options = std::make_shared<pipeline::AnalyzeOptions>();
  cmd->add_option("INPUT", options->input, "Folder (searched recursively) or file of one study's DICOM images")
      ->required();
  cmd->add_option("-o,--output", options->output,
                  "Output folder (created if missing; replaced whole at the end, entries myoscope does not write are "
                  "kept; one run at a time)")
      ->required();
  cmd->add_option("--study", options->study_instance_uid, "Study Instance UID when INPUT holds several studies");
  cmd->add_option("--role", options->role_overrides,
                  "Override a detected role: SERIES_NUMBER=ROLE or SERIES_UID=ROLE (roles: " + dicom::role_names() + ")")
      ->check(CLI::Validator(pipeline::role_override_problem, "SERIES=ROLE"));
  cmd->add_option("--baseline,--previous", options->baseline,
                  "Analysis folder of the same patient's previous visit: writes comparison.json and the section "
                  "\"Change since the previous visit\" in report.json, report.html and report.pdf");
  cmd->add_flag("--allow-different-patient", options->allow_different_patient,
                "Compare with a --baseline whose PatientID, IssuerOfPatientID or PatientBirthDate differ (one "
                "patient under two records); refused otherwise (exit 3)");
  cmd->add_option("--labels", options->labels_file,
                  "Use this segmentation instead of the automatic one: NIfTI/NRRD label map (any voxel type; within "
                  "1e-3 of a voxel of the reference grid it is taken as on it, else resampled with a warning) or "
                  "DICOM SEG");
  cmd->add_option("--label-table", options->label_table,
                  "Names of the --labels values: ITK-SNAP label file, 3D Slicer colour table or 'value name' list "
                  "(e.g. TotalSegmentator classes); individual muscles are rolled up into groups");
  cmd->add_option("--model", options->model_file,
                  "Muscle model file to segment with instead of the built-in one (a site's own weights, "
                  "training/segmentation/)");
  cmd->add_flag("!--no-maps", options->write_maps, "Do not write fat_fraction.nii.gz");
  cmd->add_flag("!--no-figures", options->write_figures,
                "Do not render figures (without an X display a private Xvfb is started; without Xvfb the figures are "
                "missing and the exit code is 4)");
  cmd->add_flag("!--no-dicom", options->write_dicom,
                "Do not write the DICOM results (SEG, SR, parametric map, captures, overlay series, report PDF, "
                "edema SEG)");
  cmd->add_flag("!--no-report-documents", options->write_reports, "Do not write report.pdf and report.html");
  cmd->add_flag("--water-t2-mono", options->water_t2_monoexponential,
                "Fit water T2 of a multi-echo series mono-exponentially, without the Dixon fat correction");
  cmd->add_flag("--deidentify", options->deidentify,
                "Write DICOM results and report.pdf/report.html without patient identifiers (basic profile)");
  add_threads_option(*cmd);
  // One line per finished stage on stderr, through the log (so -q silences it); on a terminal led by a progress bar.
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  options->on_stage = [terminal, o = options.get()](const pipeline::StageProgress& p) {
    log::info("{}analyze: {} done in {:.1f} s ({:.1f} s elapsed)", terminal ? progress_bar(share_done(*o, p.stage)) : "",
              p.stage, p.stage_seconds, p.elapsed_seconds);
  };
  return [options]() -> int {
      const auto outcome = pipeline::analyze_study(*options);
      std::cout << outcome.report_path.string() << '\n';
      return outcome.exit_code;
  };
}

}  // namespace myo::app
