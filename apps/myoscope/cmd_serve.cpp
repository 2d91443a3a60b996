// myoscope serve: a DICOM node (C-ECHO, C-STORE SCP) that analyses received studies and sends the results on.
#include <csignal>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/pipeline/serve.hpp"

namespace myo::app {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

struct ServeArgs {
  pipeline::ServeOptions options;
  unsigned port = 11112;
  std::string destination;
};

}  // namespace

CommandRunner add_serve_command(CLI::App& root) {
  auto args = std::make_shared<ServeArgs>();
  auto& o = args->options;
  auto* cmd = root.add_subcommand("serve", "DICOM node: receive studies (C-STORE), analyse them, send results back");
  cmd->add_option("--bind", o.bind_address, "IPv4 address to listen on (0.0.0.0: every interface)")
      ->capture_default_str()
      ->check(CLI::ValidIPV4);
  cmd->add_option("--port", args->port, "TCP port to listen on")->capture_default_str()->check(CLI::Range(1, 65535));
  cmd->add_option("--ae-title", o.ae_title, "Our AE title (called AE title of incoming associations)")
      ->capture_default_str();
  cmd->add_option("--allow-calling", o.allowed_calling_ae_titles,
                  "Calling AE title allowed to connect (repeat for several); others are rejected")
      ->required();
  cmd->add_option("--allow-host", o.allowed_hosts, "Peer IP address allowed to connect (repeat); default: any");
  cmd->add_option("--spool", o.spool, "Folder for received instances (SPOOL/<study>/<instance>.dcm)")->required();
  cmd->add_option("-o,--output", o.output, "Folder for the analyses (OUT/<study>/)")->required();
  cmd->add_option("--quiet-seconds", o.quiet_seconds, "Analyse a study once nothing arrived for it for this long")
      ->capture_default_str();
  cmd->add_option("--max-associations", o.max_associations, "Associations served at the same time")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--idle-timeout", o.idle_timeout_s,
                  "Abort an association that sends nothing for this many seconds (its study counts as incomplete)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--request-timeout", o.request_timeout_s,
                  "Close a connection that has not sent its association request within this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  cmd->add_option("--destination", args->destination, "Send DICOM results to AE@HOST:PORT by C-STORE");
  cmd->add_flag("!--no-figures", o.write_figures, "Passed to analyze: no figures (they need an X display)");
  cmd->add_flag("--deidentify", o.deidentify, "Passed to analyze: DICOM results without patient identifiers");
  cmd->add_option("--run-seconds", o.run_seconds, "Stop after this many seconds (0: until SIGINT/SIGTERM)");
  return [args]() -> int {
    auto options = args->options;
    options.port = static_cast<std::uint16_t>(args->port);
    if (!args->destination.empty()) options.destination = pipeline::parse_peer(args->destination, "--destination");
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const auto summary = pipeline::serve(options, g_stop);
    const bool partial = summary.studies_failed || summary.send_failures || summary.studies_incomplete;
    return partial ? core::kExitPartial : core::kExitOk;
  };
}

}  // namespace myo::app
