#include "pixels.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <openjpeg.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "dicom_io.hpp"
#include "header.hpp"
#include "myo/core/error.hpp"

namespace myo::dicom::detail {
namespace {

// ---- JPEG 2000 through OpenJPEG (DCMTK's free edition has no JPEG 2000 codec) ----
struct MemoryStream {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t position = 0;
};

OPJ_SIZE_T j2k_read(void* buffer, OPJ_SIZE_T bytes, void* user) {
  auto* m = static_cast<MemoryStream*>(user);
  if (m->position >= m->size) return static_cast<OPJ_SIZE_T>(-1);
  const auto n = std::min<std::size_t>(bytes, m->size - m->position);
  std::memcpy(buffer, m->data + m->position, n);
  m->position += n;
  return n;
}

OPJ_OFF_T j2k_skip(OPJ_OFF_T bytes, void* user) {
  auto* m = static_cast<MemoryStream*>(user);
  if (bytes < 0) {
    const auto back = std::min<std::size_t>(static_cast<std::size_t>(-bytes), m->position);
    m->position -= back;
    return -static_cast<OPJ_OFF_T>(back);
  }
  const auto n = std::min<std::size_t>(static_cast<std::size_t>(bytes), m->size - m->position);
  m->position += n;
  return static_cast<OPJ_OFF_T>(n);
}

OPJ_BOOL j2k_seek(OPJ_OFF_T offset, void* user) {
  auto* m = static_cast<MemoryStream*>(user);
  if (offset < 0 || static_cast<std::size_t>(offset) > m->size) return OPJ_FALSE;
  m->position = static_cast<std::size_t>(offset);
  return OPJ_TRUE;
}

struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

std::vector<std::int32_t> decode_j2k(const std::vector<std::uint8_t>& bytes, const FileHeader& header) {
  const auto fail = [&](const std::string& what) {
    return core::MyoError(header.path.string(), "JPEG 2000 decoding failed: " + what);
  };
  MemoryStream memory{bytes.data(), bytes.size(), 0};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE));
  if (!stream) throw fail("cannot create stream");
  opj_stream_set_user_data(stream.get(), &memory, nullptr);
  opj_stream_set_user_data_length(stream.get(), bytes.size());
  opj_stream_set_read_function(stream.get(), j2k_read);
  opj_stream_set_skip_function(stream.get(), j2k_skip);
  opj_stream_set_seek_function(stream.get(), j2k_seek);
  // DICOM holds a raw codestream (FF 4F); some writers wrap it in a JP2 box structure anyway.
  const bool raw = bytes.size() > 2 && bytes[0] == 0xFF && bytes[1] == 0x4F;
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(raw ? OPJ_CODEC_J2K : OPJ_CODEC_JP2));
  if (!codec) throw fail("cannot create codec");
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  if (opj_setup_decoder(codec.get(), &parameters) == OPJ_FALSE) throw fail("decoder setup");
  opj_image_t* raw_image = nullptr;
  if (opj_read_header(stream.get(), codec.get(), &raw_image) == OPJ_FALSE) {
    if (raw_image != nullptr) opj_image_destroy(raw_image);
    throw fail("invalid codestream header");
  }
  std::unique_ptr<opj_image_t, ImageDeleter> image(raw_image);
  if (opj_decode(codec.get(), stream.get(), image.get()) == OPJ_FALSE ||
      opj_end_decompress(codec.get(), stream.get()) == OPJ_FALSE) {
    throw fail("corrupt codestream");
  }
  if (image->numcomps != 1) throw fail(fmt::format("{} components (only greyscale is supported)", image->numcomps));
  const auto& comp = image->comps[0];
  if (static_cast<int>(comp.w) != header.columns || static_cast<int>(comp.h) != header.rows) {
    throw fail(fmt::format("decoded size {}x{} differs from Columns x Rows {}x{}", comp.w, comp.h, header.columns, header.rows));
  }
  return {comp.data, comp.data + static_cast<std::size_t>(comp.w) * comp.h};
}

std::vector<std::vector<std::uint8_t>> j2k_fragments_per_frame(DcmDataset& dataset, const FileHeader& header, E_TransferSyntax xfer) {
  DcmElement* element = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
    throw core::MyoError(header.path.string(), "no PixelData");
  }
  auto* pixel_data = dynamic_cast<DcmPixelData*>(element);
  DcmPixelSequence* sequence = nullptr;
  if (pixel_data == nullptr || pixel_data->getEncapsulatedRepresentation(xfer, nullptr, sequence).bad() || sequence == nullptr) {
    throw core::MyoError(header.path.string(), "JPEG 2000 pixel data is not encapsulated");
  }
  std::vector<std::vector<std::uint8_t>> fragments;
  for (unsigned long i = 1; i < sequence->card(); ++i) {  // item 0 is the basic offset table
    DcmPixelItem* item = nullptr;
    Uint8* bytes = nullptr;
    if (sequence->getItem(item, i).bad() || item == nullptr || item->getUint8Array(bytes).bad()) {
      throw core::MyoError(header.path.string(), fmt::format("unreadable JPEG 2000 fragment {}", i));
    }
    fragments.emplace_back(bytes, bytes + item->getLength());
  }
  const auto frames = static_cast<std::size_t>(header.number_of_frames);
  if (frames == 1) {
    std::vector<std::uint8_t> all;
    for (const auto& f : fragments) all.insert(all.end(), f.begin(), f.end());
    return {all};
  }
  if (fragments.size() != frames) {
    throw core::MyoError(header.path.string(), fmt::format("JPEG 2000 multi-frame with {} fragments for {} frames is not supported",
                                                           fragments.size(), frames));
  }
  return fragments;
}

bool is_j2k(E_TransferSyntax xfer) {
  return xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000 || xfer == EXS_JPEG2000MulticomponentLosslessOnly ||
         xfer == EXS_JPEG2000Multicomponent;
}

// The stored value of one sample: bits above HighBit are not pixel data (overlays, garbage), and signed data is
// two's complement within BitsStored bits. The parameters are worked out once per file, not per pixel.
struct SampleLayout {
  int shift = 0;
  std::uint32_t mask = 0xFFFFFFFFU;
  bool is_signed = false;
  std::uint32_t sign_bit = 0;

  explicit SampleLayout(const FileHeader& h) {
    const int bits = std::clamp(h.bits_stored, 1, 32);
    // HighBit comes from the file: clamp so that a hostile value cannot shift past the sample (undefined behaviour).
    shift = std::clamp(h.high_bit + 1 - bits, 0, std::max(0, h.bits_allocated - bits));
    mask = bits >= 32 ? 0xFFFFFFFFU : static_cast<std::uint32_t>((std::uint64_t{1} << bits) - 1);
    is_signed = h.pixel_representation == 1;
    sign_bit = std::uint32_t{1} << (bits - 1);
  }
};

// Rescales `count` samples into `out`. Every stored value but unsigned 32-bit fits an int32, whose conversion to
// double the compiler vectorises; sign extension is branch-free: (v ^ s) - s in 32-bit arithmetic maps [s, 2s) to
// [-s, 0) (with s = 0 for unsigned data it changes nothing).
template <class Sample>
void rescale_samples(const Sample* in, std::size_t count, const SampleLayout& layout, double slope, double intercept,
                     float* out) {
  const std::uint32_t mask = layout.mask;
  const int shift = layout.shift;
  if (layout.is_signed || mask <= 0x7FFFFFFFU) {
    const std::uint32_t s = layout.is_signed ? layout.sign_bit : 0U;
    for (std::size_t p = 0; p < count; ++p) {
      const std::uint32_t u = (static_cast<std::uint32_t>(in[p]) >> shift) & mask;
      const auto v = static_cast<std::int32_t>((u ^ s) - s);
      out[p] = static_cast<float>(static_cast<double>(v) * slope + intercept);
    }
    return;
  }
  for (std::size_t p = 0; p < count; ++p) {
    const std::uint32_t u = (static_cast<std::uint32_t>(in[p]) >> shift) & mask;
    out[p] = static_cast<float>(static_cast<double>(u) * slope + intercept);
  }
}

}  // namespace

std::pair<double, double> applied_rescale(const FileHeader& h, std::size_t frame, bool philips_float_scaling) {
  const auto& fh = h.frames.at(frame);
  double slope = fh.slope;
  double intercept = fh.intercept;
  if (philips_float_scaling && fh.philips_scale_slope && fh.slope != 0.0) {
    // FP = (SV * RS + RI) / (RS * SS), as dcm2niix computes it.
    const double divisor = fh.slope * *fh.philips_scale_slope;
    slope /= divisor;
    intercept /= divisor;
  }
  if (rescale_overflows_float(h, slope, intercept)) {
    throw core::MyoError(h.path.string(), fmt::format("rescale (slope {:g}, intercept {:g}) gives pixel values beyond "
                                                      "the floating-point range (infinite pixels)", slope, intercept));
  }
  return {slope, intercept};
}

std::vector<std::vector<float>> decode_frames(DcmDataset& dataset, const FileHeader& h, const std::vector<std::size_t>& frames,
                                              bool philips_float_scaling) {
  const std::size_t frame_pixels = static_cast<std::size_t>(std::max(h.rows, 0)) * static_cast<std::size_t>(std::max(h.columns, 0));
  std::vector<std::vector<float>> out(frames.size(), std::vector<float>(frame_pixels));
  std::vector<float*> destinations;
  destinations.reserve(out.size());
  for (auto& o : out) destinations.push_back(o.data());
  decode_frames_into(dataset, h, frames, philips_float_scaling, destinations);
  return out;
}

void decode_frames_into(DcmDataset& dataset, const FileHeader& h, const std::vector<std::size_t>& frames,
                        bool philips_float_scaling, const std::vector<float*>& destinations) {
  if (destinations.size() != frames.size()) throw std::logic_error("decode_frames_into: one destination per frame");
  const std::string file = h.path.string();
  if (h.samples_per_pixel != 1) {
    throw core::MyoError(file, fmt::format("colour images (SamplesPerPixel {}) are not supported", h.samples_per_pixel));
  }
  if (h.bits_stored <= 0 || h.bits_stored > 32 || h.bits_stored > h.bits_allocated) {
    throw core::MyoError(file, fmt::format("unsupported BitsStored {} / BitsAllocated {}", h.bits_stored, h.bits_allocated));
  }
  const std::size_t frame_pixels = static_cast<std::size_t>(h.rows) * static_cast<std::size_t>(h.columns);
  const E_TransferSyntax xfer = dataset.getOriginalXfer();
  const DcmXfer xfer_info(xfer);
  const SampleLayout layout(h);

  const auto scaling = [&](std::size_t frame_index) { return applied_rescale(h, frame_index, philips_float_scaling); };

  if (is_j2k(xfer)) {
    const auto fragments = j2k_fragments_per_frame(dataset, h, xfer);
    for (std::size_t n = 0; n < frames.size(); ++n) {
      const auto f = frames[n];
      const auto decoded = decode_j2k(fragments.at(h.number_of_frames == 1 ? 0 : f), h);
      const auto [slope, intercept] = scaling(f);
      // OpenJPEG gives signed samples already (no HighBit masking applies).
      for (std::size_t p = 0; p < frame_pixels; ++p) {
        destinations[n][p] = static_cast<float>(static_cast<double>(decoded[p]) * slope + intercept);
      }
    }
    return;
  }
  if (xfer_info.isEncapsulated()) {
    register_codecs();
    const OFCondition status = dataset.chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (status.bad() || !dataset.canWriteXfer(EXS_LittleEndianExplicit)) {
      throw core::MyoError(file, fmt::format("cannot decode transfer syntax {} ({}): {}", xfer_info.getXferName(),
                                             xfer_info.getXferID(), status.bad() ? status.text() : "no decoder"));
    }
  }
  DcmElement* element = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
    throw core::MyoError(file, "no PixelData");
  }
  const std::size_t needed = frame_pixels * static_cast<std::size_t>(h.number_of_frames);
  const auto check_length = [&](std::size_t available) {
    if (available < needed) {
      throw core::MyoError(file, fmt::format("pixel data holds {} samples but {} are needed (truncated file?)", available, needed));
    }
  };
  const auto decode_all = [&](const auto* data) {
    for (std::size_t n = 0; n < frames.size(); ++n) {
      if (frames[n] >= static_cast<std::size_t>(h.number_of_frames)) {
        throw core::MyoError(file, fmt::format("frame {} beyond NumberOfFrames {}", frames[n] + 1, h.number_of_frames));
      }
      const auto [slope, intercept] = scaling(frames[n]);
      rescale_samples(data + frames[n] * frame_pixels, frame_pixels, layout, slope, intercept, destinations[n]);
    }
  };
  if (h.bits_allocated == 8) {
    Uint8* data = nullptr;
    if (element->getUint8Array(data).bad() || data == nullptr) throw core::MyoError(file, "unreadable 8-bit pixel data");
    check_length(element->getLength());
    decode_all(data);
  } else if (h.bits_allocated == 16) {
    Uint16* data = nullptr;
    if (element->getUint16Array(data).bad() || data == nullptr) throw core::MyoError(file, "unreadable 16-bit pixel data");
    check_length(element->getLength() / 2);
    decode_all(data);
  } else if (h.bits_allocated == 32) {
    Uint32* data = nullptr;
    if (element->getUint32Array(data).bad() || data == nullptr) throw core::MyoError(file, "unreadable 32-bit pixel data");
    check_length(element->getLength() / 4);
    decode_all(data);
  } else {
    throw core::MyoError(file, fmt::format("unsupported BitsAllocated {}", h.bits_allocated));
  }
}

}  // namespace myo::dicom::detail
