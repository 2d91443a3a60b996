// `myoscope convert` on awkward input and output: a series holding two volumes at the same positions (a repeat),
// the same with one image of the repeat missing, uncompressed output, a full disk, bad compression options.
#include "convert_helpers.hpp"

namespace {
using namespace convert_helpers;

// Used to be refused ("duplicated slice positions"): now one 4D file of two volumes, the repeat second
// (InstanceNumber order), equal voxel for voxel in .nii.gz and .nii. Exit 0.
TEST_F(ConvertOutput, RepeatedSeriesBecomesOne4DFileInBothModes) {
  add_repeat(in(), water());
  const auto gz = convert();
  EXPECT_EQ(gz.exit_code, core::kExitOk) << gz.out << gz.err;
  const auto compressed = inflate_all(output_of(out(), ".nii.gz"));
  fs::remove_all(out());
  const auto raw_run = convert("-z n");
  EXPECT_EQ(raw_run.exit_code, core::kExitOk) << raw_run.out << raw_run.err;
  const auto raw_path = output_of(out(), ".nii");
  ASSERT_FALSE(raw_path.empty()) << raw_run.out;
  EXPECT_TRUE(output_of(out(), ".nii.gz").empty()) << "-z n wrote gzip";
  const auto raw = inflate_all(raw_path);
  EXPECT_EQ(fs::file_size(raw_path), raw.size());
  const auto d = dims(raw);
  EXPECT_EQ(d[0], 4);
  EXPECT_EQ(d[4], 2);
  // Every slice shares one rescale: the stored 16-bit integers, as dcm2niix writes them.
  EXPECT_EQ(raw.size(), 352U + 2U * std::size_t(d[1]) * std::size_t(d[2]) * std::size_t(d[3]) * sizeof(std::int16_t));
  EXPECT_TRUE(raw == compressed) << "the .nii.gz and .nii of one series differ";
  const auto sidecar = nlohmann::json::parse(read_all(raw_path.parent_path() / (raw_path.stem().string() + ".json")));
  EXPECT_EQ(sidecar.at("Volumes"), 2);
  EXPECT_EQ(sidecar.at("EchoTimes").size(), 2U);
  EXPECT_TRUE(sidecar.at("EchoTime").is_number());
}

// A repeat that lacks one image: the series is refused with its UID and the reason, the others are written:
// exit 4 (partial).
TEST_F(ConvertOutput, RepeatMissingAnImageIsRefusedNamingTheSeries) {
  const auto copies = add_repeat(in(), water());
  fs::remove(copies.at(copies.size() / 2));
  const auto r = convert();
  EXPECT_TRUE(documented(r));
  EXPECT_EQ(r.exit_code, core::kExitPartial) << r.out << r.err;
  EXPECT_TRUE(has(r.out + r.err, water().uid)) << r.out << r.err;
  EXPECT_TRUE(has(r.out + r.err, "not the same number at every position")) << r.out << r.err;
  EXPECT_TRUE(output_of(out(), ".nii.gz").empty());
}

// A full disk (file size limit, as in hardening_test.cpp) while writing uncompressed NIfTI: exit 5 naming the file,
// no temporary files left behind.
TEST_F(ConvertOutput, FullDiskIsAnOutputErrorNamingTheFile) {
  const auto r = convert("-z n", "trap '' XFSZ; ulimit -f 400; ");
  EXPECT_TRUE(documented(r));
  EXPECT_EQ(r.exit_code, core::kExitOutputError) << r.out << r.err;
  EXPECT_TRUE(has(r.out + r.err, "disk full")) << r.out << r.err;
  EXPECT_TRUE(has(r.out + r.err, out().string())) << r.out << r.err;
  for (const auto& entry : fs::recursive_directory_iterator(out()))
    EXPECT_FALSE(has(entry.path().filename().string(), ".tmp-")) << "temporary file left: " << entry.path();
}

// -z takes y or n, the level 1..12: anything else is a usage error (exit 2) before any file is read.
TEST_F(ConvertOutput, BadCompressionOptionsAreUsageErrors) {
  for (const char* extra : {"-z x", "--compression-level 0", "--compression-level 13"}) {
    const auto r = convert(extra);
    EXPECT_EQ(r.exit_code, core::kExitUsage) << extra << "\n" << r.err;
    EXPECT_FALSE(fs::exists(out())) << extra;
  }
}

}  // namespace
