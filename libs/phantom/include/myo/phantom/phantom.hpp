#pragma once
// The study generator: hip-and-thigh MRI with known answers, written as real DICOM plus its truth.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/dicom/series_role.hpp"

namespace myo::phantom {

enum class Scenario { healthy, imnm, ibm, dm };
[[nodiscard]] const char* to_string(Scenario scenario);
[[nodiscard]] std::optional<Scenario> scenario_from_string(std::string_view text);

struct PhantomParams {
  dicom::Vendor vendor = dicom::Vendor::siemens;
  Scenario scenario = Scenario::imnm;
  unsigned seed = 1;
  bool dixon = true;          // false: clinical protocol with only T1 and STIR
  bool coronal_stir = false;  // add a coronal STIR series
  double noise_level = 1.0;   // multiplies the default noise standard deviation
  double dixon_voxel_mm = 1.5;  // in-plane spacing of the 3D Dixon; slices are twice as thick (raise to go faster)
  double clinical_pixel_mm = 1.3;  // in-plane spacing of the 2D T1/STIR series (raise to go faster)
  unsigned threads = 0;            // 0: the process-wide count (core::set_thread_count)
  // Dixon water/fat swap in a 70 mm ball centred on the lateral edge of the right thigh's muscle at mid-thigh, as
  // Dixon reconstructions produce far from the isocentre. The truth is unchanged (what a correct Dixon would give).
  bool swap_region = false;
  // Add the scanner's fat-fraction map (F/(W+F) of its own magnitude images, as a separate series: Siemens and GE in
  // tenths of a percent, Philips in percent).
  bool scanner_fat_fraction = false;
  // Add a multi-echo spin-echo series for water T2 (on the T1/STIR grid): echo_count echoes at TE = k x spacing.
  // Siemens (se_mc) and Philips (MSE) write the echoes in one series, GE one series per echo; see
  // libs/phantom/vendor_conventions.md. Water T2 per voxel: 32 ms in healthy muscle, up to 46 ms with edema; fat T2
  // 150 ms mixed in by the voxel's fat fraction.
  bool t2_multi_echo = false;
  int echo_count = 10;
  double echo_spacing_ms = 10.0;
  // Thighs that touch below the perineum (heavy thighs, obese habitus): where the skin of the two thighs comes within
  // a contact distance (12 mm plus the subcutaneous fat thickness) or their fat overlaps, the thighs are pressed
  // together, their subcutaneous fat meeting at a thin skin line halfway between them. Muscles, bones and truth
  // labels are unchanged.
  bool touching_thighs = false;
  // Raw Dixon echoes instead of the scanner's water/fat/in-phase/opposed-phase series (0: off): this many echoes
  // (2 to 6) of a multi-echo 3D gradient echo on the Dixon grid, TE = 1.15, 2.30, ... ms (fat and water opposed and in
  // phase in turn at 3 T), magnitude and phase as the vendor exports them (Siemens: a magnitude and a phase series;
  // GE: one series per echo holding both; Philips: one series holding all). Six-peak fat, R2* 30/s, a smooth field
  // map with a 240 Hz bump at the lateral right mid-thigh (see render.hpp). --swap-region does not apply to them.
  int raw_echoes = 0;
  // A later visit of the same patient (1: the first). Visit N, `months_after_first` months after the first: the same
  // PatientID, birth date and anatomy; its own StudyInstanceUID, StudyDate (the first visit's plus the months) and
  // noise; a disease course (disease.cpp, apply_disease_course: edema falling under treatment, fat rising slowly,
  // atrophy following the fat); the patient lying slightly differently on the table (position, height, rotation).
  int visit = 1;
  double months_after_first = 0;
};

struct GroupSideTruth {
  std::string group;
  std::string side;  // "right" | "left"
  int label = 0;
  double volume_ml = 0;
  double fat_fraction_pct = 0;    // mean PDFF over the group's voxels
  double edema_fraction_pct = 0;  // percent of the group's voxels with edema
  double fat_replaced_share_pct = 0;  // percent of the group's voxels above 50 % fat (Mercuri grades come from it)
  double fat_fraction_voxel_pct = 0;  // mean noise-free voxel PDFF, partial volume included (what Dixon can see)
  double target_fat_fraction_pct = 0;  // the scenario's target before spatial patterning (for information)
  double target_edema_pct = 0;
  std::optional<double> water_t2_ms;       // median water T2 of the group's muscle voxels (multi-echo studies only)
  std::optional<double> water_t2_mean_ms;  // their mean
};

struct PhantomTruth {
  core::LabelVolume labels;  // muscle labels in the reference (Dixon water, or T1 without Dixon) geometry
  std::vector<GroupSideTruth> groups;
  std::string reference_series_description;
  std::vector<std::string> series_descriptions;  // every written series, in series-number order
};

struct PhantomResult {
  std::filesystem::path dicom_directory;
  std::vector<std::filesystem::path> files;
  PhantomTruth truth;
};

// Generates the study into `output_directory`/dicom and writes truth (labels.nii.gz, truth.json) beside it.
PhantomResult generate_study(const PhantomParams& params, const std::filesystem::path& output_directory);

}  // namespace myo::phantom
