#pragma once
// A direct 3x3 convolution (zero padding, stride 1) for CPUs with AVX-512: it reads the input planes in place and
// keeps a block of outputs in registers, where im2col and a BLAS product write and pack a nine-fold copy of the input.
#include <vector>

namespace myo::segmentation::detail {

// A 3x3 convolution's weights in the order the kernel reads them: blocks of kBlock output channels, each
// [in channel][ky][kx][output in block]. Empty when the output channels are not a multiple of the block.
struct PackedConv3x3 {
  static constexpr int kBlock = 8;
  int in_channels = 0;
  int out_channels = 0;
  std::vector<float> weights;
  std::vector<float> bias;
};

// Packs weights [out][in][3][3]; empty (no direct path) when out_channels is not a multiple of kBlock.
PackedConv3x3 pack_conv3x3(const std::vector<float>& weight, const std::vector<float>& bias, int in_channels,
                           int out_channels);

// Whether this CPU runs the direct path (AVX-512F); otherwise the caller uses im2col and BLAS.
bool direct_conv3x3_available();

// out[o][y][x] = bias[o] + sum over c, ky, kx of w[o][c][ky][kx] * in[c][y+ky-1][x+kx-1], then ReLU if asked; in
// [in_channels][rows][columns], out [out_channels][rows][columns]. Each output is summed in that order, so the result
// does not depend on threads or image size. Requires direct_conv3x3_available() and a non-empty `conv`.
void direct_conv3x3(const PackedConv3x3& conv, const float* in, int rows, int columns, bool relu, float* out);

}  // namespace myo::segmentation::detail
