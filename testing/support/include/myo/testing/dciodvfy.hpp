#pragma once
// dciodvfy (dicom3tools) on a DICOM object MyoScope wrote: the error lines and the warnings outside the documented
// allow-list (docs/dicom-codes.md, "Validation"). Tests skip with a reason when dciodvfy is not installed.
#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "myo/testing/test_support.hpp"

namespace myo::testing {

// dciodvfy warnings that cannot be fixed, each with the reason.
struct AllowedDciodvfyWarning {
  const char* text;
  const char* reason;
};

inline const std::vector<AllowedDciodvfyWarning>& allowed_dciodvfy_warnings() {
  static const std::vector<AllowedDciodvfyWarning> allowed{
      {"Unrecognized defined term <99MYO> for value 1 of attribute <Coding Scheme Designator>",
       "MyoScope's private codes (code table: only where no standard code exists); the scheme is declared in "
       "CodingSchemeIdentificationSequence, which dciodvfy does not consult"},
      {"should be absent (not empty) if an unpaired body part, and have a value if a paired body part - attribute "
       "<Laterality>",
       "secondary capture: the figures show both sides, Laterality has no value for both, and dciodvfy reports an "
       "error when it is absent"},
  };
  return allowed;
}

inline bool have_dciodvfy() { return have_tool("dciodvfy"); }

// dciodvfy's report on `file` (it writes to stderr).
inline std::string dciodvfy_output(const std::filesystem::path& file) {
  return command_output("dciodvfy '" + file.string() + "' 2>&1");
}

// The lines dciodvfy starts with "Error" (violations of the IOD; warnings are not counted); `all`, when given,
// receives its whole output.
inline std::vector<std::string> dciodvfy_errors(const std::filesystem::path& file, std::string* all = nullptr) {
  const std::string output = dciodvfy_output(file);
  if (all) *all = output;
  std::vector<std::string> errors;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("Error", 0) == 0) errors.push_back(line);
  return errors;
}

// The error lines and the warning lines outside the allow-list; `all` receives dciodvfy's whole output.
inline std::vector<std::string> dciodvfy_findings(const std::filesystem::path& file, std::string* all) {
  *all = dciodvfy_output(file);
  std::vector<std::string> findings;
  std::istringstream lines(*all);
  const auto& allowed = allowed_dciodvfy_warnings();
  for (std::string line; std::getline(lines, line);) {
    const bool error = line.rfind("Error", 0) == 0;
    const bool warning = line.rfind("Warning", 0) == 0;
    const bool excused = std::any_of(allowed.begin(), allowed.end(), [&](const AllowedDciodvfyWarning& a) {
      return line.find(a.text) != std::string::npos;
    });
    if (error || (warning && !excused)) findings.push_back(line);
  }
  return findings;
}

}  // namespace myo::testing
