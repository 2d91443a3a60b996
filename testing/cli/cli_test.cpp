#include <gtest/gtest.h>

#include <fstream>

#include "myo/core/exit_codes.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/testing/run_myoscope.hpp"
#include "myo/testing/test_support.hpp"

using myo::testing::run_myoscope;
namespace core = myo::core;

TEST(Cli, HelpListsTheSubcommands) {
  const auto r = run_myoscope("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* sub : {"phantom", "scan", "convert", "analyze", "evaluate"})
    EXPECT_NE(r.output.find(sub), std::string::npos) << sub;
}

TEST(Cli, VersionNamesTheToolkits) {
  const auto r = run_myoscope("--version");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* text : {"MyoScope", "git", "ITK 5.2", "VTK 9.1", "DCMTK 3.6.7"})
    EXPECT_NE(r.output.find(text), std::string::npos) << text << " in " << r.output;
}

TEST(Cli, UnknownOptionIsAUsageError) {
  EXPECT_EQ(run_myoscope("--no-such-option").exit_code, core::kExitUsage);
  EXPECT_EQ(run_myoscope("analyze").exit_code, core::kExitUsage);  // INPUT and -o are required
}

TEST(Cli, NoSubcommandPrintsUsage) { EXPECT_EQ(run_myoscope("").exit_code, core::kExitUsage); }

TEST(Cli, AnalyzeOfAMissingFolderNamesIt) {
  myo::testing::TempDir out;
  const auto r = run_myoscope("analyze /nonexistent/study -o " + out.path().string());
  EXPECT_EQ(r.exit_code, core::kExitInputError);
  EXPECT_NE(r.output.find("/nonexistent/study"), std::string::npos);
}

TEST(Cli, AnalyzeOfAFolderWithoutDicomSaysSo) {
  myo::testing::TempDir in;
  myo::testing::TempDir out;
  std::ofstream(in.path() / "notes.txt") << "not an image";
  std::ofstream(in.path() / "DICOMDIR.bak") << "DICM but not really";
  const auto r = run_myoscope("analyze " + in.path().string() + " -o " + (out.path() / "a").string());
  EXPECT_EQ(r.exit_code, core::kExitInputError);
  EXPECT_NE(r.output.find("no DICOM"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out.path() / "a" / "report.json"));
}

TEST(Cli, EvaluateWithMissingFilesNamesThem) {
  myo::testing::TempDir a;
  myo::testing::TempDir t;
  const auto r = run_myoscope("evaluate " + a.path().string() + " " + t.path().string());
  EXPECT_EQ(r.exit_code, core::kExitInputError);
  EXPECT_NE(r.output.find("labels.nii.gz"), std::string::npos) << r.output;
}

TEST(Cli, SegmentNeedsAnImage) {
  myo::testing::TempDir out;
  EXPECT_EQ(run_myoscope("segment -o " + out.path().string()).exit_code, core::kExitUsage);
  EXPECT_EQ(run_myoscope("segment --fat f.nii.gz -o " + out.path().string()).exit_code, core::kExitUsage);
}

TEST(Cli, SegmentOfAMissingOrBrokenImageNamesIt) {
  myo::testing::TempDir dir;
  const auto missing = run_myoscope("segment --t1 /nonexistent/t1.nii.gz -o " + (dir.path() / "out").string());
  EXPECT_EQ(missing.exit_code, core::kExitInputError);
  EXPECT_NE(missing.output.find("/nonexistent/t1.nii.gz"), std::string::npos) << missing.output;
  const auto broken = dir.path() / "broken.nii.gz";
  std::ofstream(broken) << "not a NIfTI file";
  const auto r = run_myoscope("segment --water " + broken.string() + " -o " + (dir.path() / "out").string());
  EXPECT_EQ(r.exit_code, core::kExitInputError);
  EXPECT_NE(r.output.find("broken.nii.gz"), std::string::npos) << r.output;
}

TEST(Cli, SegmentRefusesAModelFileThatIsNotOne) {
  myo::testing::TempDir dir;
  core::ImageVolume t1;
  t1.geometry.size = {16, 16, 2};
  t1.voxels.assign(t1.geometry.voxel_count(), 100.0F);
  core::write_image(t1, dir.path() / "t1.nii.gz");
  const auto model = dir.path() / "model.bin";
  std::ofstream(model) << "MYOSEGNET\nnonsense";
  const auto r = run_myoscope("segment --t1 " + (dir.path() / "t1.nii.gz").string() + " --model " + model.string() +
                              " -o " + (dir.path() / "out").string());
  EXPECT_EQ(r.exit_code, core::kExitInputError) << r.output;
  EXPECT_NE(r.output.find("model.bin"), std::string::npos) << r.output;
}

#if defined(__SANITIZE_ADDRESS__)
#define MYO_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MYO_SANITIZED 1
#endif
#endif

// myoscope starts itself once more with glibc's huge-page malloc (apps/myoscope/huge_pages.cpp): the second start
// must see the same arguments, spaces and non-ASCII characters included, and a user's own tunables are kept.
TEST(Cli, RestartsWithHugePageMallocKeepingItsArguments) {
#ifdef MYO_SANITIZED
  GTEST_SKIP() << "the sanitizer's allocator ignores glibc's tunables: myoscope does not restart under it";
#else
  const auto r = run_myoscope("-v scan '/nonexistent/a b/\xc3\xa7'", "env -u GLIBC_TUNABLES -u LD_PRELOAD");
  EXPECT_EQ(r.exit_code, core::kExitInputError) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/a b/\xc3\xa7"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("malloc tunables: glibc.malloc.hugetlb=1"), std::string::npos) << r.output;
  const auto own = run_myoscope("-v scan /nonexistent", "env -u LD_PRELOAD GLIBC_TUNABLES=glibc.malloc.check=0");
  EXPECT_NE(own.output.find("malloc tunables: glibc.malloc.check=0"), std::string::npos) << own.output;
#endif
}
