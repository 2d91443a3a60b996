#pragma once
// A DICOM node for the PACS: receives studies (C-STORE SCP, C-ECHO), analyses each study once it has been quiet for
// a while (in a worker process, like `batch`), and sends the DICOM results (OUT/<key>/dicom/**/*.dcm: SEG, SR,
// parametric map, secondary captures, the overlay series in dicom/overlay/, the report as Encapsulated PDF, the
// edema SEG) to a configured destination by C-STORE.
//
// Layout: SPOOL/<key>/<SOP Instance UID>.dcm (received instances, durable: temporary name, fsync, rename),
//         OUT/<key>/ (analysis folder), OUT/<key>/serve.json (what was analysed and sent, written last: status,
//         instances analysed, analysis number, objects sent; or status "incomplete" for a study whose last sender
//         aborted or vanished, with the reason: not analysed until it is sent again),
//         OUT/logs/<key>.log (the worker's log). <key> = study_key(Study Instance UID), never a raw tag value.
//         After each study the node's cohort is rebuilt by the code batch uses (libs/pipeline/cohort_schema.md):
//         OUT/cohort.csv, OUT/errors.csv, OUT/cohort.sqlite (studies, measurements, patients, visits, review) and
//         OUT/review.csv, the studies whose muscles the segmentation flagged as low-confidence.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace myo::pipeline {

struct DicomPeer {
  std::string ae_title;
  std::string host;
  std::uint16_t port = 0;
};

// "AE@HOST:PORT", e.g. "PACS@127.0.0.1:4242". Throws core::MyoError naming `option` when malformed.
[[nodiscard]] DicomPeer parse_peer(const std::string& text, const std::string& option);

struct ServeOptions {
  std::string bind_address = "127.0.0.1";  // "0.0.0.0": every IPv4 interface
  std::uint16_t port = 11112;
  std::string ae_title = "MYOSCOPE";
  std::vector<std::string> allowed_calling_ae_titles;  // required: peers allowed to send (and echo)
  std::vector<std::string> allowed_hosts;              // empty: any address
  std::filesystem::path spool;
  std::filesystem::path output;
  // A study is complete when nothing arrived for it for this long, no association that sent some of it is still
  // open, and the last one to end was released normally. One that was aborted, lost its connection or stayed idle
  // leaves the study incomplete: what it delivered is kept, the study is recorded as incomplete in serve.json and
  // analysed only after a later association sending it is released.
  double quiet_seconds = 30;
  unsigned max_associations = 8;            // associations served at once
  unsigned idle_timeout_s = 60;             // an association silent this long is aborted
  unsigned request_timeout_s = 10;          // a new connection must send its association request within this
  std::optional<DicomPeer> destination;     // where results go; unset: results are kept in OUT only
  std::filesystem::path worker_executable;  // empty: this executable
  bool write_figures = true;                // passed to analyze (figures need an X display)
  bool deidentify = false;
  double run_seconds = 0;  // stop after this long (tests); 0 = until `stop`
};

struct ServeSummary {
  std::size_t instances_received = 0;
  std::size_t studies_analysed = 0;
  std::size_t studies_failed = 0;
  std::size_t studies_incomplete = 0;  // recorded as incomplete (not analysed)
  std::size_t objects_sent = 0;
  std::size_t send_failures = 0;
};

// Runs until `stop` becomes true (e.g. set by SIGINT/SIGTERM) or run_seconds elapse; finishes the analysis that is
// running, then returns. Throws core::MyoError when the port cannot be opened or the folders cannot be created.
ServeSummary serve(const ServeOptions& options, const std::atomic<bool>& stop);

// Rebuilds the node's cohort in OUTPUT from its OUTPUT/<key>/serve.json records (analysed studies are done, failed
// ones failed, incomplete ones absent); serve calls it after each study. Throws core::MyoError (output) when the
// files cannot be written.
void update_serve_cohort(const std::filesystem::path& output);

}  // namespace myo::pipeline
