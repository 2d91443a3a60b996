// Hostile label files (issue #24, item 3) for `analyze --labels` and `--label-table`: a truncated gzip label map was
// accepted (gluteus maximus 7 ml instead of 1198 ml, exit 0); a 1 KB NIfTI whose header declared 2^31 voxels made
// the reader allocate 8.5 GB; values outside the catalogue, NaN or 2^40 were dropped without a word; a table naming
// one value twice let the last name win. Each is an input error (exit 3) naming the file and what is wrong with it.
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "hardening_fixture.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"

namespace {

class Labels : public Hardening {
 protected:
  [[nodiscard]] fs::path truth_labels() const { return study_ / "truth" / "labels.nii.gz"; }
  [[nodiscard]] fs::path label_dir() const {
    const fs::path dir = work_.path() / "labels";
    fs::create_directories(dir);
    return dir;
  }
  [[nodiscard]] CliRun analyze_with(const fs::path& labels, const std::string& extra = "",
                                    const std::string& shell_prefix = "") const {
    return analyze("--no-dicom --no-report-documents --labels '" + labels.string() + "' " + extra, shell_prefix);
  }
  // A NIfTI-1 file of `file_bytes` whose header declares `nx` x `ny` x `nz` 16-bit voxels.
  static std::string nifti_declaring(std::int16_t nx, std::int16_t ny, std::int16_t nz, std::size_t file_bytes) {
    std::string bytes(std::max<std::size_t>(file_bytes, 352), '\0');
    const auto put_at = [&](std::size_t offset, const auto& value) {
      std::memcpy(&bytes[offset], &value, sizeof value);
    };
    put_at(0, std::int32_t{348});
    const std::array<std::int16_t, 8> dim{3, nx, ny, nz, 1, 1, 1, 1};
    put_at(40, dim);
    put_at(70, std::int16_t{512});  // NIFTI_TYPE_UINT16
    put_at(72, std::int16_t{16});
    const std::array<float, 8> pixdim{1, 1, 1, 1, 1, 1, 1, 1};
    put_at(76, pixdim);
    put_at(108, 352.0F);
    std::memcpy(&bytes[344], "n+1", 4);
    return bytes;
  }
  static void write_gzip(const fs::path& path, const std::string& bytes) {
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    gzclose(f);
  }
};

// A copy cut short: the first part of the stream inflates, the rest is gone.
TEST_F(Labels, ATruncatedGzipLabelMapIsRefusedNamingTheFile) {
  const fs::path cut = label_dir() / "expert.nii.gz";
  fs::copy_file(truth_labels(), cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  const auto a = analyze_with(cut);
  EXPECT_INPUT_ERROR_NAMING(a, cut.string());
  EXPECT_TRUE(has(a.err, "truncated or corrupt gzip")) << a.err;
  EXPECT_FALSE(fs::exists(out() / "report.json"));
}

// 1 KB files whose header declares 2048 x 1024 x 1024 voxels, plain and gzipped: refused from the header and the
// file's size, before anything allocates 4 GB.
TEST_F(Labels, AHeaderDeclaringMoreThanTheFileHoldsIsRefusedBeforeAllocating) {
  const std::string header = nifti_declaring(2048, 1024, 1024, 1024);
  const fs::path plain = label_dir() / "huge.nii";
  std::ofstream(plain, std::ios::binary) << header;
  const fs::path zipped = label_dir() / "huge.nii.gz";
  write_gzip(zipped, header);
#if defined(__SANITIZE_ADDRESS__)
  const std::string limit;  // AddressSanitizer reserves terabytes of address space
#else
  const std::string limit = "ulimit -v 6000000; ";  // 6 GB: the analysis fits, the 8 GB of floats declared do not
#endif
  for (const auto& file : {plain, zipped}) {
    const auto a = analyze_with(file, "", limit);
    EXPECT_INPUT_ERROR_NAMING(a, file.string());
    EXPECT_TRUE(has(a.err, "header declares")) << a.err;
  }
}

// Values that are no labels: NaN and 2^40 in a float map.
TEST_F(Labels, ValuesThatAreNoLabelsAreRefusedNamingThem) {
  auto image = core::read_image(truth_labels());
  image.voxels[0] = std::numeric_limits<float>::quiet_NaN();
  image.voxels[1] = std::ldexp(1.0F, 40);
  const fs::path file = label_dir() / "float_labels.nii.gz";
  core::write_image(image, file);
  const auto a = analyze_with(file);
  EXPECT_INPUT_ERROR_NAMING(a, file.string());
  EXPECT_TRUE(has(a.err, "nan") && has(a.err, "1.09951e+12")) << a.err;
}

// A value neither the catalogue (no table) nor the table names: its voxels would have been left out of every measure.
TEST_F(Labels, UnknownLabelValuesAreRefusedNamingThem) {
  auto labels = core::read_labels(truth_labels());
  std::size_t changed = 0;
  for (auto& v : labels.voxels)
    if (v != 0 && changed++ < 500) v = 999;
  const fs::path file = label_dir() / "with_999.nii.gz";
  core::write_labels(labels, file);
  const auto without_table = analyze_with(file);
  EXPECT_INPUT_ERROR_NAMING(without_table, file.string());
  EXPECT_TRUE(has(without_table.err, "999") && has(without_table.err, "--label-table")) << without_table.err;

  // A table naming every catalogue label but not 999.
  const fs::path table = label_dir() / "table.txt";
  {
    std::ofstream t(table);
    for (const auto& g : core::MuscleCatalog::instance().groups())
      t << g.label_right << ' ' << g.name << "_right\n" << g.label_left << ' ' << g.name << "_left\n";
  }
  const auto with_table = analyze_with(file, "--label-table '" + table.string() + "'");
  EXPECT_INPUT_ERROR_NAMING(with_table, file.string());
  EXPECT_TRUE(has(with_table.err, "999") && has(with_table.err, table.string())) << with_table.err;
}

// One value, two names: which one was meant cannot be guessed.
TEST_F(Labels, ALabelTableNamingAValueTwiceIsRefused) {
  const fs::path table = label_dir() / "twice.txt";
  std::ofstream(table) << "1 gluteus_maximus_right\n2 gluteus_maximus_left\n1 quadriceps_right\n";
  const auto a = analyze_with(truth_labels(), "--label-table '" + table.string() + "'");
  EXPECT_INPUT_ERROR_NAMING(a, table.string());
  EXPECT_TRUE(has(a.err, "gluteus_maximus_right") && has(a.err, "quadriceps_right") && has(a.err, "line 3")) << a.err;
}

}  // namespace
