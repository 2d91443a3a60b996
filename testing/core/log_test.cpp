// The logging facade writes one record per message whatever the message holds (issue #24, item 9): a file name with
// a newline wrote a forged "[E]" line into the log, and escape sequences in tag values reached the terminal.
#include "myo/core/log.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace myo;

TEST(Log, NewlinesAndControlCharactersAreEscapedInRecords) {
  EXPECT_EQ(log::log_line("scan/a\n[E] forged.dcm"), "scan/a\\n[E] forged.dcm");
  EXPECT_EQ(log::log_line("red \x1b[31m bell \x07 cr \r"), "red \\x1b[31m bell \\x07 cr \\x0d");
  EXPECT_EQ(log::log_line("csi \xc2\x9b"), "csi \\u009b");
  EXPECT_EQ(log::log_line("ITK: warning\n"), "ITK: warning");  // a toolkit's final newline is layout
  EXPECT_EQ(log::log_line("gr\xc3\xbc\xc3\x9f tab\t"), "gr\xc3\xbc\xc3\x9f tab\t");  // UTF-8 text and tabs stay
}

TEST(Log, TablesKeepTheirNewlines) { EXPECT_EQ(log::printable("a\nb\x1b"), "a\nb\\x1b"); }

TEST(Log, AMessageWithANewlineIsOneRecordOnStderr) {
  const auto saved = log::level();
  log::set_level(log::Level::info);
  ::testing::internal::CaptureStderr();
  log::warn("skipped unreadable file {}", "in/x\n[E] the analysis failed");
  const std::string err = ::testing::internal::GetCapturedStderr();
  log::set_level(saved);
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;  // one line, ended by the record's own newline
  EXPECT_NE(err.find("in/x\\n[E] the analysis failed"), std::string::npos) << err;
}
