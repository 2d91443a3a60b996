#include <gtest/gtest.h>

#include <filesystem>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo::core;
namespace fs = std::filesystem;

TEST(Files, AtomicWriteReplacesAndLeavesNoTemporary) {
  myo::testing::TempDir dir;
  const auto target = dir.path() / "report.json";
  write_file_atomically(target, "first");
  write_file_atomically(target, "second");
  EXPECT_EQ(read_text_file(target), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

TEST(Files, FailedWriterKeepsThePreviousFile) {
  myo::testing::TempDir dir;
  const auto target = dir.path() / "measurements.csv";
  write_file_atomically(target, "good");
  EXPECT_THROW(write_atomically_with(target, [](const fs::path& tmp) {
                 write_file_atomically(tmp, "partial");
                 throw MyoError(tmp.string(), "simulated failure");
               }),
               MyoError);
  EXPECT_EQ(read_text_file(target), "good");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

TEST(Files, WriteIntoMissingFolderNamesTheFile) {
  try {
    write_file_atomically("/nonexistent-myo/dir/out.json", "x");
    FAIL() << "expected an error";
  } catch (const MyoError& e) {
    EXPECT_NE(std::string(e.what()).find("out.json"), std::string::npos);
  }
}

TEST(Files, SanitizeNeutralisesTraversalAndControlCharacters) {
  EXPECT_EQ(sanitize_path_component("../../etc/passwd"), "_._.._etc_passwd");  // no separator, no leading dot
  EXPECT_EQ(sanitize_path_component(".."), "unnamed");
  EXPECT_EQ(sanitize_path_component(""), "unnamed");
  EXPECT_EQ(sanitize_path_component("A\nB\x01/C"), "A_B__C");
  EXPECT_EQ(sanitize_path_component(std::string(200, 'x')).size(), 64U);
}
