#pragma once
// A generated study analysed as a user would, for the tests that need an analysis folder (the viewer's). The test
// target defines MYOSCOPE_EXE.
#include <filesystem>
#include <string>

#include "myo/testing/run_myoscope.hpp"

namespace myo::testing {

// The IMNM scenario (seed 5) generated into `dir`/study and analysed into `dir`/analysis without figures, DICOM
// results or documents. Empty on success, else the failing command's output.
inline std::string generate_and_analyse(const std::filesystem::path& dir) {
  const auto generated = run_myoscope("phantom -q -o " + (dir / "study").string() + " --scenario imnm --seed 5");
  if (generated.exit_code != 0) return generated.output;
  const auto analyzed = run_myoscope("analyze -q " + (dir / "study" / "dicom").string() + " -o " +
                                     (dir / "analysis").string() + " --no-figures --no-dicom --no-report-documents");
  return analyzed.exit_code == 0 ? std::string() : analyzed.output;
}

}  // namespace myo::testing
