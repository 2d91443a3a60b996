#pragma once
// Tiny synthetic DICOM files written with DCMTK, so unit tests know every tag and pixel value.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"

namespace myo::testing {

struct SliceSpec {
  std::string patient_id = "TESTPAT1";
  std::string patient_name = "DOE^JANE";
  std::string study_uid = "1.2.826.0.1.3680043.2.1125.1.1";
  std::string series_uid = "1.2.826.0.1.3680043.2.1125.1.1.1";
  int series_number = 1;
  int instance_number = 1;
  std::string description = "test series";
  std::string manufacturer = "SIEMENS";
  std::string image_type = "ORIGINAL\\PRIMARY\\M\\ND";
  std::string scanning_sequence = "GR";
  std::string sequence_name;
  std::optional<double> echo_time_ms = 4.6;
  std::optional<double> repetition_time_ms = 10.0;
  std::optional<double> inversion_time_ms;
  core::Vec3 position{0, 0, 0};
  std::array<double, 6> orientation{1, 0, 0, 0, 1, 0};
  std::array<double, 2> pixel_spacing{1.0, 1.0};  // row spacing, column spacing
  int rows = 4;
  int columns = 3;
  int bits_stored = 16;
  bool signed_pixels = false;
  std::optional<double> slope;
  std::optional<double> intercept;
  std::vector<int> pixels;  // rows*columns stored values; default: value = 100*instance + index
  bool preamble = true;
  std::optional<int> ge_image_type;
  std::optional<double> field_strength_t;  // GE private (0043,102F): 0 magnitude, 1 phase
};

// Writes one classic MR image. Throws std::runtime_error on failure.
void write_slice(const SliceSpec& spec, const std::filesystem::path& path);

// Writes `count` slices along the normal of `base.orientation`, `spacing` apart, starting at base.position; files
// get meaningless names. Returns the paths in slice order.
std::vector<std::filesystem::path> write_stack(SliceSpec base, int count, double spacing_mm,
                                               const std::filesystem::path& folder, const std::string& prefix = "IM");

struct EnhancedFrame {
  core::Vec3 position{0, 0, 0};
  std::string frame_type = "ORIGINAL\\PRIMARY\\M\\NONE";
  std::string complex_component = "MAGNITUDE";
  double echo_time_ms = 4.6;
  double slope = 1.0;
  double intercept = 0.0;
  int value = 0;  // every pixel of the frame
};

// Writes an Enhanced MR multi-frame object: PixelMeasures and PlaneOrientation in the shared functional groups,
// position, frame type, echo and rescale per frame (as Philips exports them). Uses spec's UIDs, size and spacing.
void write_enhanced(const SliceSpec& spec, const std::vector<EnhancedFrame>& frames, const std::filesystem::path& path);

// Writes a General Purpose DICOMDIR in `root` listing `files` (paths relative to root, ISO 9660 names).
void write_dicomdir(const std::filesystem::path& root, const std::vector<std::string>& relative_files);

// gzip-compresses `source` into `target`.
void gzip_file(const std::filesystem::path& source, const std::filesystem::path& target);

}  // namespace myo::testing
