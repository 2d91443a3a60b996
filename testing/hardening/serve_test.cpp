// `myoscope serve` against idle and hostile peers (issue #24, item 7): silent connections that once held up every
// other peer for the ACSE timeout, the same instance sent by four senders at once (once "cannot rename .part"), a
// sender gone mid-dataset (once not marked incomplete), the listening address (once every interface), and refusals
// (once a wrong called AE title left no log line). The node runs as a process on loopback with free ports; peers are
// DCMTK's tools, raw sockets, and a DcmSCU in a forked child that vanishes mid-transfer.
#include <arpa/inet.h>
#include <dcmtk/dcmnet/scu.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "myo/testing/processes.hpp"
#include "hardening_fixture.hpp"

namespace {

using myo::testing::Background;
using myo::testing::free_port;
using myo::testing::run;
using Clock = std::chrono::steady_clock;

// A raw TCP connection to 127.0.0.1 (or another loopback address): what a port scanner or a stuck peer does.
class RawConnection {
 public:
  RawConnection(unsigned short port, const char* address = "127.0.0.1") : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, address, &a.sin_addr);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] bool connected() const { return connected_; }
  bool send_text(const std::string& bytes) const {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // True when the node closed the connection within `seconds`.
  [[nodiscard]] bool closed_by_peer_within(int seconds) const {
    timeval timeout{seconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char byte = 0;
    const ssize_t n = ::recv(fd_, &byte, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);  // a reset when the node closes with our bytes unread
  }

 private:
  int fd_;
  bool connected_ = false;
};

// A DcmSCU that vanishes (the process exits, the kernel closes its socket) in the middle of a dataset once armed.
class VanishingScu : public DcmSCU {
 public:
  bool armed = false;

 protected:
  void notifySENDProgress(const unsigned long byte_count) override {
    if (armed && byte_count > 0) ::_exit(0);
  }
};

class ServeHardening : public Hardening {
 protected:
  void SetUp() override {
    Hardening::SetUp();
    for (const char* tool : {"/usr/bin/storescu", "/usr/bin/echoscu", "/usr/bin/findscu"})
      if (!fs::exists(tool)) GTEST_SKIP() << tool << " missing (Debian package dcmtk)";
    myo::testing::dcmtk_tools_without_nagle();
    port_ = free_port();
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (node_ && HasFailure()) std::cerr << "node log:\n" << log() << "\n";
    node_.reset();
  }

  // The node, up once a C-ECHO from MODALITY answers (10 s at most).
  void start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{
        MYOSCOPE_EXE,      "serve",           "--port",  std::to_string(port_), "--ae-title", "MYONODE",
        "--allow-calling", "MODALITY",        "--spool", spool().string(),      "-o",         out().string(),
        "--no-figures",    "--quiet-seconds", "2",       "--run-seconds",       "300"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    node_ = std::make_unique<Background>(argv, work_.path() / "serve.log");
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {
      up = echo();
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(up) << log();
  }
  [[nodiscard]] std::string peer() const { return " 127.0.0.1 " + std::to_string(port_); }
  [[nodiscard]] bool echo(const std::string& called = "MYONODE") const {
    return run("/usr/bin/echoscu -ta 5 -aet MODALITY -aec " + called + peer()) == 0;
  }
  [[nodiscard]] int store(const fs::path& file) const {
    return run("/usr/bin/storescu -ta 5 -aet MODALITY -aec MYONODE" + peer() + " " + file.string());
  }
  [[nodiscard]] fs::path spool() const { return work_.path() / "spool"; }
  [[nodiscard]] std::string log() const {
    std::error_code ec;
    return fs::exists(work_.path() / "serve.log", ec) ? read_all(work_.path() / "serve.log") : std::string();
  }
  // Received files under the spool whose name ends with `suffix`.
  [[nodiscard]] std::vector<fs::path> spooled(const std::string& suffix = ".dcm") const {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(spool(), ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (it->is_regular_file() && name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        files.push_back(it->path());
    }
    return files;
  }
  // The first serve.json under OUT (bounded wait), parsed; an empty object when none appeared.
  [[nodiscard]] nlohmann::json wait_for_serve_json(int seconds) const {
    for (int i = 0; i < seconds * 10; ++i) {
      std::error_code ec;
      for (fs::directory_iterator it(out(), ec), end; !ec && it != end; it.increment(ec))
        if (fs::exists(it->path() / "serve.json")) return nlohmann::json::parse(read_all(it->path() / "serve.json"));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return nlohmann::json::object();
  }

  unsigned short port_ = 0;
  std::unique_ptr<Background> node_;
};

// Ten connections that send one byte and then nothing: DCMTK's accept loop read each one's association request in
// turn for the whole ACSE timeout (30 s), so a C-ECHO behind them timed out. Now they wait side by side and the
// echo (and a C-STORE) is answered at once.
TEST_F(ServeHardening, IdleConnectionsDoNotHoldUpOtherPeers) {
  start();
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 10; ++i) {
    idle.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(idle.back()->connected());
    ASSERT_TRUE(idle.back()->send_text(std::string(1, '\x01')));  // the first byte of an A-ASSOCIATE-RQ
  }
  const auto before = Clock::now();
  EXPECT_TRUE(echo()) << "C-ECHO failed behind 10 idle connections";
  EXPECT_EQ(store(middle(water())), 0);
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(8)) << "the echo and store waited for the idle connections";
  EXPECT_EQ(spooled().size(), 1u);
  idle.clear();
  bool noticed = false;
  for (int i = 0; i < 100 && !noticed; ++i) {  // 10 s at most
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    noticed = has(log(), "closed before its association request was complete");
  }
  EXPECT_TRUE(noticed) << log();
  EXPECT_EQ(node_->stop(), 0);
}

// A connection that never completes its association request is closed after --request-timeout and logged.
TEST_F(ServeHardening, SilentConnectionIsClosedAfterRequestTimeout) {
  start({"--request-timeout", "2"});
  RawConnection silent(port_);
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(silent.send_text(std::string(1, '\x01')));
  EXPECT_TRUE(silent.closed_by_peer_within(20)) << "the node kept a silent connection open";
  EXPECT_TRUE(has(log(), "no complete association request within 2 s (--request-timeout)")) << log();
  EXPECT_TRUE(echo());
}

// An association that goes silent after it was accepted is aborted after --idle-timeout and logged.
TEST_F(ServeHardening, SilentAssociationIsAbortedAfterIdleTimeout) {
  start({"--idle-timeout", "2"});
  DcmSCU scu;
  scu.setAETitle("MODALITY");
  scu.setPeerHostName("127.0.0.1");
  scu.setPeerPort(port_);
  scu.setPeerAETitle("MYONODE");
  scu.setACSETimeout(5);
  OFList<OFString> ts;
  ts.push_back(UID_LittleEndianImplicitTransferSyntax);
  ASSERT_TRUE(scu.addPresentationContext(UID_VerificationSOPClass, ts).good());
  ASSERT_TRUE(scu.initNetwork().good());
  ASSERT_TRUE(scu.negotiateAssociation().good());
  bool aborted = false;
  for (int i = 0; i < 200 && !aborted; ++i) {  // 20 s at most
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    aborted = has(log(), "nothing received for 2 s (--idle-timeout)");
  }
  EXPECT_TRUE(aborted) << log();
  EXPECT_TRUE(echo());
}

// Four senders store the same instance at the same moment, each ten times over: every C-STORE succeeds and one file
// is stored. Before, they shared one temporary name and most renames failed.
TEST_F(ServeHardening, SameInstanceFromFourSendersAtOnceIsStoredOnce) {
  start();
  const std::string file = middle(water()).string();
  std::vector<std::unique_ptr<Background>> senders;
  for (int i = 0; i < 4; ++i) {
    std::vector<std::string> argv{"/usr/bin/storescu", "-aet",      "MODALITY",           "-aec",
                                  "MYONODE",           "127.0.0.1", std::to_string(port_)};
    argv.insert(argv.end(), 10, file);
    senders.push_back(std::make_unique<Background>(argv, work_.path() / ("sender" + std::to_string(i) + ".log")));
  }
  for (std::size_t i = 0; i < senders.size(); ++i) {
    int code = -1;
    for (int t = 0; t < 600 && !senders[i]->finished(code); ++t)  // 60 s at most
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(code, 0) << "sender " << i << ":\n" << read_all(work_.path() / ("sender" + std::to_string(i) + ".log"));
  }
  EXPECT_EQ(spooled().size(), 1u);
  EXPECT_TRUE(spooled(".part").empty());
  EXPECT_FALSE(has(log(), "not stored")) << log();
}

// A different instance under the SOP Instance UID of one already stored is refused (status 0111H: storescu exits
// with 1) and logged; the first one is kept. An identical copy is a success.
TEST_F(ServeHardening, DifferentInstanceUnderAStoredUidIsRefused) {
  start();
  const fs::path original = middle(water());
  ASSERT_EQ(store(original), 0);
  ASSERT_EQ(spooled().size(), 1u);
  const std::string stored = read_all(spooled().front());
  const fs::path changed = work_.path() / "changed.dcm";
  fs::copy_file(original, changed);
  modify(changed, [](DcmDataset& d) { put(d, DCM_SeriesDescription, "changed after sending"); });
  EXPECT_EQ(store(changed), 1);
  EXPECT_EQ(store(original), 0) << "an identical copy must succeed";
  ASSERT_EQ(spooled().size(), 1u);
  EXPECT_EQ(read_all(spooled().front()), stored) << "the first instance was replaced";
  EXPECT_TRUE(has(log(), "differs from the instance already stored")) << log();
}

// A sender that vanishes in the middle of a dataset: what it completed is kept, nothing partial remains, the study
// is recorded as incomplete in serve.json and not analysed, and the node exits with 4 (inputs left unprocessed).
TEST_F(ServeHardening, SenderGoneMidDatasetIsRecordedIncomplete) {
  start();
  OFString sop_class;
  load(file(water(), 0))->getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sop_class);
  ASSERT_FALSE(sop_class.empty());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    VanishingScu scu;
    scu.setAETitle("MODALITY");
    scu.setPeerHostName("127.0.0.1");
    scu.setPeerPort(port_);
    scu.setPeerAETitle("MYONODE");
    OFList<OFString> ts;
    ts.push_back(UID_LittleEndianExplicitTransferSyntax);
    ts.push_back(UID_LittleEndianImplicitTransferSyntax);
    scu.addPresentationContext(sop_class, ts);
    if (scu.initNetwork().bad() || scu.negotiateAssociation().bad()) ::_exit(2);
    const T_ASC_PresentationContextID id = scu.findAnyPresentationContextID(sop_class, "");
    for (std::size_t i = 0; i < 3; ++i) {
      scu.armed = i == 2;
      Uint16 status = 0;
      if (scu.sendSTORERequest(id, file(water(), i).c_str(), nullptr, status).bad() || status != 0) ::_exit(3);
    }
    ::_exit(4);  // the third instance went through whole: the test would prove less than it says
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "the sender did not vanish mid-dataset";

  const auto j = wait_for_serve_json(60);
  ASSERT_FALSE(j.empty()) << log();
  EXPECT_EQ(j.value("status", ""), "incomplete") << j.dump(2);
  EXPECT_EQ(j.value("instances", 0), 2) << j.dump(2);
  EXPECT_TRUE(has(j.value("message", ""), "'MODALITY' at 127.0.0.1:")) << j.dump(2);
  EXPECT_EQ(spooled().size(), 2u);
  EXPECT_TRUE(spooled(".part").empty());
  EXPECT_TRUE(echo()) << "the node stopped serving after a peer vanished";
  EXPECT_EQ(node_->stop(), core::kExitPartial) << log();
  EXPECT_FALSE(has(log(), "analysing")) << log();
}

// The node listens on loopback unless told otherwise: 127.0.0.2 (loopback, but not the bound address) is refused.
// `--bind 0.0.0.0` listens on every interface; a malformed address is a usage error.
TEST_F(ServeHardening, ListensOnLoopbackByDefault) {
  start();
  EXPECT_TRUE(RawConnection(port_, "127.0.0.1").connected());
  EXPECT_FALSE(RawConnection(port_, "127.0.0.2").connected()) << "the node listens beyond 127.0.0.1";
  EXPECT_TRUE(has(log(), "on 127.0.0.1:" + std::to_string(port_))) << log();
  EXPECT_EQ(node_->stop(), 0);

  start({"--bind", "0.0.0.0"});
  EXPECT_TRUE(RawConnection(port_, "127.0.0.2").connected());
  EXPECT_EQ(node_->stop(), 0);

  const auto r = run_myoscope("serve --bind 300.1.2.3 --allow-calling MODALITY --spool " + spool().string() + " -o " +
                              out().string());
  EXPECT_EQ(r.exit_code, core::kExitUsage) << r.err;
}

// Every refusal names the peer's address and the reason: wrong called AE title, unknown calling AE title, no
// supported SOP class (C-FIND), something that is not DICOM.
TEST_F(ServeHardening, RefusalsAreLoggedWithPeerAndReason) {
  start();
  EXPECT_FALSE(echo("OTHERNODE"));
  EXPECT_NE(run("/usr/bin/echoscu -ta 5 -aet INTRUDER -aec MYONODE" + peer()), 0);
  EXPECT_NE(run("/usr/bin/findscu -ta 5 -P -k 0010,0010 -aet MODALITY -aec MYONODE" + peer()), 0);
  {
    RawConnection http(port_);
    ASSERT_TRUE(http.connected());
    ASSERT_TRUE(http.send_text("GET / HTTP/1.0\r\n\r\n"));
    EXPECT_TRUE(http.closed_by_peer_within(10));
  }
  EXPECT_TRUE(echo());
  const std::string text = log();
  EXPECT_TRUE(has(text, "'MODALITY' at 127.0.0.1:")) << text;
  EXPECT_TRUE(has(text, "refused: called AE title 'OTHERNODE' rejected")) << text;
  EXPECT_TRUE(has(text, "refused: calling AE title 'INTRUDER' rejected")) << text;
  EXPECT_TRUE(has(text, "refused: no presentation context supported")) << text;
  EXPECT_TRUE(has(text, "not a DICOM association request (first byte 0x47)")) << text;
  EXPECT_TRUE(spooled().empty());
}

}  // namespace
