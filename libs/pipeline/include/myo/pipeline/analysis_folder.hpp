#pragma once
// The analysis folder (`analyze -o`, `segment -o`, a batch's or node's per-study folder) as one transaction.
#include <filesystem>
#include <string>

namespace myo::pipeline {

// Whether `name`, an entry directly inside an analysis folder, is one that myoscope writes there (analyze, segment,
// compare, batch and serve markers). A rerun replaces the whole folder; entries not claimed here are the user's and
// are carried into the new folder (core::OutputFolderTransaction).
[[nodiscard]] bool written_by_myoscope(const std::string& name);

// An input inside an entry of `output` that the run replaces (INPUT = OUT/dicom) would be removed with the earlier
// analysis: throws core::MyoError naming `output` (an output error).
void refuse_input_replaced_with(const std::filesystem::path& output, const std::filesystem::path& input);

}  // namespace myo::pipeline
