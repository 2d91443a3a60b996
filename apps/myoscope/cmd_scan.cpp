#include "commands.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"

namespace myo::app {

CommandRunner add_scan_command(CLI::App& root) {
  root.add_subcommand("scan", "(not implemented yet)");
  return [] {
    log::error("'scan' is not implemented yet");
    return core::kExitInternalError;
  };
}

}  // namespace myo::app
