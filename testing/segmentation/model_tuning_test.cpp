// The maths of `myoscope model-tune` (libs/segmentation/src/model_tuning.cpp) on small hand-made batches, and the
// tuned model's file round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "myo/segmentation/model_tuning.hpp"
#include "myo/segmentation/muscle_model.hpp"

using namespace myo;
using segmentation::HeadBatch;
using segmentation::ModelHead;

namespace {

HeadBatch random_batch(int channels, int classes, std::size_t pixels, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0.0F, 1.0F);
  HeadBatch b;
  b.channels = channels;
  for (std::size_t i = 0; i < static_cast<std::size_t>(channels) * pixels; ++i) b.features.push_back(value(rng));
  // Targets 0..classes-1 are the single classes; the last allows classes 1 and 2 (as a group label does).
  for (int c = 0; c < classes; ++c) b.target_classes.push_back({static_cast<std::uint8_t>(c)});
  b.target_classes.push_back({1, 2});
  for (std::size_t p = 0; p < pixels; ++p) b.targets.push_back(static_cast<std::uint8_t>(rng() % (classes + 1)));
  return b;
}

ModelHead random_head(int inputs, int classes, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0.0F, 0.5F);
  ModelHead h{inputs, classes, {}, {}};
  for (int i = 0; i < inputs * classes; ++i) h.weight.push_back(value(rng));
  for (int c = 0; c < classes; ++c) h.bias.push_back(value(rng));
  return h;
}

// Central difference of head_loss along one parameter (the i-th weight, or the i-th bias).
double numeric_derivative(const HeadBatch& batch, ModelHead head, const ModelHead& anchor, bool bias, std::size_t i,
                          double step) {
  float* p = bias ? &head.bias[i] : &head.weight[i];
  const float original = *p;
  *p = static_cast<float>(original + step);
  const double up = segmentation::head_loss(batch, head, anchor, 0.1, nullptr);
  *p = static_cast<float>(original - step);
  const double down = segmentation::head_loss(batch, head, anchor, 0.1, nullptr);
  return (up - down) / (2 * step);
}

double accuracy(const HeadBatch& batch, const ModelHead& head) {
  std::size_t right = 0;
  const auto n = batch.pixels();
  for (std::size_t p = 0; p < n; ++p) {
    int best = 0;
    double best_logit = -1e30;
    for (int c = 0; c < head.classes; ++c) {
      double logit = head.bias[static_cast<std::size_t>(c)];
      for (int i = 0; i < head.inputs; ++i)
        logit += head.weight[static_cast<std::size_t>(c * head.inputs + i)] * batch.features[i * n + p];
      if (logit > best_logit) best_logit = logit, best = c;
    }
    right += best == batch.targets[p] ? 1 : 0;
  }
  return static_cast<double>(right) / static_cast<double>(n);
}

}  // namespace

// The analytic gradient of cross-entropy (single-class and two-class targets) plus the anchor term matches finite
// differences for every weight and bias: a transposed product or a missing 1/n in head_loss shows here.
TEST(ModelTuning, HeadGradientMatchesFiniteDifferences) {
  const auto batch = random_batch(4, 3, 64, 1);
  const auto head = random_head(4, 3, 2);
  const auto anchor = random_head(4, 3, 3);
  ModelHead gradient;
  static_cast<void>(segmentation::head_loss(batch, head, anchor, 0.1, &gradient));
  for (std::size_t i = 0; i < head.weight.size(); ++i) {
    const double numeric = numeric_derivative(batch, head, anchor, false, i, 1e-2);
    EXPECT_NEAR(gradient.weight[i], numeric, 2e-3 + 1e-2 * std::abs(numeric)) << "weight " << i;
  }
  for (std::size_t c = 0; c < head.bias.size(); ++c) {
    const double numeric = numeric_derivative(batch, head, anchor, true, c, 1e-2);
    EXPECT_NEAR(gradient.bias[c], numeric, 2e-3 + 1e-2 * std::abs(numeric)) << "bias " << c;
  }
}

// A separable batch (the class is the largest feature) is learnt from a head that knows nothing, and the same
// inputs give the same head bit for bit.
TEST(ModelTuning, TuningLearnsASeparableBatchDeterministically) {
  auto batch = random_batch(3, 3, 600, 4);
  const auto n = batch.pixels();
  for (std::size_t p = 0; p < n; ++p) {
    int best = 0;
    for (int c = 1; c < 3; ++c)
      if (batch.features[c * n + p] > batch.features[best * n + p]) best = c;
    batch.targets[p] = static_cast<std::uint8_t>(best);
  }
  const ModelHead start{3, 3, std::vector<float>(9, 0.0F), std::vector<float>(3, 0.0F)};
  segmentation::HeadTuningParams params;
  params.iterations = 200;
  params.learning_rate = 0.05;
  params.anchor_weight = 0;
  const auto tuned = segmentation::tune_head(batch, start, params);
  EXPECT_LT(segmentation::head_loss(batch, tuned, start, 0, nullptr),
            0.5 * segmentation::head_loss(batch, start, start, 0, nullptr));
  EXPECT_GT(accuracy(batch, tuned), 0.95);
  const auto again = segmentation::tune_head(batch, start, params);
  EXPECT_EQ(again.weight, tuned.weight);
  EXPECT_EQ(again.bias, tuned.bias);
}

// A tuned head survives the model file (half floats) and the file records the tuning and its own check output; the base's own head written
// back unchanged gives the same tensors bit for bit.
TEST(ModelTuning, TunedHeadRoundTripsThroughTheModelFile) {
  const auto& base = segmentation::MuscleModel::builtin();
  const auto same = base.with_head(base.head(), R"({"seed": 7, "tuned_studies": 3})");
  EXPECT_EQ(same.head().weight, base.head().weight);
  EXPECT_EQ(same.head().bias, base.head().bias);
  EXPECT_NE(same.description().find("tuned on 3"), std::string::npos) << same.description();

  auto head = base.head();
  for (auto& w : head.weight) w *= 1.5F;
  const auto tuned = segmentation::MuscleModel::parse(base.with_head(head, "{}").file_bytes(), "tuned");
  for (std::size_t i = 0; i < head.weight.size(); ++i)
    EXPECT_NEAR(tuned.head().weight[i], head.weight[i], 1e-3 * std::abs(head.weight[i]) + 1e-6);
  EXPECT_NE(tuned.file_bytes(), base.file_bytes());
  // The header's check output is the tuned model's own: analyze's self-check of a model file holds for it.
  const auto means = tuned.run_check();
  for (std::size_t c = 0; c < means.size(); ++c)
    EXPECT_NEAR(means[c], tuned.check_class_means()[c], 1e-6) << tuned.classes()[c];
}

// with_head parses the tuned file once and then rewrites its header: the model it returns is the one its own file
// holds, byte ranges included (tuning it again gives the same file as tuning a copy read back from that file).
TEST(ModelTuning, TunedModelIsTheOneItsFileHolds) {
  const auto& base = segmentation::MuscleModel::builtin();
  auto head = base.head();
  for (auto& w : head.weight) w *= 1.5F;
  const auto direct = base.with_head(head, R"({"seed": 7, "tuned_studies": 3})");
  const auto reread = segmentation::MuscleModel::parse(direct.file_bytes(), "tuned");
  EXPECT_EQ(direct.check_class_means(), reread.check_class_means());
  EXPECT_EQ(direct.description(), reread.description());
  EXPECT_EQ(direct.with_head(head, "{}").file_bytes(), reread.with_head(head, "{}").file_bytes());
}
