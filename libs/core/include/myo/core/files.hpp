#pragma once
// Output files are written under a temporary name and renamed into place, so a crash or a full disk never leaves
// a half-written result, and a previous result stays intact until the new one is complete.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace myo::core {

// Writes `content` to `target` atomically. Throws MyoError naming `target` on failure.
void write_file_atomically(const std::filesystem::path& target, std::string_view content);

// Calls `writer` with a temporary path beside `target`, then renames it to `target`.
// The temporary file is removed when the writer throws.
void write_atomically_with(const std::filesystem::path& target,
                           const std::function<void(const std::filesystem::path& temporary)>& writer);

// Keeps an earlier result whole across a run that fails half-way (a full disk after three of six files). While an
// OutputTransaction is alive, write_atomically_with called from the same thread keeps the earlier version of every
// file it replaces under a hidden name beside it (a hard link: nothing copied, no disk space needed; a copy where
// the file system has no hard links). commit() drops those; destruction without commit() (an exception unwinding)
// puts every earlier file back and removes the files the run added. Files written meanwhile stay readable at their
// final paths (figures embedded in reports). A killed process leaves the hidden `.<name>.earlier-*` files behind.
class OutputTransaction {
 public:
  OutputTransaction();
  ~OutputTransaction();
  OutputTransaction(const OutputTransaction&) = delete;
  OutputTransaction& operator=(const OutputTransaction&) = delete;
  void commit();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  Impl* previous_ = nullptr;  // the transaction this one interrupts on this thread, resumed afterwards
};

[[nodiscard]] std::string read_text_file(const std::filesystem::path& path);

// Turns an arbitrary (possibly hostile) string into a safe single path component: [A-Za-z0-9._-] only,
// never "." or "..", bounded length. Use it for every path built from a DICOM tag value.
[[nodiscard]] std::string sanitize_path_component(std::string_view text, std::string_view fallback = "unnamed");

}  // namespace myo::core
