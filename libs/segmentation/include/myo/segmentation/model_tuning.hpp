#pragma once
// Tuning the muscle model's head on a site's corrected studies (`myoscope model-tune`): the frozen network computes
// the head's input features once per slice; the 1x1 head is retrained on them by full-batch gradient descent
// (cross-entropy, Adam), and models are compared by Dice per muscle group on slices they were not tuned on.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/segmentation/muscle_model.hpp"
#include "myo/segmentation/segment.hpp"

namespace myo::segmentation {

// What a reference label says of a pixel: one of the model's classes (a muscle label, or a group of one muscle), or
// only that it is one of several (a group label: corrections may be drawn per group). Target 0 is background.
struct TuningTargets {
  std::vector<std::vector<std::uint8_t>> classes;  // per target: the model classes it allows
  std::vector<std::size_t> group;                  // per target: catalogue group index + 1 (0: background)
  std::vector<std::uint8_t> of_label;              // per catalogue label value: its target (0 when unknown)
};
[[nodiscard]] TuningTargets tuning_targets(const MuscleModel& model);

// One view of one slice as the network sees it, with the reference labels on the same pixels.
struct TuningSlice {
  int rows = 0, columns = 0;
  std::vector<float> pixels;          // scaled for the network (scale_for_network)
  std::vector<std::uint8_t> targets;  // per pixel (TuningTargets)
};

// Every slice and view segment_muscle_groups would run through `model` (same grid, windows and scaling), with
// `labels` (catalogue muscle or group labels on the images' grid, both sides) at the nearest voxel of each pixel.
// Throws core::MyoError as segment_muscle_groups does, or naming `labels_origin` when the labels are on another grid.
[[nodiscard]] std::vector<TuningSlice> tuning_slices(const SegmentationInput& input,
                                                     const core::LabelVolume& labels,
                                                     const std::string& labels_origin, const MuscleModel& model,
                                                     const SegmentationParams& params = {});

struct HeadTuningParams {
  int iterations = 300;
  double learning_rate = 0.01;      // Adam's step
  double anchor_weight = 1e-3;      // L2 pull towards the base head: the tuned model stays near what was validated
  std::uint64_t seed = 1;           // which pixels are sampled
  std::size_t max_pixels = 300000;  // pixels sampled uniformly over all slices (the classes' shares kept as they are)
};

// Head features and reference targets of a deterministic sample of pixels (for a given seed, whatever the threads).
struct HeadBatch {
  int channels = 0;
  std::vector<float> features;                            // [channel][pixel]
  std::vector<std::uint8_t> targets;                      // [pixel]
  std::vector<std::vector<std::uint8_t>> target_classes;  // TuningTargets::classes
  [[nodiscard]] std::size_t pixels() const { return targets.size(); }
};
[[nodiscard]] HeadBatch head_batch(const std::vector<TuningSlice>& slices, const MuscleModel& model,
                                   const HeadTuningParams& params, unsigned threads = 0);

// Mean cross-entropy of `head` on the batch (of a pixel's target: -log of the summed probability of the classes it
// allows) plus anchor_weight/2 * |head - anchor|^2; its gradient in `gradient` when
// not null.
[[nodiscard]] double head_loss(const HeadBatch& batch, const ModelHead& head, const ModelHead& anchor,
                               double anchor_weight, ModelHead* gradient);

// `start` after params.iterations full-batch Adam steps on head_loss (anchored at `start`).
[[nodiscard]] ModelHead tune_head(const HeadBatch& batch, const ModelHead& start, const HeadTuningParams& params);

// Pixels counted per muscle group (the catalogue's, sides together) for one or more heads against the reference.
struct GroupAgreement {
  std::vector<std::string> groups;  // catalogue order
  std::vector<std::size_t> both, predicted, reference;
  [[nodiscard]] double dice(std::size_t group) const;  // NaN when the group is in neither
  [[nodiscard]] double mean_dice() const;              // over the groups the reference holds
};

// Agreement of each of `heads` (on `model`'s frozen features) with the slices' reference, every pixel.
[[nodiscard]] std::vector<GroupAgreement> group_agreement(const std::vector<TuningSlice>& slices,
                                                          const MuscleModel& model,
                                                          const std::vector<ModelHead>& heads, unsigned threads = 0);

}  // namespace myo::segmentation
