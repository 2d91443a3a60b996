// myoscope phantom: generate a synthetic hip-and-thigh MRI study (DICOM) with its known answers (truth/).
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "commands.hpp"
#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/dicom/series_role.hpp"
#include "myo/phantom/phantom.hpp"

namespace myo::app {

namespace {

struct PhantomOptions {
  std::string output;
  std::string vendor = "siemens";
  std::string scenario = "imnm";
  unsigned seed = 1;
  bool no_dixon = false;
  bool coronal_stir = false;
  bool swap_region = false;
  bool touching_thighs = false;
  int raw_echoes = 0;
  bool scanner_ff = false;
  bool t2_multi_echo = false;
  int echo_count = 10;
  double echo_spacing_ms = 10.0;
  double noise = 1.0;
  double dixon_voxel_mm = 1.5;
  double clinical_pixel_mm = 1.3;
  int visit = 1;
  double months = 0;
};

}  // namespace

CommandRunner add_phantom_command(CLI::App& root) {
  auto options = std::make_shared<PhantomOptions>();
  auto* cmd = root.add_subcommand("phantom", "Generate a synthetic hip-and-thigh MRI study (DICOM) with known answers");
  cmd->add_option("-o,--output", options->output, "Output folder (receives dicom/ and truth/)")->required();
  const std::map<std::string, dicom::Vendor> vendors{
      {"siemens", dicom::Vendor::siemens}, {"philips", dicom::Vendor::philips}, {"ge", dicom::Vendor::ge}};
  const std::map<std::string, phantom::Scenario> scenarios{{"healthy", phantom::Scenario::healthy},
                                                           {"imnm", phantom::Scenario::imnm},
                                                           {"ibm", phantom::Scenario::ibm},
                                                           {"dm", phantom::Scenario::dm}};
  cmd->add_option("--vendor", options->vendor, "Vendor conventions of the DICOM export")
      ->check(CLI::IsMember({"siemens", "philips", "ge"}))
      ->capture_default_str();
  cmd->add_option("--scenario", options->scenario, "Disease pattern")
      ->check(CLI::IsMember({"healthy", "imnm", "ibm", "dm"}))
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Seed: the same seed gives a bit-identical study")->capture_default_str();
  cmd->add_flag("--no-dixon", options->no_dixon, "Clinical protocol without Dixon (T1 and STIR only)");
  cmd->add_flag("--coronal-stir", options->coronal_stir, "Add a coronal STIR series");
  cmd->add_flag("--t2-multi-echo", options->t2_multi_echo,
                "Add a multi-echo spin-echo series for water T2 (Siemens/Philips: one series, GE: one series per echo)");
  cmd->add_option("--echoes", options->echo_count, "Echoes of the multi-echo series")->check(CLI::Range(3, 16));
  cmd->add_option("--echo-spacing-ms", options->echo_spacing_ms, "Echo spacing of the multi-echo series (ms)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--scanner-ff", options->scanner_ff,
                "Add the scanner's fat-fraction map series (Siemens/GE tenths of a percent, Philips percent)");
  cmd->add_flag("--swap-region", options->swap_region,
                "Swap Dixon water and fat in a 70 mm ball at the lateral right mid-thigh (truth unchanged)");
  cmd->add_flag("--touching-thighs", options->touching_thighs,
                "Thighs pressed together below the perineum, as in heavy or obese patients (truth unchanged)");
  cmd->add_option("--raw-echoes", options->raw_echoes,
                  "Write N raw multi-echo gradient-echo echoes (magnitude and phase, TE 1.15 ms apart) instead of the "
                  "scanner's Dixon water/fat/in-phase/opposed-phase series")
      ->check(CLI::Range(2, 6))
      ->excludes(cmd->get_option("--no-dixon"));
  cmd->add_option("--noise", options->noise, "Noise level (multiplies the default standard deviation)")
      ->check(CLI::Range(0.0, 20.0))
      ->capture_default_str();
  cmd->add_option("--dixon-voxel-mm", options->dixon_voxel_mm, "Dixon in-plane spacing (slices are twice as thick)")
      ->check(CLI::Range(0.5, 20.0))
      ->capture_default_str();
  cmd->add_option("--clinical-pixel-mm", options->clinical_pixel_mm, "In-plane spacing of the T1/STIR series")
      ->check(CLI::Range(0.5, 20.0))
      ->capture_default_str();
  cmd->add_option("--visit", options->visit,
                  "Visit number of the same patient (1: the first); later visits need --months")
      ->check(CLI::Range(1, 99))
      ->capture_default_str();
  cmd->add_option("--months", options->months,
                  "Months after the first visit: new study and date, edema falling under treatment, fat rising, "
                  "the patient repositioned")
      ->check(CLI::Range(0.0, 600.0));
  return [options, vendors, scenarios] {
    if ((options->visit > 1) != (options->months > 0))
      throw core::MyoError("--months", "a later visit (--visit 2 or more) needs --months above 0, and the first none",
                           core::ErrorKind::usage);
    phantom::PhantomParams params;
    params.vendor = vendors.at(options->vendor);
    params.scenario = scenarios.at(options->scenario);
    params.seed = options->seed;
    params.dixon = !options->no_dixon;
    params.coronal_stir = options->coronal_stir;
    params.swap_region = options->swap_region;
    params.scanner_fat_fraction = options->scanner_ff;
    params.t2_multi_echo = options->t2_multi_echo;
    params.echo_count = options->echo_count;
    params.echo_spacing_ms = options->echo_spacing_ms;
    params.touching_thighs = options->touching_thighs;
    params.raw_echoes = options->raw_echoes;
    params.noise_level = options->noise;
    params.dixon_voxel_mm = options->dixon_voxel_mm;
    params.clinical_pixel_mm = options->clinical_pixel_mm;
    params.visit = options->visit;
    params.months_after_first = options->months;
    try {
      const auto result = phantom::generate_study(params, options->output);
      log::info("phantom: wrote {} DICOM files", result.files.size());
      std::cout << options->output << '\n';
      return core::kExitOk;
    } catch (const core::MyoError& e) {
      log::error("{}", e.what());
      return core::kExitOutputError;
    }
  };
}

}  // namespace myo::app
