#pragma once
// What an analysis folder's report.json says about the study it analysed (read by `edit` and `model-tune`).
#include <filesystem>
#include <string>

namespace myo::pipeline::detail {

struct RecordedStudy {
  std::string path;                // the study's folder; empty when de-identified or written by an older version
  std::string study_instance_uid;
  std::string patient_pseudonym;   // keyed hash (core/patient_identity.hpp); empty when none was recorded
};

// Throws core::MyoError naming `report_file` when it is not readable JSON.
[[nodiscard]] RecordedStudy recorded_study(const std::filesystem::path& report_file);

}  // namespace myo::pipeline::detail
