#pragma once
// gzip compression spread over the project's thread pool, as pigz does: the input is cut into chunks, each chunk
// becomes an independent gzip member (RFC 1952 allows members to be concatenated), and the members are written in
// order. Every gzip reader (zlib's gzread, ITK, Python's gzip, nibabel, `gzip -t`) reads the result as one stream.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace myo::core::detail {

// A view of bytes owned elsewhere.
struct ByteRange {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
};

struct GzipOptions {
  int level = 1;                          // libdeflate level, 0 (stored) .. 12 (smallest)
  unsigned threads = 0;                   // 0: the process-wide count
  std::size_t chunk_bytes = 1U << 20;     // uncompressed bytes per member
};

// Compresses every piece in turn (a piece is never merged with the next, so callers can pass a header and voxel
// buffers without copying them together) and hands each finished member to `sink`, in input order.
void gzip_in_parallel(const std::vector<ByteRange>& pieces, const GzipOptions& options,
                      const std::function<void(ByteRange)>& sink);

}  // namespace myo::core::detail
