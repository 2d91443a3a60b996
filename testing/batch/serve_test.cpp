// `myoscope serve` as a PACS would use it, on loopback only: C-ECHO, rejection of unknown AE titles, C-STORE of a
// generated study with DCMTK's storescu, analysis once the study is quiet, and the results sent on by C-STORE to a
// DCMTK storescp standing in for the PACS. Every process the test starts is stopped by its pid.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "myo/core/files.hpp"
#include "test_processes.hpp"

namespace fs = std::filesystem;

namespace {

using myo::testing::Background;
using myo::testing::capture;
using myo::testing::free_port;
using myo::testing::run;

std::size_t count_files(const fs::path& dir, const std::string& suffix = "") {
  std::size_t n = 0;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    const bool match = suffix.empty() || (name.size() >= suffix.size() &&
                                          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
    if (match) ++n;
  }
  return n;
}

TEST(Serve, EchoStoreAnalyseAndSendOnLoopback) {
  for (const char* tool : {"/usr/bin/storescu", "/usr/bin/echoscu", "/usr/bin/storescp"})
    if (!fs::exists(tool)) GTEST_SKIP() << tool << " missing (Debian package dcmtk)";
  std::string pattern = "/tmp/batch-serve-XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  const std::string exe = MYOSCOPE_EXE;
  ASSERT_EQ(run(exe + " phantom -q --seed 21 --dixon-voxel-mm 3 -o " + (dir / "study").string()), 0);
  const std::size_t study_files = count_files(dir / "study" / "dicom");
  ASSERT_GT(study_files, 100u);

  const auto node_port = free_port();
  const auto pacs_port = free_port();
  ASSERT_NE(node_port, 0);
  ASSERT_NE(pacs_port, node_port);
  fs::create_directories(dir / "pacs");
  Background pacs({"/usr/bin/storescp", "--aetitle", "PACS", "--output-directory", (dir / "pacs").string(),
                   std::to_string(pacs_port)},
                  dir / "pacs.log");
  Background node({exe,
                   "serve",
                   "--port",
                   std::to_string(node_port),
                   "--ae-title",
                   "MYONODE",
                   "--allow-calling",
                   "MODALITY",
                   "--allow-host",
                   "127.0.0.1",
                   "--spool",
                   (dir / "spool").string(),
                   "-o",
                   (dir / "out").string(),
                   "--quiet-seconds",
                   "2",
                   "--destination",
                   "PACS@127.0.0.1:" + std::to_string(pacs_port),
                   "--no-figures",
                   "--run-seconds",
                   "600"},
                  dir / "serve.log");
  const std::string peer = " 127.0.0.1 " + std::to_string(node_port);
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {  // 10 s at most
    up = run("/usr/bin/echoscu -aet MODALITY -aec MYONODE" + peer) == 0;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up) << myo::core::read_text_file(dir / "serve.log");

  // Unknown calling AE title, and a wrong called AE title: rejected.
  EXPECT_NE(run("/usr/bin/echoscu -aet INTRUDER -aec MYONODE" + peer), 0);
  EXPECT_NE(run("/usr/bin/echoscu -aet MODALITY -aec OTHERNODE" + peer), 0);
  EXPECT_NE(
      run("/usr/bin/storescu -aet INTRUDER -aec MYONODE +sd +r" + peer + " " + (dir / "study" / "dicom").string()), 0);
  EXPECT_EQ(count_files(dir / "spool"), 0u) << "an unknown AE title stored something";

  ASSERT_EQ(
      run("/usr/bin/storescu -aet MODALITY -aec MYONODE +sd +r" + peer + " " + (dir / "study" / "dicom").string()), 0);
  EXPECT_EQ(count_files(dir / "spool"), study_files);
  EXPECT_EQ(count_files(dir / "spool", ".part"), 0u);

  // The study goes quiet, is analysed, and SEG + SR + parametric map reach the PACS.
  std::size_t received = 0;
  for (int i = 0; i < 1200 && received < 3; ++i) {  // 120 s at most
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    received = count_files(dir / "pacs");
  }
  EXPECT_GE(received, 3u) << myo::core::read_text_file(dir / "serve.log");
  EXPECT_EQ(node.stop(), 0) << myo::core::read_text_file(dir / "serve.log");
  bool found = false;
  for (const auto& e : fs::directory_iterator(dir / "out")) {
    if (!fs::exists(e.path() / "serve.json")) continue;
    const auto s = myo::core::read_text_file(e.path() / "serve.json");
    EXPECT_NE(s.find("\"analysed\""), std::string::npos) << s;
    EXPECT_NE(s.find("\"sent\": 3"), std::string::npos) << s;
    found = true;
  }
  EXPECT_TRUE(found);
  pacs.stop();
  if (!HasFailure() && !getenv("MYO_KEEP_TEST_OUTPUT")) fs::remove_all(dir);
}

// The same with a real PACS: Orthanc (Debian package orthanc) on loopback with a temporary configuration holds
// the study, sends it to the node as a PACS routes studies (C-STORE from Orthanc, calling AE "ORTHANC"), and gets
// SEG, SR and parametric map back into the same study.
TEST(Serve, RoundTripWithOrthanc) {
  if (!fs::exists("/usr/sbin/Orthanc")) GTEST_SKIP() << "Orthanc missing (Debian package orthanc)";
  if (!fs::exists("/usr/bin/curl")) GTEST_SKIP() << "curl missing";
  std::string pattern = "/tmp/batch-orthanc-XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  const std::string exe = MYOSCOPE_EXE;
  ASSERT_EQ(run(exe + " phantom -q --seed 22 --dixon-voxel-mm 3 -o " + (dir / "study").string()), 0);

  const auto node_port = free_port();
  const auto http_port = free_port();
  const auto dicom_port = free_port();
  ASSERT_TRUE(node_port && http_port && dicom_port && node_port != http_port && http_port != dicom_port &&
              node_port != dicom_port);
  const nlohmann::json config = {
      {"Name", "MyoScopeTestPACS"},
      {"StorageDirectory", (dir / "orthanc-db").string()},
      {"IndexDirectory", (dir / "orthanc-db").string()},
      {"Plugins", nlohmann::json::array()},
      {"HttpServerEnabled", true},
      {"HttpPort", http_port},
      {"RemoteAccessAllowed", false},
      {"AuthenticationEnabled", false},
      {"DicomServerEnabled", true},
      {"DicomAet", "ORTHANC"},
      {"DicomPort", dicom_port},
      {"DicomCheckCalledAet", true},
      {"DicomAlwaysAllowStore", false},
      {"DicomCheckModalityHost", true},
      {"DicomModalities", {{"myonode", {"MYONODE", "127.0.0.1", node_port}}}},
  };
  std::ofstream(dir / "orthanc.json") << config.dump(2);
  Background orthanc({"/usr/sbin/Orthanc", (dir / "orthanc.json").string()}, dir / "orthanc.log");
  const std::string http = "http://127.0.0.1:" + std::to_string(http_port);
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {  // 20 s at most
    up = run("/usr/bin/curl -sf " + http + "/system") == 0;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up) << myo::core::read_text_file(dir / "orthanc.log");

  // Upload the study (one curl, one connection).
  std::string upload = "/usr/bin/curl -sf";
  bool first = true;
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "study" / "dicom")) {
    if (!e.is_regular_file()) continue;
    upload += (first ? " " : " --next -sf ") + std::string("-X POST --data-binary @") + e.path().string() + " " + http +
              "/instances -o /dev/null";
    first = false;
    ++files;
  }
  ASSERT_EQ(run(upload), 0);
  const auto studies = nlohmann::json::parse(capture("/usr/bin/curl -sf " + http + "/studies"));
  ASSERT_EQ(studies.size(), 1u);
  const std::string study = studies[0].get<std::string>();
  const auto series_before =
      nlohmann::json::parse(capture("/usr/bin/curl -sf " + http + "/studies/" + study))["Series"].size();

  Background node({exe,
                   "serve",
                   "--port",
                   std::to_string(node_port),
                   "--ae-title",
                   "MYONODE",
                   "--allow-calling",
                   "ORTHANC",
                   "--allow-host",
                   "127.0.0.1",
                   "--spool",
                   (dir / "spool").string(),
                   "-o",
                   (dir / "out").string(),
                   "--quiet-seconds",
                   "2",
                   "--destination",
                   "ORTHANC@127.0.0.1:" + std::to_string(dicom_port),
                   "--no-figures",
                   "--run-seconds",
                   "600"},
                  dir / "serve.log");
  up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = run("/usr/bin/curl -sf -X POST -d '{}' " + http + "/modalities/myonode/echo") == 0;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up) << "Orthanc cannot echo the node\n" << myo::core::read_text_file(dir / "serve.log");
  // Orthanc sends the study to the node (synchronous job).
  ASSERT_EQ(run("/usr/bin/curl -sf -X POST -d '{\"Resources\": [\"" + study + "\"], \"Synchronous\": true}' " + http +
                "/modalities/myonode/store"),
            0)
      << myo::core::read_text_file(dir / "orthanc.log");
  EXPECT_EQ(count_files(dir / "spool"), files);

  std::size_t series_after = series_before;
  for (int i = 0; i < 600 && series_after < series_before + 3; ++i) {  // 120 s at most
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto text = capture("/usr/bin/curl -sf " + http + "/studies/" + study);
    if (!text.empty()) series_after = nlohmann::json::parse(text)["Series"].size();
  }
  EXPECT_EQ(series_after, series_before + 3) << myo::core::read_text_file(dir / "serve.log");  // SEG, SR, map
  const auto modalities = capture("/usr/bin/curl -sf '" + http + "/studies/" + study + "/series?expand'");
  EXPECT_NE(modalities.find("\"SEG\""), std::string::npos);
  EXPECT_NE(modalities.find("\"SR\""), std::string::npos);
  EXPECT_EQ(node.stop(), 0) << myo::core::read_text_file(dir / "serve.log");
  orthanc.stop();
  if (!HasFailure() && !getenv("MYO_KEEP_TEST_OUTPUT")) fs::remove_all(dir);
}

}  // namespace
