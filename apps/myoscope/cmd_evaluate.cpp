#include "commands.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"

namespace myo::app {

CommandRunner add_evaluate_command(CLI::App& root) {
  root.add_subcommand("evaluate", "(not implemented yet)");
  return [] {
    log::error("'evaluate' is not implemented yet");
    return core::kExitInternalError;
  };
}

}  // namespace myo::app
