#pragma once
// Siemens CSA header (private (0029,1010), "SV10" format): the only place some values live, e.g. the number of
// images in a mosaic on older software and the slice normal that orders mosaic tiles.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace myo::dicom::detail {

// Parses a CSA2 ("SV10") block into element name -> values. Returns an empty map for other formats or on any
// inconsistency (the block is private and best-effort: callers fall back to public tags).
[[nodiscard]] std::map<std::string, std::vector<std::string>> parse_csa(const std::uint8_t* data, std::size_t size);

}  // namespace myo::dicom::detail
