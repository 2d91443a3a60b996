// Writing and reading a DICOM SEG of a realistic study (512x512x60, every catalogue label), timed.
// Usage: myo_seg_object_bench [repetitions]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "myo/core/volume.hpp"
#include "myo/dicom/results.hpp"

namespace fs = std::filesystem;

namespace {

// Bands of labels 0-19 across the volume (label 10 left empty), as a full segmentation fills a study.
myo::core::LabelVolume banded_labels() {
  myo::core::Geometry big;
  big.size = {512, 512, 60};
  big.spacing_mm = {0.9, 0.9, 5.0};
  myo::core::LabelVolume labels(big, 0);
  for (std::size_t i = 0; i < labels.voxels.size(); ++i) {
    const auto value = static_cast<std::uint16_t>((i / 4096) % 20);
    labels.voxels[i] = value == 10 ? 0 : value;
  }
  return labels;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 3;
  const auto labels = banded_labels();
  myo::dicom::ResultContext context;
  context.study.study_instance_uid = "1.2.826.0.1.3680043.8.498.1";
  const fs::path file = fs::temp_directory_path() / "myo_seg_object_bench.dcm";
  double best_write = 1e9, best_read = 1e9;
  for (int r = 0; r < repetitions; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto seg = myo::dicom::write_segmentation(labels, context, file);
    best_write = std::min(best_write, seconds_since(t0));
    const auto t1 = std::chrono::steady_clock::now();
    const auto back = myo::dicom::read_segmentation(seg.file, labels.geometry);
    best_read = std::min(best_read, seconds_since(t1));
    if (back.voxels != labels.voxels) {
      std::fprintf(stderr, "SEG read back differs from the labels written\n");
      return 1;
    }
  }
  std::printf("SEG 512x512x60: write %.2f s, read %.2f s (best of %d), %.1f MB\n", best_write, best_read, repetitions,
              static_cast<double>(fs::file_size(file)) / 1e6);
  fs::remove(file);
  return 0;
}
