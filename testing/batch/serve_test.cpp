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

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "myo/core/files.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/pipeline/batch.hpp"
#include "myo/testing/processes.hpp"

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

// The result objects analyze wrote for a study (OUT/<key>/dicom, the overlay series in its subfolder): what the node
// must send. More than SEG, SR and map: the overlay slices, the report PDF and the edema SEG come too.
// `myoscope serve` as MYONODE on loopback, accepting `calling`, spooling into `dir`/spool, analysing into `dir`/out
// without figures and sending the results to `destination` (AE@HOST:PORT); it stops by itself after 600 s.
std::vector<std::string> node_argv(const std::string& exe, unsigned short port, const std::string& calling,
                                   const fs::path& dir, const std::string& destination) {
  return {exe,           "serve", "--port",          std::to_string(port), "--ae-title",
          "MYONODE",     "--allow-calling", calling, "--allow-host",       "127.0.0.1",
          "--spool",     (dir / "spool").string(),   "-o",                 (dir / "out").string(),
          "--quiet-seconds", "2", "--destination",   destination,          "--no-figures",
          "--run-seconds", "600"};
}

std::size_t result_objects(const fs::path& analysis_folder) { return count_files(analysis_folder / "dicom", ".dcm"); }

// SOP classes of the results, with how many instances of each (the overlay series: one per slice).
std::map<std::string, std::size_t> sop_classes(const fs::path& analysis_folder) {
  std::map<std::string, std::size_t> classes;
  for (const auto& e : fs::recursive_directory_iterator(analysis_folder / "dicom"))
    if (e.is_regular_file()) ++classes[capture("/usr/bin/dcmdump -q -Un +P 0008,0016 " + e.path().string())];
  return classes;
}

TEST(Serve, EchoStoreAnalyseAndSendOnLoopback) {
  myo::testing::dcmtk_tools_without_nagle();
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
  Background node(node_argv(exe, node_port, "MODALITY", dir, "PACS@127.0.0.1:" + std::to_string(pacs_port)),
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

  // The study goes quiet, is analysed, and every result object (SEG, SR, map, overlay slices, PDF, edema SEG) reaches
  // the PACS.
  std::size_t received = 0;
  for (int i = 0; i < 1200 && received < 3; ++i) {  // 120 s at most
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    received = count_files(dir / "pacs");
  }
  EXPECT_GE(received, 3u) << myo::core::read_text_file(dir / "serve.log");
  for (int i = 0; i < 600 && count_files(dir / "out", "serve.json") == 0; ++i)  // written once all is sent
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(node.stop(), 0) << myo::core::read_text_file(dir / "serve.log");
  bool found = false;
  for (const auto& e : fs::directory_iterator(dir / "out")) {
    if (!fs::exists(e.path() / "serve.json")) continue;
    const auto s = myo::core::read_text_file(e.path() / "serve.json");
    EXPECT_NE(s.find("\"analysed\""), std::string::npos) << s;
    const std::size_t results = result_objects(e.path());
    EXPECT_GT(results, 6u) << "SEG, SR, map, report PDF, edema SEG and the overlay slices";
    EXPECT_EQ(nlohmann::json::parse(s).value("sent", 0u), results) << s;
    EXPECT_EQ(count_files(dir / "pacs"), results);
    found = true;
  }
  EXPECT_TRUE(found);
  // The node's cohort: the analysed study is a visit in cohort.sqlite; review.csv (header at least) lists what needs a
  // look.
  std::vector<fs::path> cohort;
  EXPECT_NO_THROW(cohort = myo::pipeline::cohort_analysis_folders(dir / "out" / "cohort.sqlite"));
  EXPECT_EQ(cohort.size(), 1u);
  for (const auto& folder : cohort) EXPECT_TRUE(fs::exists(folder / "report.json")) << folder;
  EXPECT_EQ(myo::core::read_text_file(dir / "out" / "review.csv").rfind("study_instance_uid,study_key,", 0), 0u);
  pacs.stop();
  if (!HasFailure() && !getenv("MYO_KEEP_TEST_OUTPUT")) fs::remove_all(dir);
}

// The same with a real PACS: Orthanc (Debian package orthanc) on loopback with a temporary configuration holds
// the study, sends it to the node as a PACS routes studies (C-STORE from Orthanc, calling AE "ORTHANC"), and gets
// every result back into the same study, intact: SEG, SR, parametric map, the overlay series (one Secondary Capture
// per slice), the report as Encapsulated PDF and the edema SEG, as many instances of each SOP class as were written.
TEST(Serve, RoundTripWithOrthanc) {
  myo::testing::dcmtk_tools_without_nagle();
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

  Background node(node_argv(exe, node_port, "ORTHANC", dir, "ORTHANC@127.0.0.1:" + std::to_string(dicom_port)),
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

  // SEG, SR, map, the overlay series (OT), the report (DOC) and the edema SEG.
  std::size_t series_after = series_before;
  for (int i = 0; i < 600 && series_after < series_before + 6; ++i) {  // 120 s at most
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto text = capture("/usr/bin/curl -sf " + http + "/studies/" + study);
    if (!text.empty()) series_after = nlohmann::json::parse(text)["Series"].size();
  }
  EXPECT_EQ(series_after, series_before + 6) << myo::core::read_text_file(dir / "serve.log");
  const auto modalities = capture("/usr/bin/curl -sf '" + http + "/studies/" + study + "/series?expand'");
  for (const char* modality : {"\"SEG\"", "\"SR\"", "\"OT\"", "\"DOC\""})
    EXPECT_NE(modalities.find(modality), std::string::npos) << modality;
  EXPECT_EQ(node.stop(), 0) << myo::core::read_text_file(dir / "serve.log");
  // Intact: Orthanc holds, per SOP class, as many instances as the node wrote (one per overlay slice).
  fs::path analysis;
  for (const auto& e : fs::directory_iterator(dir / "out"))
    if (fs::exists(e.path() / "serve.json")) analysis = e.path();
  ASSERT_FALSE(analysis.empty());
  std::map<std::string, std::size_t> in_orthanc;  // SOP class of each series' first instance -> instances
  for (const auto& series : nlohmann::json::parse(capture("/usr/bin/curl -sf " + http + "/studies/" + study +
                                                          "/series?expand"))) {
    const auto tags = nlohmann::json::parse(capture("/usr/bin/curl -sf " + http + "/instances/" +
                                                    series["Instances"][0].get<std::string>() + "/simplified-tags"));
    if (tags.value("SOPClassUID", "") != "1.2.840.10008.5.1.4.1.1.4")  // not the source MR images
      in_orthanc["[" + tags.value("SOPClassUID", "") + "]"] += series["Instances"].size();
  }
  std::map<std::string, std::size_t> written;
  for (const auto& [dump, n] : sop_classes(analysis)) {
    const auto open = dump.find('['), close = dump.find(']');
    if (open != std::string::npos && close != std::string::npos) written[dump.substr(open, close - open + 1)] += n;
  }
  EXPECT_EQ(in_orthanc, written);
  EXPECT_EQ(written.count("[1.2.840.10008.5.1.4.1.1.7]"), 1u) << "the overlay series (Secondary Capture)";
  EXPECT_EQ(written.count("[1.2.840.10008.5.1.4.1.1.104.1]"), 1u) << "the report (Encapsulated PDF)";
  EXPECT_EQ(written["[1.2.840.10008.5.1.4.1.1.66.4]"], 2u) << "muscle groups and edema SEG";
  orthanc.stop();
  if (!HasFailure() && !getenv("MYO_KEEP_TEST_OUTPUT")) fs::remove_all(dir);
}

// ---- The node under a PACS's ways of failing: refused peers, an association cut off mid-study, two senders at once
// with their studies interleaved, a study sent again. Two generated studies shared by the tests below.
class ServeNode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    myo::testing::dcmtk_tools_without_nagle();
    std::string pattern = "/tmp/batch-node-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    generate_study(41);  // the second study only for the test that needs two (ctest runs each test in its own process)
  }
  static void generate_study(int seed) {
    const fs::path study = dir_ / ("study" + std::to_string(seed));
    ASSERT_EQ(run(std::string(MYOSCOPE_EXE) + " phantom -q --seed " + std::to_string(seed) + " --dixon-voxel-mm 3 -o " +
                  study.string()),
              0);
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(study / "dicom"))
      if (e.is_regular_file()) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    ASSERT_GT(files.size(), 100u);
    const auto scan = myo::dicom::scan(study / "dicom");
    ASSERT_EQ(scan.studies.size(), 1u);
    ASSERT_EQ(std::count(uids_.begin(), uids_.end(), scan.studies.front().study_instance_uid), 0);
    uids_.push_back(scan.studies.front().study_instance_uid);
    files_.push_back(files);
  }
  static void TearDownTestSuite() {
    // A failed test's node log stays for the post-mortem (its path is in the failure message).
    if (!getenv("MYO_KEEP_TEST_OUTPUT") && ::testing::UnitTest::GetInstance()->failed_test_count() == 0)
      fs::remove_all(dir_);
  }
  void SetUp() override {
    for (const char* tool : {"/usr/bin/storescu", "/usr/bin/echoscu", "/usr/bin/storescp", "/usr/bin/dcmdump"})
      if (!fs::exists(tool)) GTEST_SKIP() << tool << " missing (Debian package dcmtk)";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    test_dir_ = work_ = dir_ / info->name();
    fs::create_directories(work_ / "pacs");
  }
  void TearDown() override {
    node_.reset();
    pacs_.reset();
    if (!HasFailure() && !getenv("MYO_KEEP_TEST_OUTPUT")) fs::remove_all(test_dir_);
  }

  // A DCMTK storescp as the destination PACS, and the node (quiet period `quiet` s) in front of it.
  void start(const std::vector<std::string>& extra, double quiet = 3, bool wait_for_echo = true) {
    node_port_ = free_port();
    pacs_port_ = free_port();
    ASSERT_TRUE(node_port_ && pacs_port_ && node_port_ != pacs_port_);
    if (use_orthanc_) {  // a real PACS: Orthanc, AE title PACS, accepting C-STORE from any peer
      http_port_ = free_port();
      ASSERT_TRUE(http_port_ && http_port_ != node_port_ && http_port_ != pacs_port_);
      const nlohmann::json config = {
          {"Name", "MyoScopeTestPACS"},
          {"StorageDirectory", (work_ / "orthanc-db").string()},
          {"IndexDirectory", (work_ / "orthanc-db").string()},
          {"Plugins", nlohmann::json::array()},
          {"HttpServerEnabled", true},
          {"HttpPort", http_port_},
          {"RemoteAccessAllowed", false},
          {"AuthenticationEnabled", false},
          {"DicomServerEnabled", true},
          {"DicomAet", "PACS"},
          {"DicomPort", pacs_port_},
          {"DicomCheckCalledAet", true},
          {"DicomAlwaysAllowStore", true},
      };
      std::ofstream(work_ / "orthanc.json") << config.dump(2);
      pacs_ = std::make_unique<Background>(
          std::vector<std::string>{"/usr/sbin/Orthanc", (work_ / "orthanc.json").string()}, work_ / "pacs.log");
      bool rest = false;
      for (int i = 0; i < 200 && !rest; ++i) {  // 20 s at most
        rest = run("/usr/bin/curl -sf " + http() + "/system") == 0;
        if (!rest) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      ASSERT_TRUE(rest) << myo::core::read_text_file(work_ / "pacs.log");
    } else {
      pacs_ = std::make_unique<Background>(
          std::vector<std::string>{"/usr/bin/storescp", "--aetitle", "PACS", "--output-directory",
                                   (work_ / "pacs").string(), std::to_string(pacs_port_)},
          work_ / "pacs.log");
    }
    std::vector<std::string> argv{MYOSCOPE_EXE,
                                  "serve",
                                  "--port",
                                  std::to_string(node_port_),
                                  "--ae-title",
                                  "MYONODE",
                                  "--spool",
                                  (work_ / "spool").string(),
                                  "-o",
                                  (work_ / "out").string(),
                                  "--quiet-seconds",
                                  std::to_string(quiet),
                                  "--destination",
                                  "PACS@127.0.0.1:" + std::to_string(pacs_port_),
                                  "--no-figures",
                                  "--run-seconds",
                                  "600"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    node_ = std::make_unique<Background>(argv, work_ / "serve.log");
    // Up when a C-ECHO from an allowed peer answers, or (for a node that refuses us) when it listens at all.
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {  // 10 s at most
      up = wait_for_echo ? echo("MODALITY") : log().find("listening as MYONODE") != std::string::npos;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(up) << log();
  }
  [[nodiscard]] std::string peer() const { return " 127.0.0.1 " + std::to_string(node_port_); }
  [[nodiscard]] std::string http() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  [[nodiscard]] nlohmann::json rest(const std::string& path) const {
    const auto text = capture("/usr/bin/curl -sf '" + http() + path + "'");
    return text.empty() ? nlohmann::json() : nlohmann::json::parse(text);
  }
  [[nodiscard]] bool echo(const std::string& calling) const {
    return run("/usr/bin/echoscu -aet " + calling + " -aec MYONODE" + peer()) == 0;
  }
  [[nodiscard]] std::string store_command(const std::string& calling, const std::vector<std::string>& files,
                                          const std::string& options = "") const {
    std::string command = "/usr/bin/storescu -aet " + calling + " -aec MYONODE " + options + peer();
    for (const auto& f : files) command += " " + f;
    return command;
  }
  // storescu in the background (argv form: no shell, so it can be killed by its pid).
  [[nodiscard]] std::unique_ptr<Background> store_in_background(const std::vector<std::string>& files,
                                                                const std::string& name) const {
    std::vector<std::string> argv{"/usr/bin/storescu",       "-aet", "MODALITY", "-aec", "MYONODE", "127.0.0.1",
                                  std::to_string(node_port_)};
    argv.insert(argv.end(), files.begin(), files.end());
    return std::make_unique<Background>(argv, work_ / (name + ".log"));
  }
  [[nodiscard]] std::string log() const {
    std::error_code ec;
    return fs::exists(work_ / "serve.log", ec) ? myo::core::read_text_file(work_ / "serve.log") : std::string();
  }
  [[nodiscard]] fs::path spool(std::size_t study) const {
    return work_ / "spool" / myo::pipeline::study_key(uids_[study]);
  }
  [[nodiscard]] fs::path serve_json(std::size_t study) const {
    return work_ / "out" / myo::pipeline::study_key(uids_[study]) / "serve.json";
  }
  // How many result objects analyze wrote for the study (what the node sends).
  [[nodiscard]] std::size_t results(std::size_t study) const { return result_objects(serve_json(study).parent_path()); }
  // serve.json of a study once it reports analysis number `analysis` (bounded wait), else an empty object.
  [[nodiscard]] nlohmann::json wait_for_analysis(std::size_t study, int analysis, int seconds = 120) const {
    for (int i = 0; i < seconds * 10; ++i) {
      std::error_code ec;
      if (fs::exists(serve_json(study), ec)) {
        try {
          const auto j = nlohmann::json::parse(myo::core::read_text_file(serve_json(study)));
          if (j.value("analysis", 0) >= analysis) return j;
        } catch (const std::exception&) {
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return nlohmann::json::object();
  }
  // Study Instance UID -> result objects the PACS holds for it (dcmdump of each received file).
  [[nodiscard]] std::map<std::string, std::vector<std::string>> pacs_objects() const {
    std::map<std::string, std::vector<std::string>> objects;
    for (const auto& e : fs::directory_iterator(work_ / "pacs")) {
      // dcmdump prints the top-level element of each tag first (nested references to the study follow).
      std::istringstream text(capture("/usr/bin/dcmdump -q +P 0020,000d +P 0008,0060 " + e.path().string()));
      std::string uid, modality;
      for (std::string line; std::getline(text, line);) {
        const auto open = line.find('['), close = line.find(']');
        if (open == std::string::npos || close == std::string::npos) continue;
        const std::string value = line.substr(open + 1, close - open - 1);
        if (line.rfind("(0020,000d)", 0) == 0 && uid.empty()) uid = value;
        if (line.rfind("(0008,0060)", 0) == 0 && modality.empty()) modality = value;
      }
      if (!uid.empty()) objects[uid].push_back(modality);
    }
    return objects;
  }
  [[nodiscard]] static std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  static inline fs::path dir_;
  static inline std::vector<std::string> uids_;
  static inline std::vector<std::vector<std::string>> files_;
  fs::path test_dir_;
  fs::path work_;  // the current node's folder (spool, out, pacs, logs)
  unsigned short node_port_ = 0;
  unsigned short pacs_port_ = 0;
  unsigned short http_port_ = 0;
  bool use_orthanc_ = false;
  std::unique_ptr<Background> pacs_;
  std::unique_ptr<Background> node_;
};

// Only configured calling AE titles, only configured hosts, only our own called AE title: every other association is
// refused before a single instance is stored, and the node goes on serving the peers it knows.
TEST_F(ServeNode, RefusesUnknownCallingAeTitleCalledAeTitleAndHost) {
  start({"--allow-calling", "MODALITY", "--allow-calling", "ORTHANC"});
  const std::vector<std::string> some(files_[0].begin(), files_[0].begin() + 5);
  EXPECT_NE(run(store_command("INTRUDER", some)), 0);
  EXPECT_NE(run(store_command("modality", some)), 0) << "AE titles are case-sensitive";
  EXPECT_NE(run("/usr/bin/storescu -aet MODALITY -aec OTHERNODE" + peer() + " " + some.front()), 0);
  EXPECT_FALSE(echo("INTRUDER"));
  EXPECT_EQ(count_files(work_ / "spool"), 0u) << "a refused association stored something";
  EXPECT_NE(log().find("calling AE title 'INTRUDER' rejected"), std::string::npos) << log();
  EXPECT_TRUE(echo("ORTHANC")) << (work_ / "serve.log") << ":\n" << log();
  EXPECT_EQ(run(store_command("MODALITY", some)), 0);
  EXPECT_EQ(count_files(work_ / "spool"), some.size());
  node_->stop();

  // A host allow-list that does not hold 127.0.0.1: the right AE title from the wrong address is refused too.
  work_ = work_ / "hosts";
  fs::create_directories(work_ / "pacs");
  start({"--allow-calling", "MODALITY", "--allow-host", "192.0.2.1"}, 3, false);
  EXPECT_FALSE(echo("MODALITY"));
  EXPECT_NE(run(store_command("MODALITY", some)), 0);
  EXPECT_EQ(count_files(work_ / "spool"), 0u) << "a refused host stored something";
  EXPECT_NE(log().find("host '127.0.0.1' rejected"), std::string::npos) << log();
}

// A sender cut off mid-study (an association aborted after part of the study, then a sender killed mid-transfer):
// what arrived is kept, nothing half-written remains, the node keeps serving, and the study is analysed once, with
// every instance, after the rest arrived in a later association and the quiet period passed.
TEST_F(ServeNode, AssociationAbortedMidStudyKeepsInstancesAndAnalysesOnceComplete) {
  start({"--allow-calling", "MODALITY"}, 3);
  const auto& files = files_[0];
  const std::size_t third = files.size() / 3;
  const std::vector<std::string> first(files.begin(), files.begin() + static_cast<std::ptrdiff_t>(third));
  const std::vector<std::string> rest(files.begin() + static_cast<std::ptrdiff_t>(third), files.end());

  // 1. A-ABORT instead of A-RELEASE after the first third.
  EXPECT_EQ(run(store_command("MODALITY", first, "--abort")), 0);
  EXPECT_EQ(count_files(spool(0)), first.size());

  // 2. The next sender is killed (SIGKILL: the TCP connection just drops) while it sends the rest.
  {
    auto sender = store_in_background(rest, "killed-sender");
    for (int i = 0; i < 3000 && count_files(spool(0)) < first.size() + 20; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    kill(sender->pid(), SIGKILL);
    (void)sender->stop();
  }
  const std::size_t kept = count_files(spool(0));
  EXPECT_GT(kept, first.size());
  EXPECT_LT(kept, files.size()) << "the sender finished before it could be killed: the test proves less than it says";
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // shorter than the quiet period
  EXPECT_FALSE(fs::exists(serve_json(0))) << "analysed before the quiet period had passed\n" << log();
  EXPECT_EQ(count_files(spool(0), ".part"), 0u);
  EXPECT_TRUE(echo("MODALITY")) << "the node stopped serving after a peer vanished\n" << log();

  // 3. The rest of the study in a new association (a PACS resends what was not acknowledged).
  ASSERT_EQ(run(store_command("MODALITY", rest)), 0);
  EXPECT_EQ(count_files(spool(0)), files.size());
  const auto j = wait_for_analysis(0, 1);
  ASSERT_FALSE(j.empty()) << log();
  EXPECT_EQ(j.value("status", ""), "analysed") << j.dump(2);
  EXPECT_EQ(j.value("instances", 0), files.size()) << "analysed before the study was complete\n" << j.dump(2);
  EXPECT_EQ(j.value("analysis", 0), 1) << j.dump(2);
  EXPECT_EQ(j.value("sent", 0u), results(0)) << j.dump(2);
  EXPECT_EQ(node_->stop(), 0) << log();
  EXPECT_EQ(occurrences(log(), "analysing"), 1u) << log();
  const auto objects = pacs_objects();
  ASSERT_EQ(objects.count(uids_[0]), 1u) << myo::core::read_text_file(work_ / "pacs.log");
  EXPECT_EQ(objects.at(uids_[0]).size(), results(0));
}

// Two senders at once, each sending the instances of both studies alternately (sender A the even-numbered files of
// both, sender B the odd ones): both associations are served at the same time, each study ends up whole in its own
// spool folder, both are analysed and the PACS gets each study's results in that study. Then one study comes again
// and is analysed again; the other is left alone.
TEST_F(ServeNode, TwoSendersInterleavingTwoStudiesThenOneStudyAgain) {
  if (uids_.size() < 2) generate_study(42);
  ASSERT_EQ(uids_.size(), 2u);
  start({"--allow-calling", "MODALITY", "--max-associations", "4"}, 3);
  std::array<std::vector<std::string>, 2> lists;
  const std::size_t n = std::max(files_[0].size(), files_[1].size());
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t study = 0; study < 2; ++study)
      if (i < files_[study].size()) lists[i % 2].push_back(files_[study][i]);
  {
    auto a = store_in_background(lists[0], "sender-a");
    auto b = store_in_background(lists[1], "sender-b");
    int code_a = -1, code_b = -1;
    bool done_a = false, done_b = false;                     // finished() reports an exit once
    for (int i = 0; i < 1200 && !(done_a && done_b); ++i) {  // 120 s at most
      done_a = done_a || a->finished(code_a);
      done_b = done_b || b->finished(code_b);
      if (!(done_a && done_b)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(code_a, 0) << myo::core::read_text_file(work_ / "sender-a.log");
    EXPECT_EQ(code_b, 0) << myo::core::read_text_file(work_ / "sender-b.log");
  }
  EXPECT_NE(log().find("accepted (2 open)"), std::string::npos) << "the two associations were not served at once\n"
                                                                << log();
  for (std::size_t study = 0; study < 2; ++study) {
    EXPECT_EQ(count_files(spool(study)), files_[study].size());
    const auto scan = myo::dicom::scan(spool(study));
    ASSERT_EQ(scan.studies.size(), 1u) << "instances of another study in " << spool(study);
    EXPECT_EQ(scan.studies.front().study_instance_uid, uids_[study]);
  }
  for (std::size_t study = 0; study < 2; ++study) {
    const auto j = wait_for_analysis(study, 1, 240);  // one analysis at a time: the second waits for the first
    ASSERT_FALSE(j.empty()) << log();
    EXPECT_EQ(j.value("status", ""), "analysed") << j.dump(2);
    EXPECT_EQ(j.value("study_instance_uid", ""), uids_[study]);
    EXPECT_EQ(j.value("instances", 0), files_[study].size()) << j.dump(2);
    EXPECT_EQ(j.value("sent", 0u), results(study)) << j.dump(2);
    const auto report =
        nlohmann::json::parse(myo::core::read_text_file(serve_json(study).parent_path() / "report.json"));
    EXPECT_EQ(report["study"].value("study_instance_uid", ""), uids_[study]);
  }
  auto objects = pacs_objects();
  EXPECT_EQ(objects.size(), 2u);
  for (std::size_t study = 0; study < 2; ++study) {
    std::map<std::string, std::size_t> modalities;
    for (const auto& m : objects[uids_[study]]) ++modalities[m];
    // The parametric map (modality MR), the segmentation and the edema SEG, the measurement report, the report
    // PDF (DOC) and one overlay capture (OT) per slice.
    EXPECT_EQ(modalities["MR"], 1u) << uids_[study];
    EXPECT_EQ(modalities["SEG"], 2u) << uids_[study];
    EXPECT_EQ(modalities["SR"], 1u) << uids_[study];
    EXPECT_EQ(modalities["DOC"], 1u) << uids_[study];
    EXPECT_EQ(modalities["OT"], results(study) - 5) << uids_[study];
  }

  // The first study again (e.g. re-sent after a correction): analysed a second time, results sent again.
  ASSERT_EQ(run(store_command("MODALITY", files_[0])), 0);
  const auto again = wait_for_analysis(0, 2);
  ASSERT_FALSE(again.empty()) << log();
  EXPECT_EQ(again.value("status", ""), "analysed") << again.dump(2);
  EXPECT_EQ(again.value("sent", 0u), results(0)) << again.dump(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(node_->stop(), 0) << log();
  objects = pacs_objects();
  EXPECT_EQ(objects[uids_[0]].size(), 2 * results(0));
  EXPECT_EQ(objects[uids_[1]].size(), results(1));
  EXPECT_EQ(nlohmann::json::parse(myo::core::read_text_file(serve_json(1))).value("analysis", 0), 1);
}

// The issue's own scenario: a modality sends a generated study to the node with storescu; the node sends its results
// to a real PACS (Orthanc on loopback). Checked through Orthanc's REST API: the results are filed under the original
// study (same Study Instance UID, so a viewer shows them beside the images): SEG, SR, parametric map, the overlay
// series, the report PDF and the edema SEG; one object of each series passes dciodvfy without IOD errors (when
// dicom3tools is installed).
TEST_F(ServeNode, StorescuToNodeResultsReachOrthancValid) {
  if (!fs::exists("/usr/sbin/Orthanc")) GTEST_SKIP() << "Orthanc missing (Debian package orthanc)";
  if (!fs::exists("/usr/bin/curl")) GTEST_SKIP() << "curl missing";
  use_orthanc_ = true;
  start({"--allow-calling", "MODALITY"}, 2);
  ASSERT_EQ(run(store_command("MODALITY", files_[0])), 0);
  const auto j = wait_for_analysis(0, 1);
  ASSERT_FALSE(j.empty()) << log();
  EXPECT_EQ(j.value("sent", 0u), results(0)) << j.dump(2);

  const auto found =
      capture("/usr/bin/curl -sf -X POST -d '{\"Level\": \"Study\", \"Query\": {\"StudyInstanceUID\": \"" + uids_[0] +
              "\"}}' " + http() + "/tools/find");
  ASSERT_FALSE(found.empty()) << myo::core::read_text_file(work_ / "pacs.log");
  const auto studies = nlohmann::json::parse(found);
  ASSERT_EQ(studies.size(), 1u) << "results not filed under the original study";
  std::vector<std::string> modalities;
  std::size_t instances = 0;
  for (const auto& series : rest("/studies/" + studies[0].get<std::string>() + "/series")) {
    modalities.push_back(series["MainDicomTags"].value("Modality", "?"));
    for (const auto& instance : series["Instances"]) {
      const bool first_of_series = instance == series["Instances"].front();
      ++instances;
      const std::string id = instance.get<std::string>();
      const auto tags = rest("/instances/" + id + "/simplified-tags");
      EXPECT_EQ(tags.value("StudyInstanceUID", ""), uids_[0]);
      // One instance per series is validated: the overlay slices differ in pixels and position only.
      if (!first_of_series || !fs::exists("/usr/bin/dciodvfy")) continue;
      const fs::path file = work_ / (id + ".dcm");
      ASSERT_EQ(run("/usr/bin/curl -sf -o " + file.string() + " " + http() + "/instances/" + id + "/file"), 0);
      std::istringstream report(capture("{ /usr/bin/dciodvfy " + file.string() + " 2>&1; }"));  // it reports on stderr
      for (std::string line; std::getline(report, line);)
        EXPECT_NE(line.rfind("Error", 0), 0u) << tags.value("Modality", "") << " from Orthanc: " << line;
    }
  }
  std::sort(modalities.begin(), modalities.end());
  EXPECT_EQ(modalities, (std::vector<std::string>{"DOC", "MR", "OT", "SEG", "SEG", "SR"}));
  EXPECT_EQ(instances, results(0));
  EXPECT_EQ(node_->stop(), 0) << log();
}

// Nothing is lost when the node is stopped, even by SIGKILL: a study received but not yet analysed (its quiet period
// had not passed) is analysed by the next node started on the same spool, and its results are sent.
TEST_F(ServeNode, KilledNodeAnalysesItsSpoolAfterRestart) {
  start({"--allow-calling", "MODALITY"}, 600);
  ASSERT_EQ(run(store_command("MODALITY", files_[0])), 0);
  EXPECT_EQ(count_files(spool(0)), files_[0].size());
  kill(node_->pid(), SIGKILL);
  (void)node_->stop();
  EXPECT_FALSE(fs::exists(serve_json(0)));
  const auto first_log = log();

  start({"--allow-calling", "MODALITY"}, 2);  // same spool and output folders, new ports
  const auto j = wait_for_analysis(0, 1);
  ASSERT_FALSE(j.empty()) << first_log << "\n----\n" << log();
  EXPECT_EQ(j.value("status", ""), "analysed") << j.dump(2);
  EXPECT_EQ(j.value("study_instance_uid", ""), uids_[0]) << j.dump(2);
  EXPECT_EQ(j.value("instances", 0), files_[0].size()) << j.dump(2);
  EXPECT_EQ(j.value("sent", 0u), results(0)) << j.dump(2);
  EXPECT_EQ(node_->stop(), 0) << log();
}

}  // namespace
