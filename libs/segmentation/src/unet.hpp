#pragma once
// The 2D U-Net of the muscle model (training/segmentation/model.py), evaluated on the CPU: 3x3 convolutions direct
// with AVX-512 (conv3x3.hpp), else as im2col and BLAS matrix products; batch normalisation folded in by the export
// (export.py).
#include <string>
#include <vector>

#include "conv3x3.hpp"

namespace myo::segmentation::detail {

struct Convolution {
  int in_channels = 0;
  int out_channels = 0;
  int kernel = 3;
  std::vector<float> weight;  // [out][in][ky][kx]
  std::vector<float> bias;    // [out]
  PackedConv3x3 direct;       // the 3x3 weights for the direct path (empty where the CPU has none)
};

class UNet {
 public:
  // Builds the network from the architecture and the tensors in the model file's order; throws MyoError naming
  // `origin` when a shape does not match.
  UNet(std::vector<int> channels, int classes, std::vector<std::vector<float>> tensors,
       const std::vector<std::vector<int>>& shapes, const std::string& origin);

  // Class probabilities [class][row][column] of one image (rows x columns, both multiples of alignment()).
  void predict(const float* image, int rows, int columns, std::vector<float>& probabilities) const;
  // What the 1x1 head sees: the last decoder block's output [channel][row][column] (model tuning trains the head on
  // these, computed once by the frozen rest of the network).
  void head_features(const float* image, int rows, int columns, std::vector<float>& features) const;

  [[nodiscard]] const Convolution& head() const { return head_; }

  [[nodiscard]] int classes() const { return classes_; }
  [[nodiscard]] int alignment() const { return 1 << (static_cast<int>(channels_.size()) - 1); }

 private:
  std::vector<int> channels_;
  int classes_ = 0;
  std::vector<Convolution> down_;  // two per level
  std::vector<Convolution> up_;    // two per level above the lowest
  Convolution head_;
};

// Limits the BLAS library to one thread: the segmentation runs slices in parallel on the project's own workers.
void single_threaded_blas();

}  // namespace myo::segmentation::detail
