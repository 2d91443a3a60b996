#include <iostream>
#include <memory>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/pipeline/atlas_build.hpp"

namespace myo::app {

namespace {
struct AtlasOptions {
  std::vector<std::string> studies;
  std::filesystem::path output;
};
}  // namespace

CommandRunner add_atlas_build_command(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "atlas-build", "Learn a segmentation atlas from labelled studies (use it with `analyze --atlas FILE`)");
  auto options = std::make_shared<AtlasOptions>();
  cmd->add_option("STUDY=LABELS", options->studies,
                  "A DICOM study folder and its label map (NIfTI/NRRD, catalogue labels: right 1-9, left 11-19)")
      ->required();
  cmd->add_option("-o,--output", options->output, "Atlas file to write")->required();
  return [options]() -> int {
    std::vector<pipeline::LabelledStudy> studies;
    for (const auto& text : options->studies) {
      const auto eq = text.rfind('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw core::MyoError(text, "expected STUDY_FOLDER=LABEL_FILE");
      studies.push_back({text.substr(0, eq), text.substr(eq + 1)});
    }
    const auto count = pipeline::build_atlas(studies, options->output);
    std::cout << "atlas of " << count << " studies written to " << options->output.string() << '\n';
    return core::kExitOk;
  };
}

}  // namespace myo::app
