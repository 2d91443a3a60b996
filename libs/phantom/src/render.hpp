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
  double noise_level = 1.0;
  std::uint64_t seed = 1;  // noise and bias field
  unsigned threads = 0;
};

constexpr std::size_t kMaxEchoes = 16;
constexpr double kMeseTrMs = 4000.0;  // TR of the multi-echo series: its DICOM tag, its signal and the truth agree
constexpr double kMuscleWaterT2Ms = 32.0;  // healthy thigh muscle water T2 at 3 T (domain notes: 30-35 ms)
constexpr double kEdemaWaterT2Ms = 46.0;   // fully edematous muscle (raised water T2 of myositis)
constexpr double kMeseFatT2Ms = 150.0;     // fat T2 as seen by multi-echo spin echo (EPG fits use ~151 ms)

struct Rendered {
  core::ImageVolume water, fat, in_phase, opposed_phase, t1, stir, localizer;
  std::vector<core::ImageVolume> echoes;  // multi-echo spin echo, one per RenderRequest::echo_times_ms
  core::LabelVolume labels;
  std::vector<float> truth_fat_fraction;  // per voxel, tissue PDFF at the centre (0..1)
  std::vector<float> truth_voxel_fat_fraction;  // per voxel, noise-free PDFF of the whole voxel (partial volume)
  std::vector<std::uint8_t> truth_edema;
  std::vector<float> truth_water_t2_ms;  // per voxel, muscle water T2 at the centre (0 outside muscle)
  std::vector<std::uint8_t> truth_tissue;
};

[[nodiscard]] Rendered render(const Anatomy& anatomy, const RenderRequest& request);

}  // namespace myo::phantom::detail
