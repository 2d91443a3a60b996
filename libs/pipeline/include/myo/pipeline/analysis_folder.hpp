#pragma once
// The analysis folder (`analyze -o`, `segment -o`, a batch's or node's per-study folder) as one transaction.
#include <string>

namespace myo::pipeline {

// Whether `name`, an entry directly inside an analysis folder, is one that myoscope writes there (analyze, segment,
// compare, batch and serve markers). A rerun replaces the whole folder; entries not claimed here are the user's and
// are carried into the new folder (core::OutputFolderTransaction).
[[nodiscard]] bool written_by_myoscope(const std::string& name);

}  // namespace myo::pipeline
