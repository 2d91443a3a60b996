#include "commands.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"

namespace myo::app {

CommandRunner add_convert_command(CLI::App& root) {
  root.add_subcommand("convert", "(not implemented yet)");
  return [] {
    log::error("'convert' is not implemented yet");
    return core::kExitInternalError;
  };
}

}  // namespace myo::app
