// myoscope: one executable, one subcommand per job. main() is a single try that reports any escaping error once.
#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/core/version.hpp"
#include "myo/dicom/version.hpp"
#include "myo/rendering/version.hpp"

namespace {

void print_version() {
  std::cout << myo::core::software_name() << ' ' << myo::core::software_version() << " (git "
            << myo::core::git_revision() << ")\n"
            << "ITK " << myo::core::itk_version() << ", VTK " << myo::rendering::vtk_version() << ", DCMTK "
            << myo::dicom::dcmtk_version() << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App root{"MyoScope — quantitative muscle MRI of the hips and thighs (edema and fatty replacement)"};
  root.require_subcommand(0, 1);
  // Global options (-v, -q) are accepted after the subcommand too, as users type them.
  root.fallthrough();
  bool show_version = false;
  bool verbose = false;
  bool quiet = false;
  root.add_flag("--version", show_version, "Print the version, git revision and ITK/VTK/DCMTK versions");
  root.add_flag("-v,--verbose", verbose, "Log debug details to stderr");
  root.add_flag("-q,--quiet", quiet, "Log only errors");

  std::map<const CLI::App*, myo::app::CommandRunner> runners;
  const auto add = [&](myo::app::CommandRunner (*adder)(CLI::App&)) {
    const auto before = root.get_subcommands({}).size();
    auto runner = adder(root);
    runners[root.get_subcommands({})[before]] = std::move(runner);
  };
  add(myo::app::add_phantom_command);
  add(myo::app::add_scan_command);
  add(myo::app::add_convert_command);
  add(myo::app::add_analyze_command);
  add(myo::app::add_segment_command);
  add(myo::app::add_evaluate_command);
  add(myo::app::add_render_command);
  add(myo::app::add_view_command);
  add(myo::app::add_compare_command);
  add(myo::app::add_batch_command);
  add(myo::app::add_batch_merge_command);
  add(myo::app::add_serve_command);

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    root.exit(e);
    return myo::core::kExitUsage;
  }

  if (show_version) {
    print_version();
    return myo::core::kExitOk;
  }
  myo::log::set_level(verbose ? myo::log::Level::debug : quiet ? myo::log::Level::error : myo::log::Level::info);
  myo::log::route_toolkit_output();

  const auto chosen = root.get_subcommands();
  if (chosen.empty()) {
    std::cout << root.help();
    return myo::core::kExitUsage;
  }
  try {
    return runners.at(chosen.front())();
  } catch (const myo::core::MyoError& e) {
    // The error's kind decides the exit code, here and nowhere else.
    myo::log::error("{}", e.what());
    return myo::core::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    myo::log::error("internal error: {}", e.what());
    return myo::core::kExitInternalError;
  }
}
