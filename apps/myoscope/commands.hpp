#pragma once
// Each subcommand lives in its own cmd_<name>.cpp: it declares its options on a CLI11 subcommand, parses them into
// a plain struct, and returns a runner that calls the libraries. No image processing happens in the app.
#include <CLI/CLI.hpp>

#include <functional>

namespace myo::app {

using CommandRunner = std::function<int()>;

CommandRunner add_phantom_command(CLI::App& root);
CommandRunner add_scan_command(CLI::App& root);
CommandRunner add_convert_command(CLI::App& root);
CommandRunner add_analyze_command(CLI::App& root);
CommandRunner add_segment_command(CLI::App& root);
CommandRunner add_evaluate_command(CLI::App& root);
CommandRunner add_render_command(CLI::App& root);
CommandRunner add_view_command(CLI::App& root);
CommandRunner add_compare_command(CLI::App& root);
CommandRunner add_batch_command(CLI::App& root);
CommandRunner add_batch_merge_command(CLI::App& root);
CommandRunner add_serve_command(CLI::App& root);
CommandRunner add_edit_command(CLI::App& root);
CommandRunner add_timeline_command(CLI::App& root);

}  // namespace myo::app
