#pragma once
// DICOM networking (DCMTK dcmnet): a Storage SCP that receives a PACS' images into a spool folder, and a Storage
// SCU that sends result objects back. Plain values in; DCMTK stays inside libs/dicom.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "myo/core/error.hpp"

namespace myo::dicom {

struct StoreScpOptions {
  std::uint16_t port = 11112;
  std::string ae_title = "MYOSCOPE";  // the called AE title must match it (else the association is rejected)
  // Calling AE titles allowed to connect (C-ECHO and C-STORE). Never empty: an open node would accept anything.
  std::vector<std::string> allowed_calling_ae_titles;
  // Peer addresses allowed to connect ("127.0.0.1"); empty = any address.
  std::vector<std::string> allowed_hosts;
  unsigned acse_timeout_s = 30;
  unsigned dimse_timeout_s = 60;  // an association idle for this long is closed (its studies count as ended)
  // Associations served at the same time (one thread each); one more is rejected as transient (the peer retries).
  unsigned max_associations = 8;
  // Where a received instance goes, from its Study and SOP Instance UIDs (the caller sanitises the names).
  std::function<std::filesystem::path(const std::string& study_uid, const std::string& sop_instance_uid)> destination;
  // Called after an instance was stored (written to a temporary name, fsynced, renamed, folder fsynced).
  // Called from the association's thread: callers synchronise.
  std::function<void(const std::string& study_uid, const std::filesystem::path& file)> on_stored;
  // Called once per association and study: with `open` true before the first instance of the study in that
  // association is stored, with `open` false once that association has ended (released, aborted by the peer, broken
  // or timed out). A node uses it never to analyse a study while a peer is still sending it.
  std::function<void(const std::string& study_uid, bool open)> on_study_association;
};

// Listens until `stop` becomes true (checked at least once a second), then waits for the open associations to end.
// Serves up to `max_associations` associations at once (DCMTK's DcmSCPPool, one thread per association). Accepts
// C-ECHO, and C-STORE of every storage SOP class in the common uncompressed and compressed transfer syntaxes; the
// instance is stored as received.
// Throws core::MyoError when the port cannot be opened.
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
