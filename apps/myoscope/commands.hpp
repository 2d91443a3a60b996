#pragma once
// Each subcommand lives in its own cmd_<name>.cpp: it declares its options on a CLI11 subcommand, parses them into
// a plain struct, and returns a runner that calls the libraries. No image processing happens in the app.
#include <CLI/CLI.hpp>

#include <functional>

namespace myo::app {

using CommandRunner = std::function<int()>;

// `--threads N` of a subcommand: sets the process-wide thread count (core::set_thread_count: the thread pool, ITK,
// the segmentation and the quantification) as it is parsed; 0 is one per core. A negative value or one above
// core::kMaxThreads is a parse error (exit 2) before any work.
CLI::Option* add_threads_option(CLI::App& cmd);

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
CommandRunner add_model_tune_command(CLI::App& root);

}  // namespace myo::app
