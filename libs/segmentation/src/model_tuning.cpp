#include "myo/segmentation/model_tuning.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "inference.hpp"
#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/parallel.hpp"
#include "unet.hpp"

namespace myo::segmentation {
namespace {

// The reference target at each window pixel of slice k: that of the nearest voxel's label (background outside).
std::vector<std::uint8_t> targets_on_window(const core::LabelVolume& labels, const detail::SlicePlane& plane,
                                            const detail::NetworkGrid& grid, int k, const detail::Window& w,
                                            const std::vector<std::uint8_t>& table) {
  const auto& g = labels.geometry;
  std::vector<std::uint8_t> out(static_cast<std::size_t>(w.rows) * w.columns, 0);
  for (int r = 0; r < w.rows; ++r)
    for (int c = 0; c < w.columns; ++c) {
      double i = 0, j = 0;
      plane.index_of(grid.x0_mm + (c + w.col0) * grid.pixel_mm, grid.y0_mm + (r + w.row0) * grid.pixel_mm, k, i, j);
      const auto ii = std::lround(i), jj = std::lround(j);
      if (ii < 0 || jj < 0 || ii >= static_cast<long>(g.size[0]) || jj >= static_cast<long>(g.size[1])) continue;
      const auto label = labels.voxels[g.linear_index(static_cast<std::size_t>(ii), static_cast<std::size_t>(jj),
                                                      static_cast<std::size_t>(k))];
      if (label < table.size()) out[static_cast<std::size_t>(r) * w.columns + c] = table[label];
    }
  return out;
}

// A uniform number in [0, 1) from (seed, slice, pixel): the sample does not depend on which thread drew it.
double unit_hash(std::uint64_t seed, std::uint64_t slice, std::uint64_t pixel) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + slice * 0xBF58476D1CE4E5B9ULL + pixel * 0x94D049BB133111EBULL;
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  z ^= z >> 31U;
  return static_cast<double>(z >> 11U) * 0x1.0p-53;
}

// Logits [class][pixel] of `head` over features [channel][pixel].
std::vector<float> head_logits(const ModelHead& head, const float* features, std::size_t pixels) {
  std::vector<float> logits(static_cast<std::size_t>(head.classes) * pixels);
  for (int c = 0; c < head.classes; ++c)
    std::fill_n(logits.begin() + static_cast<std::ptrdiff_t>(c * pixels), pixels, head.bias[static_cast<std::size_t>(c)]);
  const auto n = static_cast<int>(pixels);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, head.classes, n, head.inputs, 1.0F, head.weight.data(),
              head.inputs, features, n, 1.0F, logits.data(), n);
  return logits;
}

// The class with the highest logit at each pixel.
std::vector<std::uint8_t> argmax_classes(const std::vector<float>& logits, int classes, std::size_t pixels) {
  std::vector<std::uint8_t> out(pixels, 0);
  for (std::size_t p = 0; p < pixels; ++p)
    for (int c = 1; c < classes; ++c)
      if (logits[c * pixels + p] > logits[out[p] * pixels + p]) out[p] = static_cast<std::uint8_t>(c);
  return out;
}

// Calls body(i, features) with the head features [channel][pixel] of each slice i, slices in parallel.
void with_head_features(const std::vector<TuningSlice>& slices, const MuscleModel& model, unsigned threads,
                        const std::function<void(std::size_t, const std::vector<float>&)>& body) {
  core::parallel_for(
      static_cast<int>(slices.size()),
      [&](int i) {
        const auto& s = slices[static_cast<std::size_t>(i)];
        std::vector<float> features;
        model.head_features(s.pixels.data(), s.rows, s.columns, features);
        body(static_cast<std::size_t>(i), features);
      },
      threads);
}

}  // namespace

TuningTargets tuning_targets(const MuscleModel& model) {
  const auto& catalog = core::MuscleCatalog::instance();
  TuningTargets t;
  t.classes = {{0}};
  t.group = {0};
  int max_label = catalog.max_label();  // of the groups; muscle labels lie above
  for (const auto& m : catalog.muscles()) max_label = std::max({max_label, m.label_right, m.label_left});
  t.of_label.assign(static_cast<std::size_t>(max_label) + 1, 0);
  const auto group_index = [&](const std::string& name) {
    for (std::size_t g = 0; g < catalog.groups().size(); ++g)
      if (catalog.groups()[g].name == name) return g + 1;
    return std::size_t{0};
  };
  const auto set_labels = [&](int right, int left) {
    t.of_label[static_cast<std::size_t>(right)] = t.of_label[static_cast<std::size_t>(left)] =
        static_cast<std::uint8_t>(t.classes.size() - 1);
  };
  for (std::size_t c = 1; c < model.classes().size(); ++c)
    if (const auto* m = catalog.find_muscle(model.classes()[c])) {
      t.classes.push_back({static_cast<std::uint8_t>(c)});
      t.group.push_back(group_index(m->group));
      set_labels(m->label_right, m->label_left);
    }
  const std::size_t muscle_targets = t.classes.size();
  for (const auto& g : catalog.groups()) {
    std::vector<std::uint8_t> members;
    for (std::size_t target = 1; target < muscle_targets; ++target)
      if (t.group[target] == group_index(g.name)) members.push_back(t.classes[target].front());
    if (members.empty()) continue;
    t.classes.push_back(members);
    t.group.push_back(group_index(g.name));
    set_labels(g.label_right, g.label_left);
  }
  return t;
}

std::vector<TuningSlice> tuning_slices(const SegmentationInput& input, const core::LabelVolume& labels,
                                       const std::string& labels_origin, const MuscleModel& model,
                                       const SegmentationParams& params) {
  const auto setup = detail::network_setup(input, model, params);
  const auto& g = setup.network.front()->geometry;
  if (!labels.geometry.same_grid_within_voxels(g))
    throw core::MyoError(labels_origin, "the label map is not on the study's reference grid (" +
                                            labels.geometry.describe() + " vs " + g.describe() + ")");
  const auto table = tuning_targets(model).of_label;
  const detail::SlicePlane plane(g);
  std::vector<std::vector<TuningSlice>> per_slice(setup.schedule.size());
  core::parallel_for(
      static_cast<int>(setup.schedule.size()),
      [&](int s) {
        const int k = setup.schedule[static_cast<std::size_t>(s)];
        const auto w = detail::slice_window(setup.anatomy, plane, setup.grid, k, setup.body_threshold,
                                            params.body_margin_mm, model.alignment());
        const auto targets = targets_on_window(labels, plane, setup.grid, k, w, table);
        for (const auto* view : setup.network)
          per_slice[static_cast<std::size_t>(s)].push_back(
              {w.rows, w.columns, detail::network_pixels(*view, plane, setup.grid, k, w), targets});
      },
      params.threads);
  std::vector<TuningSlice> out;
  for (auto& views : per_slice)
    for (auto& v : views) out.push_back(std::move(v));
  return out;
}

HeadBatch head_batch(const std::vector<TuningSlice>& slices, const MuscleModel& model, const HeadTuningParams& params,
                     unsigned threads) {
  std::size_t total = 0;
  for (const auto& s : slices) total += s.targets.size();
  const double rate =
      total > 0 ? std::min(1.0, static_cast<double>(params.max_pixels) / static_cast<double>(total)) : 0.0;
  std::vector<std::vector<float>> features(slices.size());
  std::vector<std::vector<std::uint8_t>> targets(slices.size());
  const int channels = model.head().inputs;
  with_head_features(slices, model, threads, [&](std::size_t i, const std::vector<float>& all) {
    const auto& s = slices[i];
    const std::size_t plane = s.targets.size();
    for (std::size_t p = 0; p < plane; ++p) {
      if (unit_hash(params.seed, i, p) >= rate) continue;
      targets[i].push_back(s.targets[p]);
      for (int c = 0; c < channels; ++c) features[i].push_back(all[c * plane + p]);  // [pixel][channel] for now
    }
  });
  HeadBatch batch;
  batch.channels = channels;
  batch.target_classes = tuning_targets(model).classes;
  for (const auto& t : targets) batch.targets.insert(batch.targets.end(), t.begin(), t.end());
  const std::size_t n = batch.pixels();
  batch.features.resize(static_cast<std::size_t>(channels) * n);
  std::size_t p = 0;
  for (const auto& f : features)
    for (std::size_t q = 0; q < f.size() / static_cast<std::size_t>(std::max(channels, 1)); ++q, ++p)
      for (int c = 0; c < channels; ++c) batch.features[c * n + p] = f[q * channels + c];
  return batch;
}

double head_loss(const HeadBatch& batch, const ModelHead& head, const ModelHead& anchor, double anchor_weight,
                 ModelHead* gradient) {
  const std::size_t n = batch.pixels();
  const int k = head.classes;
  auto logits = head_logits(head, batch.features.data(), n);
  double loss = 0;
  // The logits become dL/dlogit x n: softmax minus, on the target's classes, their share of its probability.
  std::vector<double> e(static_cast<std::size_t>(k));
  for (std::size_t p = 0; p < n; ++p) {
    float top = logits[p];
    for (int c = 1; c < k; ++c) top = std::max(top, logits[c * n + p]);
    double sum = 0, target_sum = 0;
    for (int c = 0; c < k; ++c) sum += e[static_cast<std::size_t>(c)] = std::exp(logits[c * n + p] - top);
    const auto& allowed = batch.target_classes[batch.targets[p]];
    for (const auto c : allowed) target_sum += e[c];
    loss += std::log(sum) - std::log(target_sum);
    for (int c = 0; c < k; ++c) logits[c * n + p] = static_cast<float>(e[static_cast<std::size_t>(c)] / sum);
    for (const auto c : allowed) logits[c * n + p] -= static_cast<float>(e[c] / target_sum);
  }
  loss /= static_cast<double>(std::max<std::size_t>(n, 1));
  double anchor_sq = 0;
  for (std::size_t i = 0; i < head.weight.size(); ++i) anchor_sq += std::pow(head.weight[i] - anchor.weight[i], 2);
  for (std::size_t i = 0; i < head.bias.size(); ++i) anchor_sq += std::pow(head.bias[i] - anchor.bias[i], 2);
  loss += 0.5 * anchor_weight * anchor_sq;
  if (gradient == nullptr) return loss;
  *gradient = head;
  const auto scale = 1.0F / static_cast<float>(std::max<std::size_t>(n, 1));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, head.inputs, static_cast<int>(n), scale, logits.data(),
              static_cast<int>(n), batch.features.data(), static_cast<int>(n), 0.0F, gradient->weight.data(),
              head.inputs);
  for (int c = 0; c < k; ++c) {
    double sum = 0;
    for (std::size_t p = 0; p < n; ++p) sum += logits[c * n + p];
    gradient->bias[static_cast<std::size_t>(c)] = static_cast<float>(sum) * scale;
  }
  for (std::size_t i = 0; i < head.weight.size(); ++i)
    gradient->weight[i] += static_cast<float>(anchor_weight * (head.weight[i] - anchor.weight[i]));
  for (std::size_t i = 0; i < head.bias.size(); ++i)
    gradient->bias[i] += static_cast<float>(anchor_weight * (head.bias[i] - anchor.bias[i]));
  return loss;
}

namespace {

// One Adam step on `values` (moments m and v, step t from 1), with the usual decay rates.
void adam_step(std::vector<float>& values, const std::vector<float>& gradient, std::vector<double>& m,
               std::vector<double>& v, int t, double learning_rate) {
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEpsilon = 1e-8;
  const double c1 = 1 - std::pow(kBeta1, t), c2 = 1 - std::pow(kBeta2, t);
  for (std::size_t i = 0; i < values.size(); ++i) {
    m[i] = kBeta1 * m[i] + (1 - kBeta1) * gradient[i];
    v[i] = kBeta2 * v[i] + (1 - kBeta2) * gradient[i] * gradient[i];
    values[i] -= static_cast<float>(learning_rate * (m[i] / c1) / (std::sqrt(v[i] / c2) + kEpsilon));
  }
}

}  // namespace

ModelHead tune_head(const HeadBatch& batch, const ModelHead& start, const HeadTuningParams& params) {
  detail::single_threaded_blas();  // one BLAS thread: the same sums in the same order on every run
  ModelHead head = start, gradient;
  std::vector<double> mw(head.weight.size()), vw(head.weight.size()), mb(head.bias.size()), vb(head.bias.size());
  for (int t = 1; t <= params.iterations && batch.pixels() > 0; ++t) {
    static_cast<void>(head_loss(batch, head, start, params.anchor_weight, &gradient));
    adam_step(head.weight, gradient.weight, mw, vw, t, params.learning_rate);
    adam_step(head.bias, gradient.bias, mb, vb, t, params.learning_rate);
  }
  return head;
}

double GroupAgreement::dice(std::size_t group) const {
  const auto sum = predicted[group] + reference[group];
  return sum == 0 ? std::numeric_limits<double>::quiet_NaN()
                  : 2.0 * static_cast<double>(both[group]) / static_cast<double>(sum);
}

double GroupAgreement::mean_dice() const {
  double sum = 0;
  int count = 0;
  for (std::size_t g = 0; g < groups.size(); ++g)
    if (reference[g] > 0) sum += dice(g), ++count;
  return count == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / count;
}

std::vector<GroupAgreement> group_agreement(const std::vector<TuningSlice>& slices, const MuscleModel& model,
                                            const std::vector<ModelHead>& heads, unsigned threads) {
  const auto& catalog = core::MuscleCatalog::instance();
  GroupAgreement empty;
  for (const auto& g : catalog.groups()) empty.groups.push_back(g.name);
  const std::size_t groups = empty.groups.size();
  empty.both.assign(groups, 0), empty.predicted.assign(groups, 0), empty.reference.assign(groups, 0);
  // Group index + 1 of each class (0: background) and of each reference target.
  const auto targets = tuning_targets(model);
  std::vector<std::size_t> group_of(model.classes().size(), 0);
  for (std::size_t t = 1; t < targets.classes.size(); ++t)
    if (targets.classes[t].size() == 1) group_of[targets.classes[t].front()] = targets.group[t];
  std::vector<std::vector<GroupAgreement>> per_slice(slices.size(), std::vector<GroupAgreement>(heads.size(), empty));
  with_head_features(slices, model, threads, [&](std::size_t i, const std::vector<float>& features) {
    const auto& s = slices[i];
    for (std::size_t h = 0; h < heads.size(); ++h) {
      const auto predicted = argmax_classes(head_logits(heads[h], features.data(), s.targets.size()),
                                            heads[h].classes, s.targets.size());
      auto& a = per_slice[i][h];
      for (std::size_t p = 0; p < predicted.size(); ++p) {
        const auto gp = group_of[predicted[p]], gr = targets.group[s.targets[p]];
        if (gp > 0) ++a.predicted[gp - 1];
        if (gr > 0) ++a.reference[gr - 1];
        if (gp > 0 && gp == gr) ++a.both[gp - 1];
      }
    }
  });
  std::vector<GroupAgreement> out(heads.size(), empty);
  for (const auto& slice : per_slice)
    for (std::size_t h = 0; h < heads.size(); ++h)
      for (std::size_t g = 0; g < groups; ++g)
        out[h].both[g] += slice[h].both[g], out[h].predicted[g] += slice[h].predicted[g],
            out[h].reference[g] += slice[h].reference[g];
  return out;
}

}  // namespace myo::segmentation
