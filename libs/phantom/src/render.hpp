#pragma once
// Sampling the synthetic body into a series grid: tissue physics -> contrast, partial volume by supersampling
// boundary voxels, a smooth coil bias field per series and Rician noise. Private to libs/phantom.
#include <cstdint>
#include <optional>
#include <vector>

#include "anatomy.hpp"
#include "myo/core/volume.hpp"

namespace myo::phantom::detail {

struct RenderRequest {
  core::Geometry geometry;
  bool dixon = false;      // water, fat, in-phase, opposed-phase
  bool t1 = false;         // T1-weighted spin echo
  bool stir = false;       // short-tau inversion recovery
  bool localizer = false;  // gradient-echo survey
  bool truth = false;      // record the labels / fat fraction / edema at voxel centres
  double slice_thickness_mm = 0;  // 0: the slice spacing (contiguous 3D); partial volume spans the thickness
  double stir_ti_ms = 220;
  double swap_radius_mm = 0;  // > 0: water and fat images exchanged inside this ball (a Dixon water/fat swap)
  core::Vec3 swap_centre_mm{};
  // Multi-echo spin echo (T2 mapping): one image per echo time (at most kMaxEchoes), TR kMeseTrMs. Water T2 per voxel
  // from the tissue (muscle: kMuscleWaterT2Ms healthy, up to kEdemaWaterT2Ms with edema), fat T2 kMeseFatT2Ms mixed
  // in by the voxel's fat fraction; pure multi-exponential decay (no stimulated echoes).
  std::vector<double> echo_times_ms;
  // Raw Dixon echoes (multi-echo gradient echo, complex): per echo time (at most kMaxEchoes) the voxel's water and
  // fat (six-peak fat spectrum at field_strength_t) under a smooth field map (see raw_echo_field_hz), R2* kRawEchoR2s
  // and a smooth receive phase, with complex noise from its own stream (the other images are unchanged by it).
  std::vector<double> raw_echo_times_ms;
  double field_strength_t = 3.0;
  core::Vec3 field_bump_centre_mm{};  // where the field map peaks (far from the isocentre: the lateral right thigh)
  double noise_level = 1.0;
  std::uint64_t seed = 1;  // noise and bias field
  unsigned threads = 0;
};

constexpr std::size_t kMaxEchoes = 16;
constexpr double kMeseTrMs = 4000.0;  // TR of the multi-echo series: its DICOM tag, its signal and the truth agree
constexpr double kMuscleWaterT2Ms = 32.0;  // healthy thigh muscle water T2 at 3 T (domain notes: 30-35 ms)
constexpr double kEdemaWaterT2Ms = 46.0;   // fully edematous muscle (raised water T2 of myositis)
constexpr double kMeseFatT2Ms = 150.0;     // fat T2 as seen by multi-echo spin echo (EPG fits use ~151 ms)
constexpr double kRawEchoR2s = 30.0;       // R2* of every tissue in the raw Dixon echoes (1/s)
constexpr double kFieldBumpHz = 240.0;     // the field map's peak above its smooth background (Hz)
constexpr double kFieldBumpSigmaMm = 60.0;

// The off-resonance field of the raw Dixon echoes at a point (Hz): a smooth background (a few tens of Hz, as after
// shimming) plus a bump of kFieldBumpHz around `bump_centre`, more than a quarter of the field period of echoes
// 1.15 ms apart at 3 T: choosing the field closest to zero voxel by voxel would swap water and fat there.
[[nodiscard]] double raw_echo_field_hz(const core::Vec3& p, const core::Vec3& bump_centre);

struct Rendered {
  core::ImageVolume water, fat, in_phase, opposed_phase, t1, stir, localizer;
  std::vector<core::ImageVolume> echoes;  // multi-echo spin echo, one per RenderRequest::echo_times_ms
  std::vector<core::ImageVolume> raw_magnitude, raw_phase_rad;  // raw Dixon echoes, one per raw_echo_times_ms
  core::LabelVolume labels;
  std::vector<float> truth_fat_fraction;  // per voxel, tissue PDFF at the centre (0..1)
  std::vector<float> truth_voxel_fat_fraction;  // per voxel, noise-free PDFF of the whole voxel (partial volume)
  std::vector<std::uint8_t> truth_edema;
  std::vector<float> truth_water_t2_ms;  // per voxel, muscle water T2 at the centre (0 outside muscle)
  std::vector<std::uint8_t> truth_tissue;
};

[[nodiscard]] Rendered render(const Anatomy& anatomy, const RenderRequest& request);

}  // namespace myo::phantom::detail
