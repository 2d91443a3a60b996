#pragma once
// Reading DICOM files as scanners and PACS export them: Part-10 with preamble, bare datasets without one, and
// gzip-wrapped files (.dcm.gz). Private to libs/dicom: DCMTK types never leave the library.
#include <dcmtk/dcmdata/dcfilefo.h>

#include <filesystem>
#include <memory>

namespace myo::dicom::detail {

enum class FileKind { not_dicom, dicom, gzip };

// Cheap sniff of the first bytes; never throws. `gzip` means a gzip stream whose content looks like DICOM.
[[nodiscard]] FileKind sniff_file(const std::filesystem::path& path);

// Reads a DICOM file. header_only stops before PixelData (scanning must not pay for pixels).
// Throws core::MyoError naming the file and DCMTK's reason on failure.
[[nodiscard]] std::unique_ptr<DcmFileFormat> read_dicom(const std::filesystem::path& path, FileKind kind, bool header_only);

// Registers the DCMTK decoders (JPEG, JPEG-LS, RLE) once per process; thread-safe.
void register_codecs();

}  // namespace myo::dicom::detail
