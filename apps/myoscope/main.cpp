// myoscope: one executable, one subcommand per job. main() is a single try that reports any escaping error once.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

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

// Edits (insertion, deletion, substitution, swap of neighbours) that turn `a` into `b`.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// For a first word that is no subcommand but at most two edits from one: "unknown command ...; did you mean ...?".
// Empty otherwise.
std::string did_you_mean(CLI::App& root, int argc, char** argv) {
  const auto first = std::find_if(argv + 1, argv + argc, [](const char* arg) { return arg[0] != '-'; });
  if (first == argv + argc) return {};
  const std::string typed = *first;
  std::string best;
  std::size_t best_distance = 3;
  for (const auto* sub : root.get_subcommands({})) {
    if (sub->get_name() == typed) return {};
    const auto distance = edit_distance(typed, sub->get_name());
    if (distance < best_distance) best = sub->get_name(), best_distance = distance;
  }
  if (best.empty()) return {};
  return "myoscope: unknown command '" + myo::log::printable(typed) + "'; did you mean '" + best +
         "'? (myoscope --help lists the commands)";
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
  add(myo::app::add_edit_command);
  add(myo::app::add_evaluate_command);
  add(myo::app::add_render_command);
  add(myo::app::add_view_command);
  add(myo::app::add_compare_command);
  add(myo::app::add_batch_command);
  add(myo::app::add_batch_merge_command);
  add(myo::app::add_serve_command);
  add(myo::app::add_timeline_command);
  add(myo::app::add_model_tune_command);

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    if (const auto hint = did_you_mean(root, argc, argv); !hint.empty()) {
      std::cerr << hint << '\n';
      return myo::core::kExitUsage;
    }
    root.exit(e);
    return myo::core::kExitUsage;
  }

  if (show_version) {
    print_version();
    return myo::core::kExitOk;
  }
  myo::log::set_level(verbose ? myo::log::Level::debug : quiet ? myo::log::Level::error : myo::log::Level::info);
  myo::log::route_toolkit_output();
  const char* tunables = std::getenv("GLIBC_TUNABLES");  // set at start for huge pages (huge_pages.cpp)
  myo::log::debug("malloc tunables: {}", tunables ? myo::log::printable(tunables) : "none");

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
