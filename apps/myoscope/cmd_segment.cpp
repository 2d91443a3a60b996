#include <iostream>
#include <memory>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/pipeline/segment_files.hpp"

namespace myo::app {

CommandRunner add_segment_command(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "segment", "Segment the hip and thigh muscles of NIfTI/NRRD images (data converted from DICOM elsewhere)");
  auto options = std::make_shared<pipeline::SegmentFilesOptions>();
  cmd->add_option("--water", options->water, "Dixon water image (with --fat when there is one)");
  cmd->add_option("--fat", options->fat, "Dixon fat image (needs --water)");
  cmd->add_option("--t1", options->t1, "T1-weighted image (used without Dixon)");
  cmd->add_option("--stir", options->stir, "STIR image (used when it is the only one)");
  cmd->add_option("--model", options->model_file, "Muscle model file instead of the built-in one");
  add_threads_option(*cmd);
  cmd->add_option("-o,--output", options->output,
                  "Output folder: labels.nii.gz (groups), muscle_labels.nii.gz (single muscles), segmentation.json")
      ->required();
  return [options]() -> int {
    if (options->water.empty() && options->fat.empty() && options->t1.empty() && options->stir.empty())
      throw core::MyoError("segment", "give at least one image (--water and --fat, --t1 or --stir)",
                           core::ErrorKind::usage);
    if (!options->fat.empty() && options->water.empty())
      throw core::MyoError("segment", "--fat needs --water (a water image alone is enough)", core::ErrorKind::usage);
    pipeline::segment_files(*options);
    std::cout << options->output.string() << '\n';
    return core::kExitOk;
  };
}

}  // namespace myo::app
