#include "commands.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"

namespace myo::app {

CommandRunner add_phantom_command(CLI::App& root) {
  root.add_subcommand("phantom", "(not implemented yet)");
  return [] {
    log::error("'phantom' is not implemented yet");
    return core::kExitInternalError;
  };
}

}  // namespace myo::app
