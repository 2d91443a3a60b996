// The Storage SCP's listener. DCMTK's own accept loop (DcmSCPPool) reads each new connection's association request on
// the one listening thread, so a peer that connects and sends a byte held up every other peer for the whole ACSE
// timeout. Here the listening socket is ours (bound to the configured address; DCMTK 3.6.7 binds every interface),
// accepting is non-blocking, and connections wait for their association request side by side in one poll(): a
// connection is handed to DCMTK only when its whole A-ASSOCIATE-RQ PDU has arrived (peeked, not read), so DCMTK's
// receive never waits. DCMTK takes an accepted socket through dcmExternalSocketHandle (its inetd mode); only this
// thread sets it.
#include <arpa/inet.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/oflog/oflog.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <list>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "myo/core/log.hpp"
#include "scp_internal.hpp"

namespace myo::dicom {
namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned char kAssociateRequestPdu = 0x01;
constexpr std::size_t kPduHeaderBytes = 6;
constexpr int kListenBacklog = 64;
constexpr int kReceiveBufferBytes = 256 * 1024;  // inherited by accepted sockets: room for a whole request

std::string address_text(const sockaddr_in& address) {
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
  return fmt::format("{}:{}", text, ntohs(address.sin_port));
}

// A socket closed when it goes out of scope unless released.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int fd() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Socket open_listener(const std::string& bind_address, std::uint16_t port) {
  const std::string subject = fmt::format("{}:{}", bind_address, port);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, bind_address.c_str(), &address.sin_addr) != 1)
    throw core::MyoError("--bind", fmt::format("'{}' is not an IPv4 address (e.g. 127.0.0.1, 0.0.0.0)", bind_address));
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int reuse = 1;
  const int buffer = kReceiveBufferBytes;
  if (s.fd() < 0 || ::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) != 0 ||
      ::setsockopt(s.fd(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer) != 0 ||
      ::bind(s.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(s.fd(), kListenBacklog) != 0)
    throw core::MyoError(subject, std::string("cannot listen: ") + std::strerror(errno));
  return s;
}

// A connection waiting for its association request.
struct Waiting {
  Socket socket;
  std::string address;  // ip:port
  Clock::time_point deadline;
  bool partial = false;  // part of the request has arrived (polled again at the next tick, not by poll())
};

enum class Request { none_yet, partial, complete, refused };

// Part of a request has arrived; a peek cannot see the end of the stream behind it, POLLRDHUP can.
Request partial_or_closed(int fd, std::string& why) {
  pollfd p{fd, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
    why = "closed before its association request was complete";
    return Request::refused;
  }
  return Request::partial;
}

// What a waiting connection has sent so far, peeked without consuming it (DCMTK reads it afterwards).
Request peek_request(int fd, std::string& why) {
  unsigned char header[kPduHeaderBytes] = {};
  const ssize_t n = ::recv(fd, header, sizeof header, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) {
    why = "closed before sending an association request";
    return Request::refused;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Request::none_yet;
    why = std::string("connection failed: ") + std::strerror(errno);
    return Request::refused;
  }
  if (header[0] != kAssociateRequestPdu) {
    why = fmt::format("not a DICOM association request (first byte 0x{:02x})", header[0]);
    return Request::refused;
  }
  if (static_cast<std::size_t>(n) < kPduHeaderBytes) return partial_or_closed(fd, why);
  const std::size_t length = (std::size_t{header[2]} << 24) | (std::size_t{header[3]} << 16) |
                             (std::size_t{header[4]} << 8) | std::size_t{header[5]};
  if (length > kMaxAssociationRequestBytes) {
    why = fmt::format("association request of {} bytes (at most {} accepted)", length, kMaxAssociationRequestBytes);
    return Request::refused;
  }
  int available = 0;
  if (::ioctl(fd, FIONREAD, &available) != 0) available = 0;
  return static_cast<std::size_t>(available) >= kPduHeaderBytes + length ? Request::complete
                                                                         : partial_or_closed(fd, why);
}

// The association threads: at most `max` at once, finished ones joined as the listener goes round.
class AssociationThreads {
 public:
  explicit AssociationThreads(unsigned max) : max_(max) {}
  AssociationThreads(const AssociationThreads&) = delete;
  AssociationThreads& operator=(const AssociationThreads&) = delete;
  ~AssociationThreads() { join_all(); }
  // False when `max` associations are being served already.
  bool start(std::function<void()> job) {
    join_finished();
    if (threads_.size() >= max_) return false;
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.push_back({std::thread([job = std::move(job), done]() {
                          job();
                          *done = true;
                        }),
                        done});
    return true;
  }
  void join_finished() {
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (!*it->done) {
        ++it;
        continue;
      }
      it->thread.join();
      it = threads_.erase(it);
    }
  }
  void join_all() {
    for (auto& t : threads_) t.thread.join();
    threads_.clear();
  }

 private:
  struct Entry {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  unsigned max_;
  std::list<Entry> threads_;
};

DcmSCPConfig scp_config(const StoreScpOptions& options) {
  DcmSCPConfig config;
  config.setAETitle(options.ae_title.c_str());
  config.setACSETimeout(options.request_timeout_s);
  config.setDIMSEBlockingMode(DIMSE_NONBLOCKING);  // the idle timeout applies only in non-blocking mode
  config.setDIMSETimeout(options.idle_timeout_s);
  OFList<OFString> verification_ts;
  verification_ts.push_back(UID_LittleEndianExplicitTransferSyntax);
  verification_ts.push_back(UID_LittleEndianImplicitTransferSyntax);
  (void)config.addPresentationContext(UID_VerificationSOPClass, verification_ts);
  OFList<OFString> ts;
  for (const char* uid :
       {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
        UID_BigEndianExplicitTransferSyntax, UID_DeflatedExplicitVRLittleEndianTransferSyntax,
        UID_JPEGProcess14SV1TransferSyntax, UID_JPEGProcess1TransferSyntax, UID_JPEGProcess2_4TransferSyntax,
        UID_JPEGLSLosslessTransferSyntax, UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax,
        UID_RLELosslessTransferSyntax})
    ts.push_back(uid);
  for (int i = 0; i < numberOfDcmAllStorageSOPClassUIDs; ++i)
    (void)config.addPresentationContext(dcmAllStorageSOPClassUIDs[i], ts);
  return config;
}

// DCMTK's acceptor network without a listening socket of its own (it is given each accepted socket in turn).
class DcmtkAcceptor {
 public:
  DcmtkAcceptor(int listening_fd, const StoreScpOptions& options) {
    dcmExternalSocketHandle.set(listening_fd);  // any valid socket: DCMTK then opens no port of its own
    const OFCondition cond =
        ASC_initializeNetwork(NET_ACCEPTOR, options.port, static_cast<int>(options.request_timeout_s), &network_);
    dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
    if (cond.bad())
      throw core::MyoError(fmt::format("port {}", options.port), std::string("DICOM network: ") + cond.text());
  }
  DcmtkAcceptor(const DcmtkAcceptor&) = delete;
  DcmtkAcceptor& operator=(const DcmtkAcceptor&) = delete;
  ~DcmtkAcceptor() { (void)ASC_dropNetwork(&network_); }

  // The association request of `socket` (whole in its receive buffer); DCMTK owns the socket from here on.
  T_ASC_Association* receive(Socket socket, const std::string& address, Uint32 max_pdu) {
    T_ASC_Association* association = nullptr;
    dcmExternalSocketHandle.set(socket.release());
    const OFCondition cond = ASC_receiveAssociation(network_, &association, max_pdu);
    dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
    if (cond.good()) return association;
    log::warn("serve: connection from {} refused: unreadable association request ({})", address, cond.text());
    drop(association);
    return nullptr;
  }
  static void drop(T_ASC_Association*& association) {
    if (association == nullptr) return;
    (void)ASC_dropAssociation(association);
    (void)ASC_destroyAssociation(&association);
  }

 private:
  T_ASC_Network* network_ = nullptr;
};

class Listener {
 public:
  Listener(const StoreScpOptions& options, const std::atomic<bool>& stop)
      : options_(options),
        stop_(stop),
        socket_(open_listener(options.bind_address, options.port)),
        acceptor_(socket_.fd(), options),
        config_(scp_config(options)),
        shared_config_(config_),
        threads_(std::clamp(options.max_associations, 1U, 256U)) {}

  void run() {
    log::info("serve: listening as {} on {}:{} (up to {} associations at once)", options_.ae_title,
              options_.bind_address, options_.port, std::clamp(options_.max_associations, 1U, 256U));
    while (!stop_.load()) {
      wait_for_activity();
      accept_new();
      check_waiting();
      threads_.join_finished();
    }
    waiting_.clear();  // closes them
    threads_.join_all();
  }

 private:
  // Sleeps until a connection arrives or a waiting one sends something; a quarter second at most (`stop`), 20 ms
  // while a request is arriving in parts (those are looked at again on every round, not by poll()).
  void wait_for_activity() {
    std::vector<pollfd> fds{{socket_.fd(), POLLIN, 0}};
    bool partial = false;
    for (const auto& w : waiting_) {
      if (w.partial)
        partial = true;
      else
        fds.push_back({w.socket.fd(), POLLIN, 0});
    }
    (void)::poll(fds.data(), fds.size(), partial ? 20 : 250);
  }

  void accept_new() {
    for (;;) {
      sockaddr_in address{};
      socklen_t length = sizeof address;
      Socket s(::accept4(socket_.fd(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC));
      if (s.fd() < 0) return;  // EAGAIN: none left (or a connection reset before it was accepted)
      if (waiting_.size() >= kMaxWaitingConnections) {
        log::warn("serve: connection from {} closed: {} connections already waiting for their association request",
                  waiting_.front().address, kMaxWaitingConnections);
        waiting_.pop_front();
      }
      const auto deadline = Clock::now() + std::chrono::seconds(options_.request_timeout_s);
      waiting_.push_back({std::move(s), address_text(address), deadline});
    }
  }

  void check_waiting() {
    const auto now = Clock::now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      std::string why;
      const Request state = peek_request(it->socket.fd(), why);
      if (state == Request::complete) {
        start_association(std::move(it->socket), it->address);
      } else if (state == Request::refused || now >= it->deadline) {
        if (state != Request::refused)
          why = fmt::format("no complete association request within {} s (--request-timeout)",
                            options_.request_timeout_s);
        log::warn("serve: connection from {} closed: {}", it->address, why);
      } else {
        it->partial = state == Request::partial;
        ++it;
        continue;
      }
      it = waiting_.erase(it);
    }
  }

  void start_association(Socket socket, const std::string& address) {
    T_ASC_Association* association = acceptor_.receive(std::move(socket), address, config_.getMaxReceivePDULength());
    if (association == nullptr) return;
    const bool started = threads_.start([this, association, address]() {
      detail::serve_association(association, shared_config_, options_, address, open_associations_);
    });
    if (started) return;
    log::warn(
        "serve: association from {} refused: {} associations already open (--max-associations); the peer may "
        "retry",
        address, std::clamp(options_.max_associations, 1U, 256U));
    T_ASC_RejectParameters reject{ASC_RESULT_REJECTEDTRANSIENT, ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED,
                                  ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED};
    (void)ASC_rejectAssociation(association, &reject);
    DcmtkAcceptor::drop(association);
  }

  const StoreScpOptions& options_;
  const std::atomic<bool>& stop_;
  Socket socket_;
  DcmtkAcceptor acceptor_;
  DcmSCPConfig config_;
  DcmSharedSCPConfig shared_config_;
  std::list<Waiting> waiting_;
  std::atomic<int> open_associations_{0};
  AssociationThreads threads_;  // last: joined before the members the threads use go
};

}  // namespace

void run_store_scp(const StoreScpOptions& options, const std::atomic<bool>& stop) {
  if (options.allowed_calling_ae_titles.empty())
    throw core::MyoError("--allow-calling", "no calling AE title configured: the node would accept any peer");
  detail::disable_nagle_algorithm();
  // The peer's numeric address is what --allow-host compares with (no reverse DNS: it can stall for seconds).
  dcmDisableGethostbyaddr.set(OFTrue);
  // DCMTK's network layer reports every message at its info level; our own log says what matters once per
  // association. --verbose brings DCMTK's messages back.
  OFLog::getLogger("dcmtk.dcmnet")
      .setLogLevel(log::level() == log::Level::debug ? OFLogger::INFO_LOG_LEVEL : OFLogger::WARN_LOG_LEVEL);
  Listener listener(options, stop);
  listener.run();
}

}  // namespace myo::dicom
