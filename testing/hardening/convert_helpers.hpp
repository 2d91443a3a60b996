#pragma once
// Helpers of the `myoscope convert` hardening tests (convert_output_test.cpp, convert_4d_test.cpp): a repeated
// volume added to a series, the raw bytes and header fields of a written NIfTI, the output of one series.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <zlib.h>

#include <cstring>

#include "hardening_fixture.hpp"

namespace convert_helpers {

// Copies every file of series `s` beside itself (name + `suffix`) with SOPInstanceUID + `uid_suffix`, then applies
// `change(dataset, index)`. Returns the copies, in the order of `s.files`.
inline std::vector<fs::path> copy_series(const fs::path& dicom, const SeriesFiles& s, const std::string& suffix,
                                         const std::string& uid_suffix,
                                         const std::function<void(DcmDataset&, std::size_t)>& change) {
  std::vector<fs::path> copies;
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    const fs::path copy = dicom / (s.files[i].string() + suffix);
    fs::copy_file(dicom / s.files[i], copy);
    modify(copy, [&](DcmDataset& d) {
      OFString uid;
      d.findAndGetOFString(DCM_SOPInstanceUID, uid);
      put(d, DCM_SOPInstanceUID, std::string(uid.c_str()) + uid_suffix);
      change(d, i);
    });
    copies.push_back(copy);
  }
  return copies;
}

// Adds a second volume to series `s`: every file copied beside itself with a new SOPInstanceUID and an
// InstanceNumber after the series' own, at the same position (a repeated acquisition exported into one series).
// Returns the copies, in the order of `s.files`.
inline std::vector<fs::path> add_repeat(const fs::path& dicom, const SeriesFiles& s) {
  return copy_series(dicom, s, ".repeat", ".9",
                     [](DcmDataset& d, std::size_t i) { put(d, DCM_InstanceNumber, std::to_string(1000 + i)); });
}

// The NIfTI header's dim[] and the uncompressed file's voxel bytes, read with zlib (which reads .nii as is).
inline std::string inflate_all(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  std::string out;
  if (file == nullptr) return out;
  std::vector<char> chunk(1 << 16);
  int n = 0;
  while ((n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) out.append(chunk.data(), std::size_t(n));
  gzclose(file);
  return out;
}

inline std::array<std::int16_t, 8> dims(const std::string& nifti) {
  std::array<std::int16_t, 8> d{};
  if (nifti.size() >= 56) std::memcpy(d.data(), nifti.data() + 40, sizeof(d));
  return d;
}

// The water series' output file of a convert run (its description ends with "_tra_W").
inline fs::path output_of(const fs::path& folder, const std::string& extension) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto name = entry.path().filename().string();
    if (name.find("_tra_W") != std::string::npos && name.size() > extension.size() &&
        name.compare(name.size() - extension.size(), extension.size(), extension) == 0)
      return entry.path();
  }
  return {};
}

class ConvertOutput : public Hardening {
 protected:
  [[nodiscard]] CliRun convert(const std::string& extra = "", const std::string& shell_prefix = "") const {
    return run_myoscope("convert " + in().string() + " -o " + out().string() + " " + extra, shell_prefix);
  }
};

}  // namespace convert_helpers
