#include "myo/segmentation/segment.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "inference.hpp"
#include "labelling.hpp"
#include "landmarks.hpp"
#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/segmentation/muscle_model.hpp"

namespace myo::segmentation {
namespace {

using Views = detail::NetworkSetup;

Views choose_views(const SegmentationInput& input, bool dixon_both_views) {
  Views v;
  if (input.water != nullptr && input.fat != nullptr) {
    if (!input.fat->geometry.same_grid_within_voxels(input.water->geometry))
      throw core::MyoError("segmentation", "the Dixon fat image is not on the water image's grid");
    v.network = {input.water};
    if (dixon_both_views) v.network.push_back(input.fat);
    v.anatomy = *input.water;
    for (std::size_t i = 0; i < v.anatomy.voxels.size(); ++i) v.anatomy.voxels[i] += input.fat->voxels[i];
    v.description = dixon_both_views ? "Dixon water and fat images, each through the network, probabilities averaged"
                                     : "Dixon water image";
  } else if (const auto* single = input.t1 != nullptr ? input.t1 : input.water != nullptr ? input.water : input.stir) {
    v.network = {single};
    v.anatomy = *single;
    v.description = single == input.t1      ? "T1-weighted image"
                    : single == input.water ? "Dixon water image"
                                            : "STIR image";
  } else {
    throw core::MyoError("segmentation", "no series to segment (needs Dixon water/fat, T1 or STIR)");
  }
  return v;
}

void check_axial(const core::Geometry& g) {
  if (std::abs(g.direction[8]) < 0.9)
    throw core::MyoError("segmentation", "the reference series is not axial; the muscle model reads axial slices");
}

// Wall time of the stages, in the debug log (`-v`).
class Stopwatch {
 public:
  void lap(const char* stage) {
    const auto now = std::chrono::steady_clock::now();
    log::debug("segmentation: {} {:.2f} s", stage, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// LPS x below which voxels are on the patient's right: the midline, or beyond the body when one thigh is alone.
double side_split_x(const Landmarks& landmarks) {
  constexpr double kBeyondBodyMm = 1e6;
  if (!landmarks.single_limb) return landmarks.midline_x_mm;
  return *landmarks.single_limb == core::Side::right ? kBeyondBodyMm : -kBeyondBodyMm;
}

void flag_warnings(SegmentationResult& result) {
  for (const auto& c : result.confidence) {
    if (!c.flagged) continue;
    const auto* m = core::MuscleCatalog::instance().find_muscle(c.muscle);
    result.warnings.push_back(
        fmt::format("low confidence in the {} {} ({:.2f}): check its outline before relying on its numbers",
                    core::to_string(c.side), m ? m->display_name : c.muscle, c.confidence));
  }
}

}  // namespace

detail::NetworkSetup detail::network_setup(const SegmentationInput& input, const MuscleModel& model,
                                           const SegmentationParams& params) {
  auto setup = choose_views(input, params.dixon_both_views);
  const core::Geometry& g = setup.network.front()->geometry;
  check_axial(g);
  setup.body_threshold = detail::body_threshold(setup.anatomy);
  setup.extents = detail::body_extents(setup.anatomy, setup.body_threshold);
  setup.grid = detail::network_grid(setup.extents, model.pixel_mm(), model.alignment(), params.body_margin_mm);
  setup.schedule = detail::inference_schedule(g, params.max_inference_step_mm);
  return setup;
}

SegmentationResult segment_muscle_groups(const SegmentationInput& input, const SegmentationParams& params) {
  Stopwatch clock;
  const MuscleModel& model = params.model != nullptr ? *params.model : MuscleModel::builtin();
  const auto views = detail::network_setup(input, model, params);
  const core::Geometry& g = views.network.front()->geometry;
  const float body_threshold = views.body_threshold;
  const auto& extents = views.extents;
  const auto& grid = views.grid;
  const auto& schedule = views.schedule;
  clock.lap("grid");
  const auto slices = detail::infer_slices(views.network, views.anatomy, body_threshold, grid, schedule, model,
                                           params.body_margin_mm, params.threads);
  clock.lap("network");
  const int classes = static_cast<int>(model.classes().size());
  const auto voxels = detail::classify_voxels(g, grid, slices, classes, params.threads);
  clock.lap("voxels");

  SegmentationResult result;
  result.landmarks.midline_x_mm = detail::body_midline_x(extents);
  const auto separate = detail::separate_thighs(views.anatomy, body_threshold);
  result.landmarks.single_limb = detail::single_limb_side(extents, separate);
  const double split_x = side_split_x(result.landmarks);
  const auto crotch = detail::crotch_z(g, separate);
  const auto muscles = detail::catalogue_muscles(model.classes());
  result.muscle_labels = detail::muscle_labels(g, voxels, muscles, split_x, params.min_reported_volume_ml);
  clock.lap("muscle labels");
  result.labels = detail::group_labels(result.muscle_labels);
  result.landmarks.crotch_z_mm = detail::plausible_crotch(crotch, result.muscle_labels);
  result.bone = detail::enclosed_femur(result.muscle_labels);
  result.confidence_flag_below =
      views.network.size() > 1 ? params.flag_confidence_two_views : params.flag_confidence_one_view;
  result.confidence = detail::muscle_confidence(result.muscle_labels, voxels, grid, slices, muscles, split_x,
                                                result.confidence_flag_below);
  clock.lap("bone and confidence");
  result.method =
      fmt::format("{}; {} of {} slices through the network on a {} x {} grid of {:g} mm ({})", model.description(),
                  schedule.size(), g.size[2], grid.columns, grid.rows, grid.pixel_mm, views.description);
  if (schedule.size() < g.size[2])
    result.notes.push_back(
        fmt::format("slices {:g} mm apart: every {:.1f} mm through the network, probabilities "
                    "interpolated between",
                    g.spacing_mm[2],
                    g.spacing_mm[2] * static_cast<double>(g.size[2] - 1) / static_cast<double>(schedule.size() - 1)));
  if (!result.landmarks.crotch_z_mm)
    result.notes.push_back("crotch not found in the images: levels are scanner positions (LPS z)");
  if (const auto side = result.landmarks.single_limb)
    result.warnings.push_back(
        fmt::format("one thigh alone in the images: labelled as the {} thigh from where it lies "
                    "(LPS x {:.0f} mm from the table's centre); check the side",
                    core::to_string(*side), result.landmarks.midline_x_mm));
  flag_warnings(result);
  return result;
}

}  // namespace myo::segmentation
