// An analysis folder is one transaction (issue #24, items 4 and 5): one run at a time (a lock beside it, flock),
// the new analysis staged beside it and swapped in whole, leftovers of killed runs cleaned by the next run.
#include "background_run.hpp"

namespace {

class Transaction : public Hardening {
 protected:
  [[nodiscard]] std::string analyze_arguments(const std::string& extra = "") const {
    return "analyze " + in().string() + " -o " + out().string() + " --no-figures " + extra;
  }
  [[nodiscard]] fs::path lock_file() const { return out().parent_path() / ".out.lock"; }
  [[nodiscard]] bool staging_exists() const {
    if (!fs::exists(out().parent_path())) return false;
    for (const auto& name : siblings_of(out()))
      if (name.rfind(".out.tmp-", 0) == 0) return true;
    return false;
  }
  // Over an earlier analysis, starts an analysis, waits for its output stage (the staging folder beside OUT) and
  // sends it `signal`; the folder must hold one complete analysis, and the next run must clean up.
  void kill_during_output_stage(int signal) {
    plant_earlier_output();
    BackgroundRun run(analyze_arguments(), work_.path() / "killed.err");
    const bool staged = wait_until([&] { return staging_exists() || !run.running(); }, 600) && staging_exists();
    if (staged) ::kill(run.pid(), signal);
    const auto result = run.finish();
    ASSERT_TRUE(staged) << "no staging folder appeared beside " << out() << "; the run ended with exit code "
                        << result.exit_code << "\n" << result.err;
    EXPECT_EQ(result.signal, signal) << result.err;
    expect_one_complete_analysis();
    expect_next_run_cleans_up();
  }
  // The folder holds one complete analysis: the earlier one untouched, or (when the signal came in the instant
  // after the swap) the new one.
  void expect_one_complete_analysis() const {
    if (read_all(out() / "report.json") == R"({"earlier": true})") {
      expect_earlier_output_intact();
      return;
    }
    const auto report = nlohmann::json::parse(read_all(out() / "report.json"));
    EXPECT_FALSE(report["muscles"].empty());
    EXPECT_TRUE(fs::exists(out() / "dicom" / "segmentation.dcm"));
    EXPECT_NE(read_all(out() / "labels.nii.gz"), "earlier labels");
  }
  // The leftovers of a killed run are cleaned by the next one, which completes normally.
  void expect_next_run_cleans_up() {
    EXPECT_FALSE(siblings_of(out()).empty()) << "a killed run leaves its staging folder and lock file";
    const auto next = analyze();
    EXPECT_EQ(next.exit_code, core::kExitOk) << next.err;
    EXPECT_TRUE(siblings_of(out()).empty()) << "leftover: " << siblings_of(out()).front();
    EXPECT_NE(read_all(out() / "report.json"), R"({"earlier": true})");
    for (const auto& entry : fs::recursive_directory_iterator(out()))
      EXPECT_FALSE(has(entry.path().filename().string(), ".tmp-")) << "temporary file left: " << entry.path();
  }
};

// Two analyses started on one folder: the second is refused at once with exit 5 naming the folder and the first
// run's process; the first completes, and the folder holds its study alone.
TEST_F(Transaction, SecondConcurrentRunIsRefusedAndTheFirstCompletes) {
  BackgroundRun first(analyze_arguments(), work_.path() / "first.err");
  ASSERT_TRUE(wait_until([&] { return fs::exists(lock_file()) || !first.running(); }, 120) && fs::exists(lock_file()))
      << "no lock file beside the output folder: " << first.finish().err;
  const auto second = analyze();
  EXPECT_EQ(second.exit_code, core::kExitOutputError) << second.err;
  EXPECT_TRUE(has(second.err, out().string())) << second.err;
  EXPECT_TRUE(has(second.err, "in use by another myoscope run (process " + std::to_string(first.pid())))
      << second.err;
  const auto done = first.finish();
  EXPECT_EQ(done.exit_code, core::kExitOk) << done.err;
  const auto report = nlohmann::json::parse(read_all(out() / "report.json"));
  EXPECT_FALSE(report["muscles"].empty());
  for (const char* name : {"labels.nii.gz", "measurements.csv", "fat_fraction.nii.gz", "dicom/segmentation.dcm"})
    EXPECT_TRUE(fs::exists(out() / name)) << name;
  EXPECT_TRUE(siblings_of(out()).empty()) << "left beside the output: " << siblings_of(out()).front();
}

// Rerun on another patient's study without Dixon: the first study's Dixon outputs (water image, fat map and its
// parametric map) must not stay beside the second study's report. A file of the user's own is kept.
TEST_F(Transaction, RerunWithAnotherStudyLeavesNoneOfTheFirstStudysFiles) {
  const auto first = analyze();
  ASSERT_EQ(first.exit_code, core::kExitOk) << first.err;
  ASSERT_TRUE(fs::exists(out() / "water.nii.gz") && fs::exists(out() / "dicom" / "fat_fraction_map.dcm"));
  std::ofstream(out() / "my_notes.txt") << "reviewed by the radiologist\n";
  const fs::path other = work_.path() / "other";
  make_second_patient(other, "--no-dixon --clinical-pixel-mm 3");
  const auto second = run_myoscope("analyze " + (other / "dicom").string() + " -o " + out().string() + " --no-figures");
  ASSERT_EQ(second.exit_code, core::kExitOk) << second.err;
  const auto report = nlohmann::json::parse(read_all(out() / "report.json"));
  EXPECT_EQ(report["protocol"], "t1_stir");
  for (const char* name : {"water.nii.gz", "fat_fraction.nii.gz", "dicom/fat_fraction_map.dcm"})
    EXPECT_FALSE(fs::exists(out() / name)) << name << " of the first study is still there";
  EXPECT_TRUE(fs::exists(out() / "t1.nii.gz"));
  EXPECT_EQ(read_all(out() / "my_notes.txt"), "reviewed by the radiologist\n");
  EXPECT_TRUE(siblings_of(out()).empty()) << "left beside the output: " << siblings_of(out()).front();
}

// SIGTERM (what Ctrl-C, a batch stop or a scheduler sends) while the outputs are written: the earlier analysis
// stays exactly as it was; the next run removes the staging folder and lock file left beside it.
TEST_F(Transaction, TerminatedDuringTheOutputStageKeepsTheEarlierAnalysis) { kill_during_output_stage(SIGTERM); }

// kill -9 cannot be caught: the kernel releases the lock, the folder is still the earlier analysis.
TEST_F(Transaction, KilledDuringTheOutputStageKeepsTheEarlierAnalysis) { kill_during_output_stage(SIGKILL); }

// A lock file naming a process that has gone (a run killed on this host) is taken over with a warning.
TEST_F(Transaction, StaleLockIsTakenOverWithAWarning) {
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ASSERT_GT(gone, 0);
  ::waitpid(gone, nullptr, 0);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  fs::create_directories(out().parent_path());
  std::ofstream(lock_file()) << gone << ' ' << host << '\n';
  const auto a = analyze();
  EXPECT_EQ(a.exit_code, core::kExitOk) << a.err;
  EXPECT_TRUE(has(a.err, "taking over the lock of process " + std::to_string(gone))) << a.err;
  EXPECT_FALSE(fs::exists(lock_file()));
  EXPECT_TRUE(fs::exists(out() / "report.json"));
}

// The study inside the folder that the analysis replaces (OUT/dicom, as `phantom -o OUT` lays it out): the swap
// would remove the study with the earlier analysis. Refused before anything is written, exit 5, the study intact.
TEST_F(Transaction, InputInsideTheReplacedFolderIsRefused) {
  fs::create_directories(out());
  fs::rename(in(), out() / "dicom");
  const auto before = snapshot(out());
  const auto a = run_myoscope("analyze " + (out() / "dicom").string() + " -o " + out().string() + " --no-figures");
  EXPECT_EQ(a.exit_code, core::kExitOutputError) << a.err;
  EXPECT_TRUE(has(a.err, "holds the input")) << a.err;
  EXPECT_EQ(snapshot(out()), before);
}

}  // namespace
