#pragma once
// Output files are written under a temporary name and renamed into place, so a crash or a full disk never leaves
// a half-written file. A whole output folder is one transaction: core/output_folder.hpp.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace myo::core {

// Writes `content` to `target` atomically. Throws MyoError naming `target` on failure.
void write_file_atomically(const std::filesystem::path& target, std::string_view content);

// Calls `writer` with a temporary path beside `target`, then renames it to `target`.
// The temporary file is removed when the writer throws.
void write_atomically_with(const std::filesystem::path& target,
                           const std::function<void(const std::filesystem::path& temporary)>& writer);

[[nodiscard]] std::string read_text_file(const std::filesystem::path& path);

// Turns an arbitrary (possibly hostile) string into a safe single path component: [A-Za-z0-9._-] only,
// never "." or "..", bounded length. Use it for every path built from a DICOM tag value.
[[nodiscard]] std::string sanitize_path_component(std::string_view text, std::string_view fallback = "unnamed");

}  // namespace myo::core
