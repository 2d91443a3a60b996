#pragma once
// DICOM networking (DCMTK dcmnet): a Storage SCP that receives a PACS' images into a spool folder, and a Storage
// SCU that sends result objects back. Plain values in; DCMTK stays inside libs/dicom.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "myo/core/error.hpp"

namespace myo::dicom {

// How one association took part in a study: it started sending the study (`open`), or it ended (`open` false),
// released normally by the peer or not (aborted by the peer, connection lost mid-transfer, idle too long).
struct StudyTransfer {
  std::string study_uid;
  bool open = true;
  bool released = false;   // (ended) the peer released the association after its last instance
  std::string peer;        // "'AE' at address:port", for logs and serve.json (no patient data)
  std::string end_reason;  // (ended, not released) what happened, in plain words
};

struct StoreScpOptions {
  // Listening address: loopback unless the node is meant to be reachable from other machines ("0.0.0.0": all
  // IPv4 interfaces). IPv4 only (DCMTK 3.6 reports peers by IPv4 address).
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 11112;
  std::string ae_title = "MYOSCOPE";  // the called AE title must match it (else the association is rejected)
  // Calling AE titles allowed to connect (C-ECHO and C-STORE). Never empty: an open node would accept anything.
  std::vector<std::string> allowed_calling_ae_titles;
  // Peer addresses allowed to connect ("127.0.0.1"); empty = any address.
  std::vector<std::string> allowed_hosts;
  // A new connection that has not sent its whole association request within this time is closed. Connections wait
  // for their request side by side (never one behind another), at most kMaxWaitingConnections at once.
  unsigned request_timeout_s = 10;
  // An association with no message (or no progress within a message) for this long is aborted; its studies count
  // as incomplete.
  unsigned idle_timeout_s = 60;
  // Associations served at the same time (one thread each); one more is rejected as transient (the peer retries).
  unsigned max_associations = 8;
  // Where a received instance goes, from its Study and SOP Instance UIDs (the caller sanitises the names).
  std::function<std::filesystem::path(const std::string& study_uid, const std::string& sop_instance_uid)> destination;
  // Called after an instance was stored (written to a unique temporary name, fsynced, renamed without replacing,
  // folder fsynced), or when an identical copy of it was already there. Called from the association's thread:
  // callers synchronise.
  std::function<void(const std::string& study_uid, const std::filesystem::path& file)> on_stored;
  // Called once per association and study: before the first instance of the study in that association is stored,
  // and once that association has ended. A node uses it never to analyse a study while a peer is still sending it,
  // and to tell a complete transfer (released) from an incomplete one.
  std::function<void(const StudyTransfer&)> on_study_association;
};

// Connections waiting for their association request at most (beyond it the oldest one is closed and logged).
inline constexpr std::size_t kMaxWaitingConnections = 64;
// Largest association request accepted (a request proposing every storage SOP class is far smaller).
inline constexpr std::size_t kMaxAssociationRequestBytes = 64 * 1024;

// Listens on bind_address:port until `stop` becomes true (checked at least every quarter second), then waits for the
// open associations to end. Accepting never waits on a peer: a connection is handed to DCMTK only once its whole
// association request has arrived, so silent or slow peers cannot hold up others. Serves up to `max_associations`
// associations at once, one thread each. Accepts C-ECHO, and C-STORE of every storage SOP class in the common
// uncompressed and compressed transfer syntaxes; the instance is stored as received. The first instance stored under
// a SOP Instance UID wins: an identical copy is a success for its sender, a different one is refused (status 0111H,
// duplicate SOP instance) and logged. Every refusal is logged with the peer's address and the reason.
// Throws core::MyoError when the address cannot be listened on.
void run_store_scp(const StoreScpOptions& options, const std::atomic<bool>& stop);

struct StoreScuOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 104;
  std::string called_ae_title;
  std::string calling_ae_title = "MYOSCOPE";
  unsigned timeout_s = 30;
};

// Sends `files` (DICOM files) in one association, each in its own SOP class and transfer syntax (with explicit and
// implicit little endian offered as fallbacks). Returns the number of instances the peer accepted; an error names
// the peer or the file that was refused.
[[nodiscard]] core::Result<std::size_t> send_files(const std::vector<std::filesystem::path>& files,
                                                   const StoreScuOptions& options);

// C-ECHO: true when the peer answered.
[[nodiscard]] bool echo(const StoreScuOptions& options);

}  // namespace myo::dicom
