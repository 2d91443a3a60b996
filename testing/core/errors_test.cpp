// Error kinds and exit codes (issue #25): an error's kind decides the exit code, in one table that scripts rely on;
// errors keep the kind they were given where they arose.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "myo/core/error.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/files.hpp"

using namespace myo::core;

TEST(ErrorKinds, EachKindHasItsDocumentedExitCode) {
  const std::map<ErrorKind, int> documented = {{ErrorKind::input, 3},
                                               {ErrorKind::output, 5},
                                               {ErrorKind::usage, 2},
                                               {ErrorKind::no_display, 6},
                                               {ErrorKind::internal, 1}};
  for (const auto& [kind, code] : documented) EXPECT_EQ(exit_code_for(kind), code) << static_cast<int>(kind);
}

TEST(ErrorKinds, AnErrorIsAnInputErrorUnlessToldOtherwise) {
  EXPECT_EQ(MyoError("a.dcm", "unreadable").kind(), ErrorKind::input);
  EXPECT_EQ(MyoError(Error{"a.dcm", "unreadable"}).kind(), ErrorKind::input);
  const MyoError output("out/report.json", "disk full", ErrorKind::output);
  EXPECT_EQ(output.kind(), ErrorKind::output);
  EXPECT_EQ(output.error().subject, "out/report.json");
  EXPECT_STREQ(output.what(), "out/report.json: disk full");
}

// A file that cannot be written is an output error where it is written, whatever folder it is in.
TEST(ErrorKinds, AFailedWriteIsAnOutputError) {
  try {
    write_file_atomically("/nonexistent-myo/dir/out.json", "x");
    FAIL() << "expected an error";
  } catch (const MyoError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::output) << e.what();
  }
}

TEST(ErrorKinds, AFileThatCannotBeReadIsAnInputError) {
  try {
    (void)read_text_file("/nonexistent-myo/in.json");
    FAIL() << "expected an error";
  } catch (const MyoError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input) << e.what();
  }
}
