#include "unet.hpp"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <new>
#include <utility>

#include "myo/core/error.hpp"

namespace myo::segmentation::detail {
namespace {

// Leaves new elements uninitialised instead of zero-filling them: every feature map and column buffer is written
// whole before it is read, and filling them (on every growth and recycling) cost as much as the packing for BLAS.
template <class T>
struct NoFill : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = NoFill<U>;
  };
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using Floats = std::vector<float, NoFill<float>>;

// Buffers are recycled per thread: fresh multi-megabyte allocations for every convolution spent more time in page
// faults and zero-filling than in the matrix products.
class BufferPool {
 public:
  Floats take(std::size_t n) {
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (it->capacity() >= n && (best == free_.end() || it->capacity() < best->capacity())) best = it;
    if (best == free_.end()) return Floats(n);
    Floats v = std::move(*best);
    free_.erase(best);
    v.resize(n);
    return v;
  }
  void give(Floats&& v) {
    v.resize(v.capacity());  // a later take() then shrinks it, which fills nothing
    if (!v.empty()) free_.push_back(std::move(v));
  }

 private:
  std::vector<Floats> free_;
};

BufferPool& pool() {
  thread_local BufferPool p;
  return p;
}

struct FeatureMap {
  int channels = 0, rows = 0, columns = 0;
  Floats data;  // [channel][row][column]
  FeatureMap() = default;
  FeatureMap(int c, int r, int w)
      : channels(c), rows(r), columns(w), data(pool().take(static_cast<std::size_t>(c) * r * w)) {}
  FeatureMap(FeatureMap&&) noexcept = default;
  FeatureMap& operator=(FeatureMap&& other) noexcept {
    pool().give(std::move(data));
    channels = other.channels, rows = other.rows, columns = other.columns, data = std::move(other.data);
    return *this;
  }
  FeatureMap(const FeatureMap&) = delete;
  FeatureMap& operator=(const FeatureMap&) = delete;
  ~FeatureMap() { pool().give(std::move(data)); }
  [[nodiscard]] std::size_t plane() const { return static_cast<std::size_t>(rows) * columns; }
};

// Columns of the 3x3 neighbourhoods of image rows [y0, y1) (zero outside the image):
// [(channel, ky, kx)][(row - y0) * columns + column].
void im2col(const FeatureMap& in, int y0, int y1, Floats& cols) {
  const int h = in.rows, w = in.columns;
  const std::size_t chunk = static_cast<std::size_t>(y1 - y0) * w;
  const std::size_t size = static_cast<std::size_t>(in.channels) * 9 * chunk;
  if (cols.size() < size) cols.resize(size);  // only ever grows
  float* out = cols.data();
  for (int c = 0; c < in.channels; ++c) {
    const float* src = in.data.data() + c * in.plane();
    for (int ky = -1; ky <= 1; ++ky)
      for (int kx = -1; kx <= 1; ++kx, out += chunk)
        for (int y = y0; y < y1; ++y) {
          float* dst = out + static_cast<std::size_t>(y - y0) * w;
          if (y + ky < 0 || y + ky >= h) {
            std::fill_n(dst, w, 0.0F);
            continue;
          }
          const float* row = src + static_cast<std::size_t>(y + ky) * w;
          const int x0 = std::max(0, -kx), x1 = std::min(w, w - kx);
          std::copy(row + x0 + kx, row + x1 + kx, dst + x0);
          if (x0 > 0) dst[0] = 0.0F;
          if (x1 < w) dst[w - 1] = 0.0F;
        }
  }
}

// Image rows per matrix product of a 3x3 convolution: its columns then fit in a core's cache (about 1 MiB) while
// BLAS packs them, instead of streaming a column matrix of up to 50 MB through memory. Each output value is the
// same sum in the same order whatever the split.
int rows_per_product(int k, int columns) {
  constexpr std::size_t kCacheFloats = std::size_t{1} << 18;
  return std::max(1, static_cast<int>(kCacheFloats / (static_cast<std::size_t>(k) * columns)));
}

FeatureMap convolve(const Convolution& conv, const FeatureMap& in, bool relu) {
  FeatureMap out(conv.out_channels, in.rows, in.columns);
  if (!conv.direct.weights.empty()) {
    direct_conv3x3(conv.direct, in.data.data(), in.rows, in.columns, relu, out.data.data());
    return out;
  }
  const auto n = static_cast<int>(in.plane());
  const int k = conv.in_channels * conv.kernel * conv.kernel;
  for (int o = 0; o < conv.out_channels; ++o)
    std::fill_n(out.data.data() + o * out.plane(), out.plane(), conv.bias[static_cast<std::size_t>(o)]);
  if (conv.kernel == 3) {
    thread_local Floats cols;
    const int step = rows_per_product(k, in.columns);
    for (int y0 = 0; y0 < in.rows; y0 += step) {
      const int y1 = std::min(in.rows, y0 + step), chunk = (y1 - y0) * in.columns;
      im2col(in, y0, y1, cols);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, conv.out_channels, chunk, k, 1.0F, conv.weight.data(),
                  k, cols.data(), chunk, 1.0F, out.data.data() + static_cast<std::size_t>(y0) * in.columns, n);
    }
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, conv.out_channels, n, k, 1.0F, conv.weight.data(), k,
                in.data.data(), n, 1.0F, out.data.data(), n);
  }
  if (relu)
    for (float& v : out.data) v = std::max(v, 0.0F);
  return out;
}

FeatureMap max_pool(const FeatureMap& in) {
  FeatureMap out(in.channels, in.rows / 2, in.columns / 2);
  for (int c = 0; c < in.channels; ++c)
    for (int y = 0; y < out.rows; ++y)
      for (int x = 0; x < out.columns; ++x) {
        const float* p = in.data.data() + c * in.plane() + static_cast<std::size_t>(2 * y) * in.columns + 2 * x;
        out.data[c * out.plane() + static_cast<std::size_t>(y) * out.columns + x] =
            std::max({p[0], p[1], p[in.columns], p[in.columns + 1]});
      }
  return out;
}

// Nearest-neighbour upsampling by two, then the skip's channels appended.
FeatureMap upsample_concat(const FeatureMap& low, const FeatureMap& skip) {
  FeatureMap out(low.channels + skip.channels, skip.rows, skip.columns);
  for (int c = 0; c < low.channels; ++c)
    for (int y = 0; y < out.rows; ++y)
      for (int x = 0; x < out.columns; ++x)
        out.data[c * out.plane() + static_cast<std::size_t>(y) * out.columns + x] =
            low.data[c * low.plane() + static_cast<std::size_t>(y / 2) * low.columns + x / 2];
  std::copy(skip.data.begin(), skip.data.end(),
            out.data.begin() + static_cast<std::ptrdiff_t>(low.channels * out.plane()));
  return out;
}

}  // namespace

UNet::UNet(std::vector<int> channels, int classes, std::vector<std::vector<float>> tensors,
           const std::vector<std::vector<int>>& shapes, const std::string& origin)
    : channels_(std::move(channels)), classes_(classes) {
  std::size_t next = 0;
  const auto take = [&](int in, int out, int kernel) {
    if (next + 1 >= tensors.size())
      throw core::MyoError(origin, "model file: fewer tensors than the architecture needs");
    const std::vector<int> want{out, in, kernel, kernel};
    if (shapes[next] != want || shapes[next + 1] != std::vector<int>{out})
      throw core::MyoError(origin, fmt::format("model file: tensor {} has the wrong shape", next));
    Convolution c{in, out, kernel, std::move(tensors[next]), std::move(tensors[next + 1]), {}};
    if (kernel == 3 && direct_conv3x3_available()) c.direct = pack_conv3x3(c.weight, c.bias, in, out);
    next += 2;
    return c;
  };
  int in = 1;
  for (const int c : channels_) {
    down_.push_back(take(in, c, 3));
    down_.push_back(take(c, c, 3));
    in = c;
  }
  for (auto it = channels_.rbegin() + 1; it != channels_.rend(); ++it) {
    up_.push_back(take(in + *it, *it, 3));
    up_.push_back(take(*it, *it, 3));
    in = *it;
  }
  head_ = take(in, classes_, 1);
  if (next != tensors.size()) throw core::MyoError(origin, "model file: more tensors than the architecture uses");
}

namespace {

// Softmax over the classes of logits [class][pixel], per pixel.
void softmax(const float* logits, int classes, std::size_t plane, std::vector<float>& probabilities) {
  probabilities.resize(static_cast<std::size_t>(classes) * plane);
  for (std::size_t p = 0; p < plane; ++p) {
    float top = logits[p];
    for (int c = 1; c < classes; ++c) top = std::max(top, logits[c * plane + p]);
    float sum = 0;
    for (int c = 0; c < classes; ++c) sum += probabilities[c * plane + p] = std::exp(logits[c * plane + p] - top);
    for (int c = 0; c < classes; ++c) probabilities[c * plane + p] /= sum;
  }
}

// The network without its head: the encoder, then the decoder with its skip connections.
FeatureMap decode_layers(const std::vector<int>& channels, const std::vector<Convolution>& down,
                         const std::vector<Convolution>& up, int alignment, const float* image, int rows,
                         int columns) {
  if (rows % alignment != 0 || columns % alignment != 0)
    throw core::MyoError("segmentation", "network input not aligned to its pooling levels");
  FeatureMap x(1, rows, columns);
  std::copy(image, image + x.plane(), x.data.begin());
  std::vector<FeatureMap> skips;
  const auto levels = channels.size();
  for (std::size_t i = 0; i < levels; ++i) {
    x = convolve(down[2 * i + 1], convolve(down[2 * i], x, true), true);
    if (i + 1 < levels) {
      skips.push_back(std::move(x));
      x = max_pool(skips.back());
    }
  }
  for (std::size_t i = 0; i + 1 < levels; ++i) {
    x = upsample_concat(x, skips.back());
    skips.pop_back();
    x = convolve(up[2 * i + 1], convolve(up[2 * i], x, true), true);
  }
  return x;
}

}  // namespace

void UNet::head_features(const float* image, int rows, int columns, std::vector<float>& features) const {
  const auto x = decode_layers(channels_, down_, up_, alignment(), image, rows, columns);
  features.assign(x.data.begin(), x.data.begin() + static_cast<std::ptrdiff_t>(x.channels * x.plane()));
}

void UNet::predict(const float* image, int rows, int columns, std::vector<float>& probabilities) const {
  const auto x = convolve(head_, decode_layers(channels_, down_, up_, alignment(), image, rows, columns), false);
  softmax(x.data.data(), classes_, x.plane(), probabilities);
}

void single_threaded_blas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

}  // namespace myo::segmentation::detail
