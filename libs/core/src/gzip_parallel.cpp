#include "gzip_parallel.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <memory>
#include <new>

#include "myo/core/parallel.hpp"

namespace myo::core::detail {
namespace {

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

std::vector<std::uint8_t> gzip_member(ByteRange chunk, int level) {
  const std::unique_ptr<libdeflate_compressor, CompressorDeleter> compressor(libdeflate_alloc_compressor(level));
  if (!compressor) throw std::bad_alloc();
  std::vector<std::uint8_t> out(libdeflate_gzip_compress_bound(compressor.get(), chunk.size));
  const std::size_t n = libdeflate_gzip_compress(compressor.get(), chunk.data, chunk.size, out.data(), out.size());
  if (n == 0) throw std::bad_alloc();  // cannot happen with a buffer of the bound's size
  out.resize(n);
  return out;
}

}  // namespace

void gzip_in_parallel(const std::vector<ByteRange>& pieces, const GzipOptions& options,
                      const std::function<void(ByteRange)>& sink) {
  std::vector<ByteRange> chunks;
  const std::size_t step = std::max<std::size_t>(options.chunk_bytes, 1);
  for (const auto& piece : pieces) {
    for (std::size_t at = 0; at < piece.size; at += step) chunks.push_back({piece.data + at, std::min(step, piece.size - at)});
  }
  const int level = std::clamp(options.level, 0, 12);
  // A few chunks per worker at a time: the cores stay busy while compressed data in memory stays bounded.
  const std::size_t wave = std::max<std::size_t>(4 * worker_count(options.threads), 1);
  for (std::size_t first = 0; first < chunks.size(); first += wave) {
    const std::size_t count = std::min(wave, chunks.size() - first);
    std::vector<std::vector<std::uint8_t>> members(count);
    parallel_for(static_cast<int>(count),
                 [&](int i) { members[static_cast<std::size_t>(i)] = gzip_member(chunks[first + static_cast<std::size_t>(i)], level); },
                 options.threads);
    for (const auto& m : members) sink({m.data(), m.size()});
  }
}

}  // namespace myo::core::detail
