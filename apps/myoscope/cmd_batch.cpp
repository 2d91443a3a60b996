// myoscope batch / batch-merge: many studies, one worker process per study, one cohort (libs/pipeline/batch).
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/core/parallel.hpp"
#include "myo/pipeline/batch.hpp"

namespace myo::app {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop = true; }

struct BatchArgs {
  pipeline::BatchOptions options;
  std::string shard;
  bool no_progress = false;
};

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string output;
};

}  // namespace

CommandRunner add_batch_command(CLI::App& root) {
  auto args = std::make_shared<BatchArgs>();
  auto& o = args->options;
  auto* cmd = root.add_subcommand(
      "batch", "Analyse every study under ROOT in parallel worker processes; gather cohort.csv and cohort.sqlite");
  cmd->add_option("ROOT", o.root, "Folder searched recursively for DICOM studies")->required();
  cmd->add_option("-o,--output", o.output, "Output folder: studies/<key>/, cohort.csv, cohort.sqlite, errors.csv")
      ->required();
  cmd->add_option("-j,--jobs", o.jobs, "Worker processes at a time")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->add_option("--threads", o.threads,
                  "Threads of each worker (default 0: the cores shared out over --jobs, at least 1 each)")
      ->check(CLI::Range(0U, core::kMaxThreads))
      ->option_text("N");
  cmd->add_option("--shard", args->shard,
                  "Process only shard I of N (I/N, 0 <= I < N), partitioned by a hash of the Study Instance UID");
  cmd->add_flag("--force", o.force, "Redo studies already done with the same software version and parameters");
  cmd->add_flag("!--no-figures", o.write_figures, "Passed to analyze: no figures (they need an X display)");
  cmd->add_flag("!--no-maps", o.write_maps, "Passed to analyze: no fat_fraction.nii.gz");
  cmd->add_flag("!--no-dicom", o.write_dicom, "Passed to analyze: no DICOM results");
  cmd->add_flag("--deidentify", o.deidentify, "Passed to analyze: DICOM results without patient identifiers");
  cmd->add_flag("--keep-worker-inputs", o.keep_worker_inputs, "Keep OUT/work/<key>/ (links to each study's files)");
  cmd->add_flag("--no-progress", args->no_progress, "Plain log lines even when stderr is a terminal");
  return [args]() -> int {
    auto options = args->options;
    if (!args->shard.empty()) options.shard = pipeline::parse_shard(args->shard);
    if (args->no_progress) options.progress_bar = false;
    options.verbose_workers = log::level() == log::Level::debug;
    // SIGTERM (Slurm's time limit, kill) and SIGINT: stop the workers, keep what is done, write the cohort.
    options.stop = &g_stop;
    std::signal(SIGTERM, on_stop_signal);
    std::signal(SIGINT, on_stop_signal);
    const auto summary = pipeline::run_batch(options);
    std::cout << (options.output / "cohort.csv").string() << '\n';
    return summary.exit_code;
  };
}

CommandRunner add_batch_merge_command(CLI::App& root) {
  auto args = std::make_shared<MergeArgs>();
  auto* cmd = root.add_subcommand("batch-merge",
                                  "Merge batch outputs (e.g. the shards of a Slurm array) into one folder and cohort");
  cmd->add_option("INPUTS", args->inputs, "Batch output folders")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("-o,--output", args->output, "Merged output folder")->required();
  return [args]() -> int {
    std::vector<std::filesystem::path> inputs(args->inputs.begin(), args->inputs.end());
    const auto summary = pipeline::merge_batches(inputs, args->output);
    log::info("merged: {} studies done, {} failed, {} done in more than one input (latest kept)", summary.studies,
              summary.failures, summary.conflicts);
    std::cout << (std::filesystem::path(args->output) / "cohort.csv").string() << '\n';
    return summary.failures ? core::kExitPartial : core::kExitOk;
  };
}

}  // namespace myo::app
