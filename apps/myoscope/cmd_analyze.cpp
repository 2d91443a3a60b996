#include "commands.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"

namespace myo::app {

CommandRunner add_analyze_command(CLI::App& root) {
  root.add_subcommand("analyze", "(not implemented yet)");
  return [] {
    log::error("'analyze' is not implemented yet");
    return core::kExitInternalError;
  };
}

}  // namespace myo::app
