// myoscope convert PATH -o DIR [-z y|n]: every series as NIfTI (.nii.gz or .nii) with a JSON sidecar.
#include <iostream>
#include <memory>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "commands.hpp"
#include "myo/dicom/convert.hpp"

namespace myo::app {
namespace {

struct ConvertArgs {
  std::string path;
  std::string output;
  bool skip_localizers = false;
  bool philips_display = false;
  bool stitch = false;
  std::string gzip = "y";
  int compression_level = 6;
};

// Convert allocates and frees one series' volumes after another, each larger than glibc's mmap threshold: every
// series then maps fresh pages and faults them in again, a third of the CPU time on a typical study. Kept on the
// heap and never trimmed, each series reuses the pages of the one before.
void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);  // (unsigned) -1: never give the heap's top back
#endif
}

}  // namespace

CommandRunner add_convert_command(CLI::App& root) {
  auto args = std::make_shared<ConvertArgs>();
  auto* cmd = root.add_subcommand("convert", "Convert every DICOM series under PATH to NIfTI (.nii.gz or .nii; 4D for repeated positions) plus a JSON sidecar");
  cmd->add_option("path", args->path, "Folder, DICOMDIR or DICOM file")->required();
  cmd->add_option("-o,--output", args->output, "Output folder")->required();
  add_threads_option(*cmd);
  cmd->add_flag("--skip-localizers", args->skip_localizers, "Do not convert localizer series");
  cmd->add_option("-z,--gzip", args->gzip, "y: .nii.gz (default), n: uncompressed .nii (as dcm2niix -z)")
      ->check(CLI::IsMember({"y", "n"}));
  cmd->add_option("--compression-level", args->compression_level,
                  "gzip level, 1 (fastest) .. 12 (smallest); 6 (default) is dcm2niix's")
      ->check(CLI::Range(1, 12));
  cmd->add_flag("--stitch", args->stitch, "Also write one stitched volume per set of table positions of one contrast");
  cmd->add_flag("--philips-display-values", args->philips_display,
                "Philips: write the displayed values (RescaleSlope only) instead of the floating-point values (as dcm2niix)");
  return [args] {
    keep_freed_memory_for_reuse();
    dicom::ConvertOptions options;
    options.output_dir = args->output;
    options.skip_localizers = args->skip_localizers;
    options.load.philips_float_scaling = !args->philips_display;
    options.stitch_stations = args->stitch;
    options.gzip = args->gzip == "y";
    options.nifti.compression_level = args->compression_level;
    const auto result = dicom::convert(args->path, options);
    std::cout << dicom::format_convert_summary(result);
    return dicom::convert_exit_code(result);
  };
}

}  // namespace myo::app
