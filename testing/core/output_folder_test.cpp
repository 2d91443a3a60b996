// The output folder as one transaction (issue #24, items 4 and 5): locked, staged beside, swapped in whole.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/output_folder.hpp"
#include "myo/core/patient_identity.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo::core;
namespace fs = std::filesystem;

namespace {

bool owned(const std::string& name) { return name == "report.json" || name == "labels.nii.gz" || name == "fat.nii.gz"; }

std::set<std::string> entries(const fs::path& folder) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(folder)) out.insert(e.path().filename().string());
  return out;
}

// An earlier analysis with a file of the user's own.
fs::path earlier_analysis(const fs::path& root) {
  const fs::path out = root / "out";
  fs::create_directories(out);
  write_file_atomically(out / "report.json", "earlier report");
  write_file_atomically(out / "fat.nii.gz", "earlier fat map");
  write_file_atomically(out / "notes.txt", "the user's notes");
  return out;
}

}  // namespace

// A rerun that does not write a file of the earlier run (no fat map this time) leaves none of it; the user's own
// file is kept; nothing stays beside the folder.
TEST(OutputFolder, CommitReplacesTheFolderWholeAndKeepsTheUsersFiles) {
  myo::testing::TempDir dir;
  const auto out = earlier_analysis(dir.path());
  {
    OutputFolderTransaction folder(out, owned);
    write_file_atomically(folder.staging() / "report.json", "new report");
    write_file_atomically(folder.staging() / "labels.nii.gz", "new labels");
    EXPECT_EQ(read_text_file(out / "report.json"), "earlier report");  // untouched until the commit
    folder.commit();
  }
  EXPECT_EQ(entries(out), (std::set<std::string>{"report.json", "labels.nii.gz", "notes.txt"}));
  EXPECT_EQ(read_text_file(out / "report.json"), "new report");
  EXPECT_EQ(read_text_file(out / "notes.txt"), "the user's notes");
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{"out"});
}

TEST(OutputFolder, WithoutCommitTheEarlierFolderStaysAsItWas) {
  myo::testing::TempDir dir;
  const auto out = earlier_analysis(dir.path());
  try {
    OutputFolderTransaction folder(out, owned);
    write_file_atomically(folder.staging() / "report.json", "new report");
    throw MyoError("fat.nii.gz", "simulated full disk");
  } catch (const MyoError&) {
  }
  EXPECT_EQ(entries(out), (std::set<std::string>{"report.json", "fat.nii.gz", "notes.txt"}));
  EXPECT_EQ(read_text_file(out / "report.json"), "earlier report");
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{"out"});
}

// flock locks belong to the open file: a second transaction in this process conflicts like another process would.
TEST(OutputFolder, SecondRunOnTheSameFolderIsRefusedNamingIt) {
  myo::testing::TempDir dir;
  const auto out = earlier_analysis(dir.path());
  OutputFolderTransaction first(out, owned);
  try {
    OutputFolderTransaction second(out, owned);
    FAIL() << "a second run on a locked folder was let in";
  } catch (const MyoError& e) {
    EXPECT_EQ(e.error().subject, out.string());
    EXPECT_NE(e.error().message.find("in use by another myoscope run (process " + std::to_string(::getpid())),
              std::string::npos)
        << e.what();
  }
}

// A killed run leaves its lock file (naming a process that has gone), its staging folder and, when it died
// between the two renames of a swap without RENAME_EXCHANGE, the earlier folder aside: the next run takes the lock
// over, puts the earlier folder back and removes the rest.
TEST(OutputFolder, LeftoversOfAKilledRunAreCleanedByTheNext) {
  myo::testing::TempDir dir;
  const auto out = earlier_analysis(dir.path());
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ASSERT_GT(gone, 0);
  ::waitpid(gone, nullptr, 0);
  std::ofstream(dir.path() / ".out.lock") << gone << " somewhere\n";
  fs::create_directories(dir.path() / ".out.tmp-99999");
  std::ofstream(dir.path() / ".out.tmp-99999" / "labels.nii.gz") << "half";
  fs::rename(out, dir.path() / ".out.old-99999");
  {
    OutputFolderTransaction folder(out, owned);
    EXPECT_EQ(read_text_file(out / "report.json"), "earlier report");
    EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"out", ".out.lock"}));
  }
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{"out"});
}

// The staging folder's path never reaches the user: errors name the output folder given.
TEST(OutputFolder, ErrorsNameTheOutputFolderNotTheStagingFolder) {
  myo::testing::TempDir dir;
  const fs::path out = dir.path() / "new";
  OutputFolderTransaction folder(out, owned);
  const auto error = folder.in_target_terms(MyoError((folder.staging() / "dicom" / "seg.dcm").string(), "disk full"));
  EXPECT_EQ(error.error().subject, (out / "dicom" / "seg.dcm").string());
}

// Log lines of a run name OUT, not the hidden staging folder its files are written into; after the commit the
// staging name is the earlier result's and is named as it is.
TEST(OutputFolder, LogLinesNameTheOutputFolderNotTheStagingFolder) {
  myo::testing::TempDir dir;
  const fs::path out = earlier_analysis(dir.path());
  const auto saved = myo::log::level();
  myo::log::set_level(myo::log::Level::info);
  ::testing::internal::CaptureStderr();
  {
    OutputFolderTransaction folder(out, owned);
    const fs::path staged = folder.staging() / "report.json";
    write_file_atomically(staged, "new report");
    myo::log::info("wrote {}", staged.string());
    folder.commit();
    myo::log::info("after {}", staged.string());
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  myo::log::set_level(saved);
  EXPECT_NE(err.find("wrote " + (out / "report.json").string()), std::string::npos) << err;
  EXPECT_NE(err.find("after " + dir.path().string() + "/.out.tmp-"), std::string::npos) << err;
}

// Pinned: a changed pseudonym would make every earlier analysis look like another patient's.
TEST(PatientIdentity, PseudonymIsStableAndKeyed) {
  ::unsetenv("MYOSCOPE_SITE_KEY");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto a = patient_pseudonym({"PHANTOM0005", "", "19700101"});
  EXPECT_EQ(a.rfind("hmac-sha256:", 0), 0U);
  EXPECT_EQ(a.size(), 12U + 64U);
  EXPECT_EQ(a, patient_pseudonym({"PHANTOM0005", "", "19700101"}));
  EXPECT_NE(a, patient_pseudonym({"PHANTOM0006", "", "19700101"}));
  EXPECT_NE(a, patient_pseudonym({"PHANTOM0005", "OTHER_HOSPITAL", "19700101"}));
  EXPECT_NE(a, patient_pseudonym({"PHANTOM0005", "", "19700102"}));
  EXPECT_EQ(patient_pseudonym({}), "");
}

// A site key gives other pseudonyms, marked as such, so guesses cannot be checked with the built-in key.
TEST(PatientIdentity, SiteKeyChangesThePseudonym) {
  ::unsetenv("MYOSCOPE_SITE_KEY");
  const auto built_in = patient_pseudonym({"PHANTOM0005", "", "19700101"});
  ::setenv("MYOSCOPE_SITE_KEY", "a site secret", 1);
  EXPECT_TRUE(site_key_configured());
  const auto keyed = patient_pseudonym({"PHANTOM0005", "", "19700101"});
  ::setenv("MYOSCOPE_SITE_KEY", "another site secret", 1);
  const auto other_site = patient_pseudonym({"PHANTOM0005", "", "19700101"});
  ::unsetenv("MYOSCOPE_SITE_KEY");
  EXPECT_EQ(keyed.rfind("hmac-sha256-site:", 0), 0U);
  EXPECT_NE(keyed.substr(keyed.find(':')), built_in.substr(built_in.find(':')));
  EXPECT_NE(keyed, other_site);
  EXPECT_FALSE(site_key_configured());
}
