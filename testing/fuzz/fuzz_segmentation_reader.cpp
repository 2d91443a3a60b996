// libFuzzer target: dicom::read_segmentation (DICOM SEG import) on arbitrary bytes, on the grid the SEG describes.
// MyoError is the expected answer to bad input; anything else escaping, or a sanitizer report, is a finding.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "myo/core/error.hpp"
#include "myo/dicom/results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = myo::fuzz::input_file(data, size, "seg.dcm");
  try {
    if (myo::dicom::is_dicom_segmentation(path)) static_cast<void>(myo::dicom::read_segmentation(path));
  } catch (const myo::core::MyoError&) {
  }
  return 0;
}
