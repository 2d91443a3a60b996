// myoscope scan PATH [--json]: what is in a folder, DICOMDIR or file, and which role each series plays.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "myo/dicom/scan.hpp"

namespace myo::app {
namespace {

struct ScanArgs {
  std::string path;
  bool json = false;
};

}  // namespace

CommandRunner add_scan_command(CLI::App& root) {
  auto args = std::make_shared<ScanArgs>();
  auto* cmd = root.add_subcommand("scan", "List the studies, series and series roles found under PATH (folder, DICOMDIR or file)");
  cmd->add_option("path", args->path, "Folder, DICOMDIR or DICOM file")->required();
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  add_threads_option(*cmd);
  return [args] {
    dicom::ScanOptions options;
    const auto result = dicom::scan(args->path, options);
    std::cout << (args->json ? dicom::scan_to_json(result) : dicom::format_scan_table(result));
    return dicom::scan_exit_code(result);
  };
}

}  // namespace myo::app
