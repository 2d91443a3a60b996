#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "conv3x3.hpp"
#include "unet.hpp"

namespace myo {
namespace {

using segmentation::detail::direct_conv3x3;
using segmentation::detail::pack_conv3x3;

// The definition, summed in the same order as the kernel: bias, then channel by channel, row by row of the kernel.
std::vector<float> reference(const std::vector<float>& w, const std::vector<float>& b, const std::vector<float>& in,
                             int channels, int outputs, int rows, int columns, bool relu) {
  std::vector<float> out(static_cast<std::size_t>(outputs) * rows * columns);
  for (int o = 0; o < outputs; ++o)
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < columns; ++x) {
        float sum = b[static_cast<std::size_t>(o)];
        for (int c = 0; c < channels; ++c)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int yy = y + ky - 1, xx = x + kx - 1;
              if (yy < 0 || yy >= rows || xx < 0 || xx >= columns) continue;
              sum = std::fma(in[(static_cast<std::size_t>(c) * rows + yy) * columns + xx],
                             w[((static_cast<std::size_t>(o) * channels + c) * 3 + ky) * 3 + kx], sum);
            }
        out[(static_cast<std::size_t>(o) * rows + y) * columns + x] = relu ? std::max(sum, 0.0F) : sum;
      }
  return out;
}

struct Shape {
  int channels, outputs, rows, columns;
};

// Widths below, at and above a register's 16 lanes and planes that end mid-tile: the zero padding at every edge.
TEST(DirectConvolution, MatchesTheDefinitionExactly) {
  if (!segmentation::detail::direct_conv3x3_available())
    GTEST_SKIP() << "this CPU has no AVX-512F: the network uses im2col and BLAS instead";
  for (const Shape s : {Shape{1, 8, 5, 7}, Shape{3, 16, 9, 16}, Shape{5, 8, 4, 33}, Shape{2, 24, 13, 1},
                        Shape{16, 8, 1, 40}, Shape{7, 8, 6, 17}}) {
    std::vector<float> w(static_cast<std::size_t>(s.outputs) * s.channels * 9), b(static_cast<std::size_t>(s.outputs));
    std::vector<float> in(static_cast<std::size_t>(s.channels) * s.rows * s.columns);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(std::sin(0.7 * static_cast<double>(i)));
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = 0.1F * static_cast<float>(i) - 0.5F;
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(std::cos(0.3 * static_cast<double>(i)));
    const auto packed = pack_conv3x3(w, b, s.channels, s.outputs);
    for (const bool relu : {false, true}) {
      std::vector<float> out(static_cast<std::size_t>(s.outputs) * s.rows * s.columns, -99.0F);
      direct_conv3x3(packed, in.data(), s.rows, s.columns, relu, out.data());
      const auto want = reference(w, b, in, s.channels, s.outputs, s.rows, s.columns, relu);
      for (std::size_t i = 0; i < out.size(); ++i)
        ASSERT_EQ(out[i], want[i]) << s.channels << "->" << s.outputs << " " << s.rows << "x" << s.columns
                                   << " relu " << relu << " at " << i;
    }
  }
}

TEST(DirectConvolution, OnlyWholeBlocksOfOutputsArePacked) {
  EXPECT_TRUE(pack_conv3x3(std::vector<float>(18 * 9), std::vector<float>(18), 1, 18).weights.empty());
  EXPECT_EQ(pack_conv3x3(std::vector<float>(16 * 2 * 9), std::vector<float>(16), 2, 16).weights.size(), 16U * 2 * 9);
}

// Four channels are no whole block, so the network takes the im2col + BLAS path; 2048 columns make it multiply a
// few rows at a time. A one-level net against the definition: conv, ReLU, conv, ReLU, 1x1 head, softmax.
TEST(Im2colConvolution, RowBlocksGiveTheDefinitionsNumbers) {
  const int rows = 9, columns = 2048, width = 4;
  const auto values = [](std::size_t n, double step) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(0.5 * std::sin(step * static_cast<double>(i)));
    return v;
  };
  const std::vector<std::vector<float>> tensors{values(width * 9, 0.9), values(width, 1.3), values(width * width * 9, 0.7),
                                                values(width, 0.4), values(2 * width, 1.1), values(2, 2.0)};
  const segmentation::detail::UNet net({width}, 2, tensors,
                                       {{width, 1, 3, 3}, {width}, {width, width, 3, 3}, {width}, {2, width, 1, 1}, {2}},
                                       "row blocks");
  const auto image = values(static_cast<std::size_t>(rows) * columns, 0.01);
  std::vector<float> p;
  net.predict(image.data(), rows, columns, p);
  const auto f1 = reference(tensors[0], tensors[1], image, 1, width, rows, columns, true);
  const auto f2 = reference(tensors[2], tensors[3], f1, width, width, rows, columns, true);
  const std::size_t plane = static_cast<std::size_t>(rows) * columns;
  ASSERT_EQ(p.size(), 2 * plane);
  for (std::size_t i = 0; i < plane; ++i) {
    double logit[2];
    for (int c = 0; c < 2; ++c) {
      logit[c] = tensors[5][static_cast<std::size_t>(c)];
      for (int k = 0; k < width; ++k)
        logit[c] += tensors[4][static_cast<std::size_t>(c * width + k)] * f2[k * plane + i];
    }
    ASSERT_NEAR(p[i], 1.0 / (1.0 + std::exp(logit[1] - logit[0])), 1e-5) << "pixel " << i;
  }
}

}  // namespace
}  // namespace myo
