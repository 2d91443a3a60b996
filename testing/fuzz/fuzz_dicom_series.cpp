// libFuzzer target: one DICOM file as a scan would meet it. Header parsing (DCMTK + our tag reading, CSA, enhanced
// functional groups, mosaic), series assembly, role detection, the scan table/JSON and volume loading (pixel
// decoding, rescale, stacking). Errors are expected results; crashes, sanitizer reports, hangs and huge allocations
// are findings.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "myo/dicom/load.hpp"
#include "myo/dicom/scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = myo::fuzz::input_file(data, size, "input.dcm");
  myo::dicom::ScanOptions scan_options;
  scan_options.threads = 1;
  const auto scanned = myo::dicom::scan(path, scan_options);
  static_cast<void>(myo::dicom::format_scan_table(scanned));
  static_cast<void>(myo::dicom::scan_to_json(scanned));
  myo::dicom::LoadOptions load_options;
  load_options.threads = 1;
  for (const auto& study : scanned.studies) {
    static_cast<void>(myo::dicom::find_stations(study.series));
    for (const auto& series : study.series) static_cast<void>(myo::dicom::load_series(series, load_options));
  }
  return 0;
}
