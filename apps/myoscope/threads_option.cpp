#include <string>

#include "commands.hpp"
#include "myo/core/parallel.hpp"

namespace myo::app {

CLI::Option* add_threads_option(CLI::App& cmd) {
  return cmd
      .add_option_function<unsigned>(
          "--threads", [](const unsigned& threads) { core::set_thread_count(threads); },
          "Threads to compute with (default 0: one per core; 1: serial); the results do not depend on it")
      ->check(CLI::Range(0U, core::kMaxThreads))
      ->option_text("N");
}

}  // namespace myo::app
