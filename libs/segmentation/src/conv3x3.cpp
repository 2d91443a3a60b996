#include "conv3x3.hpp"

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MYO_DIRECT_CONV 1
#endif

namespace myo::segmentation::detail {

PackedConv3x3 pack_conv3x3(const std::vector<float>& weight, const std::vector<float>& bias, int in_channels,
                           int out_channels) {
  constexpr int kBlock = PackedConv3x3::kBlock;
  PackedConv3x3 p{in_channels, out_channels, {}, {}};
  if (out_channels % kBlock != 0) return p;
  p.bias = bias;
  p.weights.reserve(weight.size());
  for (int block = 0; block < out_channels; block += kBlock)
    for (int c = 0; c < in_channels; ++c)
      for (int tap = 0; tap < 9; ++tap)
        for (int o = block; o < block + kBlock; ++o)
          p.weights.push_back(weight[(static_cast<std::size_t>(o) * in_channels + c) * 9 + tap]);
  return p;
}

#ifdef MYO_DIRECT_CONV
namespace {

constexpr int kLanes = 16;           // floats per AVX-512 register
constexpr int kTile = 2 * kLanes;    // output pixels per register block (flat index over the plane)

// For each of the nine taps and both halves of a tile of pixels [p0, p0 + kTile): the lanes whose input pixel lies
// inside the image (zero padding elsewhere). The tile runs over the flat plane, so narrow maps fill every lane.
struct TapMasks {
  __mmask16 lanes[9][2] = {};
  __mmask16 store[2] = {};
};

TapMasks tap_masks(int p0, int rows, int columns) {
  TapMasks m;
  const int plane = rows * columns;
  int y = p0 / columns, x = p0 % columns;
  for (int j = 0; j < kTile && p0 + j < plane; ++j) {
    const auto bit = static_cast<__mmask16>(1U << (j % kLanes));
    m.store[j / kLanes] |= bit;
    for (int ky = 0; ky < 3; ++ky)
      for (int kx = 0; kx < 3; ++kx)
        if (y + ky - 1 >= 0 && y + ky - 1 < rows && x + kx - 1 >= 0 && x + kx - 1 < columns)
          m.lanes[ky * 3 + kx][j / kLanes] |= bit;
    if (++x == columns) x = 0, ++y;
  }
  return m;
}

// The input at flat offset `offset` from `base`, masked lanes zero (and not read: AVX-512 masked loads do not fault).
__attribute__((target("avx512f"))) inline __m512 load(const float* base, std::ptrdiff_t offset, __mmask16 mask) {
  const auto address = reinterpret_cast<std::uintptr_t>(base) + offset * static_cast<std::ptrdiff_t>(sizeof(float));
  return _mm512_maskz_loadu_ps(mask, reinterpret_cast<const void*>(address));
}

// max(v, 0) as std::max computes it (negative lanes become zero; NaN stays).
__attribute__((target("avx512f"))) inline __m512 rectified(__m512 v) {
  const __m512 zero = _mm512_setzero_ps();
  return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), zero);
}

// One block of eight output channels over one tile: bias, then the taps of every input channel in order.
__attribute__((target("avx512f"))) void block_tile(const float* weights, const float* bias, int in_channels,
                                                   const float* in, int p0, int rows, int columns,
                                                   const TapMasks& m, bool relu, float* out) {
  const std::size_t plane = static_cast<std::size_t>(rows) * columns;
  __m512 acc[PackedConv3x3::kBlock][2];
#pragma GCC unroll 8
  for (int o = 0; o < PackedConv3x3::kBlock; ++o) acc[o][0] = acc[o][1] = _mm512_set1_ps(bias[o]);
  const float* w = weights;
  for (int c = 0; c < in_channels; ++c) {
    const float* src = in + c * plane + p0;
    for (int tap = 0; tap < 9; ++tap, w += PackedConv3x3::kBlock) {
      const std::ptrdiff_t offset = static_cast<std::ptrdiff_t>(tap / 3 - 1) * columns + (tap % 3 - 1);
      if ((m.lanes[tap][0] | m.lanes[tap][1]) == 0) continue;
      const __m512 a = load(src, offset, m.lanes[tap][0]);
      const __m512 b = load(src, offset + kLanes, m.lanes[tap][1]);
#pragma GCC unroll 8
      for (int o = 0; o < PackedConv3x3::kBlock; ++o) {
        const __m512 wo = _mm512_set1_ps(w[o]);
        acc[o][0] = _mm512_fmadd_ps(a, wo, acc[o][0]);
        acc[o][1] = _mm512_fmadd_ps(b, wo, acc[o][1]);
      }
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < PackedConv3x3::kBlock; ++o) {
    float* dst = out + o * plane + p0;
    _mm512_mask_storeu_ps(dst, m.store[0], relu ? rectified(acc[o][0]) : acc[o][0]);
    _mm512_mask_storeu_ps(dst + kLanes, m.store[1], relu ? rectified(acc[o][1]) : acc[o][1]);
  }
}

}  // namespace

bool direct_conv3x3_available() {
  static const bool available = __builtin_cpu_supports("avx512f") != 0;
  return available;
}

void direct_conv3x3(const PackedConv3x3& conv, const float* in, int rows, int columns, bool relu, float* out) {
  constexpr int kBlock = PackedConv3x3::kBlock;
  const int plane = rows * columns;
  const std::size_t block_weights = static_cast<std::size_t>(conv.in_channels) * 9 * kBlock;
  for (int p0 = 0; p0 < plane; p0 += kTile) {
    const TapMasks masks = tap_masks(p0, rows, columns);
    for (int block = 0; block < conv.out_channels / kBlock; ++block)
      block_tile(conv.weights.data() + block * block_weights, conv.bias.data() + block * kBlock, conv.in_channels, in,
                 p0, rows, columns, masks, relu, out + static_cast<std::size_t>(block) * kBlock * plane);
  }
}

#else

bool direct_conv3x3_available() { return false; }

void direct_conv3x3(const PackedConv3x3&, const float*, int, int, bool, float*) {}

#endif

}  // namespace myo::segmentation::detail
