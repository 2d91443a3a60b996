#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"

namespace myo::testing {

// ../shared/data beside the project root, or nullopt when absent (tests then GTEST_SKIP with a reason).
[[nodiscard]] std::optional<std::filesystem::path> shared_data_dir();

// Skips the current test with a clear reason when ../shared/data is absent; returns its path otherwise.
#define MYO_REQUIRE_SHARED_DATA(var)                                                              \
  const auto var##_opt = ::myo::testing::shared_data_dir();                                        \
  if (!var##_opt) GTEST_SKIP() << "../shared/data is absent: real-data test skipped";             \
  const std::filesystem::path var = *var##_opt

// Skips the test when one file it reads is missing from ../shared/data (a partial copy).
#define MYO_REQUIRE_SHARED_FILE(path) \
  if (!std::filesystem::exists(path)) GTEST_SKIP() << (path).string() << " is absent: real-data test skipped"

// A fresh, empty temporary folder removed when the object goes out of scope.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "myo-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Dice of each of `labels` between `ours` and `truth` (same grid), averaged; `worst` receives the lowest. Voxels the
// truth leaves at 0 (such as the one-voxel septa an expert leaves open) are not scored unless `score_unlabelled` (a
// label of ours there then counts against it). A label absent from both scores 0.
[[nodiscard]] double mean_dice(const core::LabelVolume& ours, const core::LabelVolume& truth,
                               const std::vector<std::uint16_t>& labels, bool score_unlabelled = false,
                               double* worst = nullptr);
// The non-zero labels present in `volume`, in increasing order.
[[nodiscard]] std::vector<std::uint16_t> labels_present(const core::LabelVolume& volume);

// Where a test writes a picture or document for a person to look at: `dir`/`name`, or MYO_RENDER_PICTURES/`name`
// when that variable names a folder (created here), to keep it after the test.
[[nodiscard]] std::filesystem::path kept_picture(const std::filesystem::path& dir, const std::string& name);
// Whether MYO_RENDER_PICTURES asks for the pictures to be kept.
[[nodiscard]] bool keeping_pictures();

// Whether a command-line tool is on the PATH (tests that call it GTEST_SKIP with a reason when it is not).
[[nodiscard]] bool have_tool(const std::string& name);
// The standard output of a shell command (empty when it cannot be started).
[[nodiscard]] std::string command_output(const std::string& command);
// The text of a PDF as pdftotext (poppler-utils) reads it, whitespace runs collapsed to one space (layout breaks lines
// anywhere). Check have_tool("pdftotext") first.
[[nodiscard]] std::string pdf_text(const std::filesystem::path& pdf);

[[nodiscard]] std::filesystem::path source_dir();
[[nodiscard]] std::filesystem::path binary_dir();

}  // namespace myo::testing
