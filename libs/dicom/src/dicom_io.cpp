#include "dicom_io.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>
#include <zlib.h>

#include <array>
#include <cctype>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"

namespace myo::dicom::detail {
namespace fs = std::filesystem;
namespace {

// DICOM datasets without preamble start with a low group number: file meta (0002), identifying (0008) or, for some
// old exports, later groups. Accept explicit or implicit VR, little or big endian.
bool looks_like_bare_dataset(const unsigned char* b, std::size_t n) {
  if (n < 8) return false;
  const unsigned group_le = b[0] | (b[1] << 8);
  const unsigned group_be = (b[0] << 8) | b[1];
  const auto plausible_group = [](unsigned g) {
    return g == 0x0002 || g == 0x0008 || g == 0x0010 || g == 0x0018 || g == 0x0020 || g == 0x0028;
  };
  if (!plausible_group(group_le) && !plausible_group(group_be)) return false;
  const bool explicit_vr = std::isupper(b[4]) && std::isupper(b[5]);
  if (explicit_vr) return true;
  // Implicit VR: a 4-byte length that is not absurd for a header element.
  const unsigned long length = static_cast<unsigned long>(b[4]) | (static_cast<unsigned long>(b[5]) << 8) |
                               (static_cast<unsigned long>(b[6]) << 16) | (static_cast<unsigned long>(b[7]) << 24);
  return length < 1024;
}

bool looks_like_dicom(const unsigned char* b, std::size_t n) {
  if (n >= 132 && std::memcmp(b + 128, "DICM", 4) == 0) return true;
  return looks_like_bare_dataset(b, n);
}

std::vector<char> gunzip(const fs::path& path, std::size_t limit) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw core::MyoError(path.string(), "cannot open gzip file");
  std::vector<char> data;
  std::array<char, 65536> chunk{};
  while (data.size() < limit) {
    const int n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      const std::string message = gzerror(file, &code);
      gzclose(file);
      throw core::MyoError(path.string(), "corrupt gzip stream: " + message);
    }
    if (n == 0) break;
    data.insert(data.end(), chunk.data(), chunk.data() + n);
  }
  gzclose(file);
  return data;
}

}  // namespace

FileKind sniff_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileKind::not_dicom;
  std::array<unsigned char, 132> head{};
  in.read(reinterpret_cast<char*>(head.data()), head.size());
  const auto n = static_cast<std::size_t>(in.gcount());
  if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
    try {
      const auto inner = gunzip(path, 132);
      if (looks_like_dicom(reinterpret_cast<const unsigned char*>(inner.data()), inner.size())) return FileKind::gzip;
    } catch (const core::MyoError&) {
      return FileKind::not_dicom;
    }
    return FileKind::not_dicom;
  }
  return looks_like_dicom(head.data(), n) ? FileKind::dicom : FileKind::not_dicom;
}

std::unique_ptr<DcmFileFormat> read_dicom(const fs::path& path, FileKind kind, bool header_only) {
  auto file = std::make_unique<DcmFileFormat>();
  OFCondition status;
  if (kind == FileKind::gzip) {
    // DCMTK reads plain files only; inflate into memory (exports compress single slices, so this stays small).
    auto data = gunzip(path, std::size_t{1} << 31);
    DcmInputBufferStream stream;
    stream.setBuffer(data.data(), static_cast<offile_off_t>(data.size()));
    stream.setEos();
    file->transferInit();
    status = header_only ? file->readUntilTag(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, DCM_PixelData)
                         : file->read(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
    file->transferEnd();
  } else if (header_only) {
    status = file->loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect,
                                    DCM_PixelData);
  } else {
    status = file->loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
  }
  if (status.bad()) throw core::MyoError(path.string(), std::string("not readable as DICOM: ") + status.text());
  return file;
}

void register_codecs() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Header-only reading makes DCMTK warn "PixelData encountered, skipping rest of dataset" for every file, and
    // damaged files make it print parser errors: problems reach the user once, as FileProblem/Error, instead.
    // With --verbose (debug level) DCMTK's warnings and errors stay visible for diagnosis. The root "dcmtk" logger
    // covers every module (dcmfg/dcmiod/dcmseg print informational warnings while writing valid objects too).
    OFLog::getLogger("dcmtk")
        .setLogLevel(log::level() == log::Level::debug ? OFLogger::WARN_LOG_LEVEL : OFLogger::FATAL_LOG_LEVEL);
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
}

}  // namespace myo::dicom::detail
