#pragma once
// Shared fixture of the hardening tests: runs the real myoscope on a copy of one generated study, breaks files with
// DCMTK, and checks exit codes, messages, and that nothing outside the output folder changes.
#include <gtest/gtest.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvrlo.h>
#include <dcmtk/dcmdata/dcvrus.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>
#include "myo/core/exit_codes.hpp"
#include "myo/testing/test_support.hpp"

namespace fs = std::filesystem;
namespace core = myo::core;
using myo::testing::TempDir;


struct CliRun {
  int exit_code = -1;  // -1 when the process did not exit normally
  int signal = 0;      // the signal that killed it, if any
  std::string out;
  std::string err;
};

inline std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the real executable through /bin/sh; `exec` makes a crash show up as a signal rather than as 128+n.
// `shell_prefix` sets process limits (ulimit) before the exec; `launcher` runs the executable through another
// program (setpriv) that execs it in turn.
inline CliRun run_myoscope(const std::string& arguments, const std::string& shell_prefix = "", const std::string& launcher = "") {
  static int counter = 0;
  const fs::path err_file =
      fs::temp_directory_path() / ("myo-hard-stderr-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  const std::string command =
      shell_prefix + "exec " + launcher + std::string(MYOSCOPE_EXE) + " " + arguments + " 2>" + err_file.string();
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) run.out += buffer.data();
  const int status = pclose(pipe);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  run.err = read_all(err_file);
  std::error_code ignored;
  fs::remove(err_file, ignored);
  return run;
}

inline ::testing::AssertionResult documented(const CliRun& r) {
  if (r.signal != 0) return ::testing::AssertionFailure() << "killed by signal " << r.signal << "\n" << r.err;
  if (r.exit_code < 0 || r.exit_code > 6) return ::testing::AssertionFailure() << "exit code " << r.exit_code << "\n" << r.err;
  return ::testing::AssertionSuccess();
}

// Every regular file and folder below `root` with its size and modification time, `skip` excluded.
inline std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> snapshot(const fs::path& root, const fs::path& skip = {}) {
  std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (!skip.empty() && it->path() == skip) {
      it.disable_recursion_pending();
      continue;
    }
    const bool file = it->is_regular_file();
    out[fs::relative(it->path(), root).string()] = {file ? it->file_size() : 0, it->last_write_time()};
  }
  return out;
}

struct SeriesFiles {
  std::string uid;
  std::string description;
  std::vector<fs::path> files;  // relative to the dicom folder, ordered along z (ImagePositionPatient[2])
};

inline std::unique_ptr<DcmFileFormat> load(const fs::path& path) {
  auto file = std::make_unique<DcmFileFormat>();
  const OFCondition status = file->loadFile(path.c_str());
  if (status.bad()) throw std::runtime_error(path.string() + ": " + status.text());
  // DCMTK reads large values (PixelData) lazily from the file; saving over the same path would truncate it first.
  file->loadAllDataIntoMemory();
  return file;
}

inline void save(DcmFileFormat& file, const fs::path& path) {
  const OFCondition status = file.saveFile(path.c_str(), file.getDataset()->getOriginalXfer());
  if (status.bad()) throw std::runtime_error(path.string() + ": " + status.text());
}

// Loads, changes and saves one file in place.
inline void modify(const fs::path& path, const std::function<void(DcmDataset&)>& change) {
  auto file = load(path);
  change(*file->getDataset());
  save(*file, path);
}

inline void put(DcmDataset& d, const DcmTagKey& tag, const std::string& value) {
  ASSERT_TRUE(d.putAndInsertString(tag, value.c_str()).good()) << DcmTag(tag).getTagName();
}

// An element with a VR its tag never has (DCMTK keeps the VR written in an explicit-VR file).
inline void put_with_wrong_vr(DcmDataset& d, const DcmTagKey& tag, const std::string& value) {
  auto element = std::make_unique<DcmLongString>(DcmTag(tag, EVR_LO));
  ASSERT_TRUE(element->putString(value.c_str()).good());
  ASSERT_TRUE(d.insert(element.get(), /*replaceOld=*/true).good());
  static_cast<void>(element.release());  // the dataset owns it now
}

class Hardening : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    study_ = shared_study();
    ASSERT_FALSE(study_.empty()) << "phantom generation failed";
    const fs::path dicom = study_ / "dicom";
    std::map<std::string, std::vector<std::pair<double, fs::path>>> by_uid;
    for (const auto& entry : fs::recursive_directory_iterator(dicom)) {
      if (!entry.is_regular_file()) continue;
      auto file = load(entry.path());
      DcmDataset& d = *file->getDataset();
      OFString uid;
      OFString description;
      Float64 z = 0;
      d.findAndGetOFString(DCM_SeriesInstanceUID, uid);
      d.findAndGetOFString(DCM_SeriesDescription, description);
      d.findAndGetFloat64(DCM_ImagePositionPatient, z, 2);
      by_uid[uid.c_str()].emplace_back(z, fs::relative(entry.path(), dicom));
      descriptions_[uid.c_str()] = description.c_str();
    }
    for (auto& [uid, files] : by_uid) {
      std::sort(files.begin(), files.end());
      SeriesFiles s{uid, descriptions_[uid], {}};
      for (const auto& f : files) s.files.push_back(f.second);
      series_.push_back(std::move(s));
    }
  }
  // ctest runs every test in its own process: the phantom study (the same for all) is generated once per build of
  // myoscope into the build folder and reused read-only (each test copies it), which saves a generation per test
  // (about a minute each under AddressSanitizer). Outside ctest, or when that folder is not writable, a private copy.
  static fs::path shared_study() {
    const char* binary_dir = std::getenv("MYO_BINARY_DIR");
    const fs::path exe(MYOSCOPE_EXE);
    std::error_code ec;
    const auto stamp = std::to_string(fs::file_size(exe, ec)) + "-" +
                       std::to_string(fs::last_write_time(exe, ec).time_since_epoch().count());
    const fs::path shared = binary_dir != nullptr ? fs::path(binary_dir) / "testing" / ("hardening-study-" + stamp) : fs::path();
    if (!shared.empty() && fs::exists(shared / "complete")) return shared;
    private_study_ = std::make_unique<TempDir>("myo-hard-study");
    const auto r = run_myoscope("phantom -q -o " + private_study_->path().string() + " --seed 5 --dixon-voxel-mm 3");
    if (r.exit_code != 0) {
      ADD_FAILURE() << r.err;
      return {};
    }
    if (shared.empty()) return private_study_->path();
    // Publish atomically: copy beside, mark complete, rename; a concurrent test that was first wins.
    const fs::path staging = shared.string() + ".tmp-" + std::to_string(::getpid());
    fs::copy(private_study_->path(), staging, fs::copy_options::recursive, ec);
    if (!ec) std::ofstream(staging / "complete") << "1\n";
    if (!ec) fs::rename(staging, shared, ec);
    if (ec) fs::remove_all(staging, ec);
    if (!fs::exists(shared / "complete")) return private_study_->path();
    // Studies of earlier builds of myoscope are of no further use.
    for (const auto& entry : fs::directory_iterator(shared.parent_path(), ec)) {
      const auto name = entry.path().filename().string();
      if (name.rfind("hardening-study-", 0) == 0 && entry.path() != shared && name.find(".tmp-") == std::string::npos) {
        std::error_code ignored;
        fs::remove_all(entry.path(), ignored);
      }
    }
    return shared;
  }
  static void TearDownTestSuite() { private_study_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(!study_.empty() && !series_.empty()) << "phantom generation failed";
    fs::copy(study_ / "dicom", in(), fs::copy_options::recursive);
  }

  // The study's series whose description ends with `suffix` (the phantom writes Siemens-style descriptions).
  static const SeriesFiles& series(const std::string& suffix) {
    for (const auto& s : series_) {
      if (s.description.size() >= suffix.size() && s.description.compare(s.description.size() - suffix.size(), suffix.size(), suffix) == 0)
        return s;
    }
    throw std::runtime_error("no series ending with " + suffix);
  }
  static const SeriesFiles& water() { return series("_tra_W"); }
  static const SeriesFiles& fat() { return series("_tra_F"); }

  [[nodiscard]] fs::path in() const { return work_.path() / "in"; }
  [[nodiscard]] fs::path out() const { return work_.path() / "run" / "out"; }
  [[nodiscard]] fs::path file(const SeriesFiles& s, std::size_t index) const { return in() / s.files.at(index); }
  [[nodiscard]] fs::path middle(const SeriesFiles& s) const { return file(s, s.files.size() / 2); }

  [[nodiscard]] CliRun analyze(const std::string& extra = "", const std::string& shell_prefix = "",
                               const std::string& launcher = "") const {
    return run_myoscope("analyze " + in().string() + " -o " + out().string() + " --no-figures " + extra, shell_prefix,
                        launcher);
  }
  [[nodiscard]] CliRun scan() const { return run_myoscope("scan --json " + in().string()); }

  // An earlier analysis that a failed run must leave exactly as it was.
  void plant_earlier_output() {
    fs::create_directories(out() / "dicom");
    std::ofstream(out() / "report.json") << R"({"earlier": true})";
    std::ofstream(out() / "labels.nii.gz") << "earlier labels";
    std::ofstream(out() / "measurements.csv") << "earlier,measurements\n";
    std::ofstream(out() / "dicom" / "segmentation.dcm") << "earlier seg";
    earlier_ = snapshot(out());
  }
  void expect_earlier_output_intact() const {
    EXPECT_EQ(snapshot(out()), earlier_) << "the earlier analysis in " << out() << " was changed";
    EXPECT_EQ(read_all(out() / "report.json"), R"({"earlier": true})");
  }
  // Nothing outside the output folder changes: the input copy and the folders around the output stay as they were.
  void remember_surroundings() { surroundings_ = snapshot(work_.path(), out()); }
  void expect_surroundings_unchanged() const { EXPECT_EQ(snapshot(work_.path(), out()), surroundings_); }

  static inline fs::path study_;
  static inline std::unique_ptr<TempDir> private_study_;
  static inline std::vector<SeriesFiles> series_;
  static inline std::map<std::string, std::string> descriptions_;
  TempDir work_{"myo-hard"};
  std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> earlier_;
  std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> surroundings_;
};

inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A failed analysis: input error, message naming `subject`, nothing new in the output folder, surroundings intact.
#define EXPECT_INPUT_ERROR_NAMING(run, subject)                                    \
  do {                                                                             \
    EXPECT_TRUE(documented(run));                                                  \
    EXPECT_EQ((run).exit_code, core::kExitInputError) << (run).err;                \
    EXPECT_TRUE(has((run).err, subject)) << "stderr does not name " << (subject) << ":\n" << (run).err; \
  } while (false)
