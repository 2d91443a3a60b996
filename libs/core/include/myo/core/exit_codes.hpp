#pragma once
// Documented exit codes of the myoscope executable (README, "Exit codes"). Scripts rely on them: never renumber.
#include "myo/core/error.hpp"

namespace myo::core {

enum ExitCode : int {
  kExitOk = 0,             // everything asked for was done
  kExitInternalError = 1,  // unexpected failure (a bug): please report it
  kExitUsage = 2,          // wrong command-line arguments
  kExitInputError = 3,     // input unusable: no DICOM, no suitable series, unreadable file given explicitly
  kExitPartial = 4,        // finished, but some inputs were skipped (unreadable files, failed studies)
  kExitOutputError = 5,    // an output could not be written (permissions, disk full); earlier outputs intact
  kExitNoDisplay = 6,      // rendering needs an X display (run under xvfb-run -a)
};

// The exit code of a command that ended with an error of this kind (main's one rule).
[[nodiscard]] constexpr ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::input: return kExitInputError;
    case ErrorKind::output: return kExitOutputError;
    case ErrorKind::usage: return kExitUsage;
    case ErrorKind::no_display: return kExitNoDisplay;
    case ErrorKind::internal: return kExitInternalError;
  }
  return kExitInternalError;
}

}  // namespace myo::core
