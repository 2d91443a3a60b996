// `--threads` (issue #21 item 2): the thread count changes how fast an analysis runs, never what it measures, and a
// count that cannot be right is refused before any work.
#include <thread>

#include "hardening_fixture.hpp"

namespace {

using json = nlohmann::json;

// Drops every "..._seconds" entry (stage and fit times) from a JSON document.
void drop_times(json& j) {
  if (j.is_array())
    for (auto& e : j) drop_times(e);
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end();) {
    const auto& key = it.key();
    if (key.size() > 8 && key.compare(key.size() - 8, 8, "_seconds") == 0) {
      it = j.erase(it);
    } else {
      drop_times(*it);
      ++it;
    }
  }
}

// report.json without what legitimately differs between two runs: the time it was made, the provenance (stage
// times, memory, thread count) and the times the fits took.
json measurements_of(const fs::path& report_json) {
  auto report = json::parse(read_all(report_json));
  report.erase("created_utc");
  report.erase("provenance");
  drop_times(report);
  return report;
}

// The NIfTI files and measurements.csv of an analysis folder, by name. The documents (report.json, compared above,
// report.pdf and report.html) carry times and the DICOM objects new UIDs.
std::map<std::string, std::string> files_of(const fs::path& folder) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto name = entry.path().filename().string();
    if (name == "measurements.csv" || name.find(".nii") != std::string::npos) out[name] = read_all(entry.path());
  }
  return out;
}

}  // namespace

// One thread and the default (one per core) give the same report.json numbers and the same files, byte for byte:
// every parallel loop writes each voxel, slice or file from one index only, and nothing is summed across threads.
// Before, ITK's N4 fit of the STIR bias field summed one lattice per thread: its field, the STIR ratios and edema
// voxels at the threshold changed with the thread count (edema fraction by 0.002 points).
// (On a one-core machine both runs are serial and the test only checks that the option is accepted and recorded.)
TEST_F(Hardening, OneThreadAndAllCoresMeasureTheSame) {
  const fs::path serial = work_.path() / "serial", parallel = work_.path() / "parallel";
  const auto one = run_myoscope("analyze " + in().string() + " -o " + serial.string() + " --no-figures --threads 1");
  ASSERT_EQ(one.exit_code, core::kExitOk) << one.err;
  const auto all = run_myoscope("analyze " + in().string() + " -o " + parallel.string() + " --no-figures");
  ASSERT_EQ(all.exit_code, core::kExitOk) << all.err;

  EXPECT_EQ(measurements_of(serial / "report.json"), measurements_of(parallel / "report.json"));
  const auto serial_files = files_of(serial), parallel_files = files_of(parallel);
  ASSERT_EQ(serial_files.size(), parallel_files.size());
  EXPECT_TRUE(serial_files.count("labels.nii.gz") && serial_files.count("edema_mask.nii.gz"));
  for (const auto& [name, bytes] : serial_files) {
    const auto other = parallel_files.find(name);
    ASSERT_NE(other, parallel_files.end()) << name;
    EXPECT_TRUE(bytes == other->second) << name << " differs between --threads 1 and the default";
  }

  const auto threads_of = [](const fs::path& folder) {
    return json::parse(read_all(folder / "report.json"))["provenance"]["threads"];
  };
  EXPECT_EQ(threads_of(serial), 1);
  EXPECT_EQ(threads_of(parallel), std::max(1U, std::thread::hardware_concurrency()));
}

// A negative, absurd or non-numeric count is a usage error (exit 2) before anything is read or written; 0 (one
// per core) is valid. Before --threads existed, `analyze --threads 0` was an unknown option (exit 2).
TEST_F(Hardening, InvalidThreadCountsAreUsageErrors) {
  for (const std::string value : {"-1", "257", "100000", "99999999999", "two", "1.5", ""}) {
    for (const std::string& command : std::vector<std::string>{"analyze " + in().string() + " -o " + out().string(),
                                      "segment --water " + (in() / "missing.nii.gz").string() + " -o " + out().string(),
                                      "batch " + in().string() + " -o " + out().string(), "scan " + in().string()}) {
      const auto r = run_myoscope(command + " --threads '" + value + "'");
      EXPECT_EQ(r.exit_code, core::kExitUsage) << command << " --threads '" << value << "'\n" << r.err;
      EXPECT_TRUE(has(r.err, "--threads")) << r.err;
      EXPECT_FALSE(fs::exists(out())) << command << " --threads '" << value << "' wrote " << out();
    }
  }
  // Valid counts get past the options: the missing input is what stops these runs (exit 3).
  for (const std::string value : {"0", "1", "256"}) {
    const auto r = run_myoscope("analyze " + (in() / "missing").string() + " -o " + out().string() + " --threads " +
                                value);
    EXPECT_EQ(r.exit_code, core::kExitInputError) << "--threads " << value << "\n" << r.err;
  }
}
