// Storage SCU over DCMTK's DcmSCU: sends result objects to a PACS, and C-ECHO. The Storage SCP is in
// scp_listener.cpp (connections) and store_scp.cpp (associations, storing).
#include "myo/dicom/net.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scu.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "myo/core/log.hpp"
#include "scp_internal.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;

// DCMTK 3.6.7 leaves Nagle's algorithm on unless the environment variable TCP_NODELAY says otherwise. A C-STORE
// response is a small message sent after the dataset: with Nagle it waits for the peer's delayed ACK (~40 ms), which
// made a 517-instance study take 40 s on loopback instead of 1 s. Set once, before any socket exists, unless the
// user chose a value.
void detail::disable_nagle_algorithm() {
  static std::once_flag once;
  std::call_once(once, [] { ::setenv("TCP_NODELAY", "1", 0); });
}

namespace {

std::unique_ptr<DcmSCU> make_scu(const StoreScuOptions& o) {
  detail::disable_nagle_algorithm();
  auto scu = std::make_unique<DcmSCU>();
  scu->setAETitle(o.calling_ae_title.c_str());
  scu->setPeerHostName(o.host.c_str());
  scu->setPeerPort(o.port);
  scu->setPeerAETitle(o.called_ae_title.c_str());
  scu->setACSETimeout(o.timeout_s);
  scu->setDIMSETimeout(o.timeout_s);
  scu->setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  scu->setConnectionTimeout(static_cast<Sint32>(o.timeout_s));
  return scu;
}

std::string peer(const StoreScuOptions& o) { return fmt::format("{}@{}:{}", o.called_ae_title, o.host, o.port); }

}  // namespace

bool echo(const StoreScuOptions& options) {
  auto scu = make_scu(options);
  OFList<OFString> ts;
  ts.push_back(UID_LittleEndianImplicitTransferSyntax);
  scu->addPresentationContext(UID_VerificationSOPClass, ts);
  if (scu->initNetwork().bad() || scu->negotiateAssociation().bad()) return false;
  const bool ok = scu->sendECHORequest(0).good();
  (void)scu->releaseAssociation();
  return ok;
}

core::Result<std::size_t> send_files(const std::vector<fs::path>& files, const StoreScuOptions& options) {
  if (files.empty()) return std::size_t{0};
  // One presentation context per (SOP class, transfer syntax of the file), with little endian fallbacks.
  struct Item {
    fs::path file;
    std::string sop_class;
    std::string xfer;
  };
  std::vector<Item> items;
  std::set<std::pair<std::string, std::string>> contexts;
  for (const auto& f : files) {
    DcmFileFormat ff;
    if (ff.loadFile(f.c_str(), EXS_Unknown, EGL_noChange, 0, ERM_metaOnly).bad())
      return core::Error{f.string(), "not a readable DICOM file"};
    OFString sop_class, xfer;
    ff.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sop_class);
    ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, xfer);
    if (sop_class.empty()) return core::Error{f.string(), "no SOP class in the file meta information"};
    items.push_back({f, sop_class.c_str(), xfer.c_str()});
    contexts.insert({sop_class.c_str(), xfer.c_str()});
  }
  auto scu = make_scu(options);
  std::set<std::string> classes;
  for (const auto& [sop_class, xfer] : contexts) {
    OFList<OFString> ts;
    ts.push_back(xfer.c_str());
    scu->addPresentationContext(sop_class.c_str(), ts);
    classes.insert(sop_class);
  }
  for (const auto& sop_class : classes) {
    OFList<OFString> ts;
    ts.push_back(UID_LittleEndianExplicitTransferSyntax);
    ts.push_back(UID_LittleEndianImplicitTransferSyntax);
    scu->addPresentationContext(sop_class.c_str(), ts);
  }
  if (OFCondition c = scu->initNetwork(); c.bad())
    return core::Error{peer(options), std::string("network: ") + c.text()};
  if (OFCondition c = scu->negotiateAssociation(); c.bad())
    return core::Error{peer(options), std::string("association rejected or failed: ") + c.text()};
  std::size_t sent = 0;
  std::optional<core::Error> error;
  for (const auto& item : items) {
    T_ASC_PresentationContextID id = scu->findPresentationContextID(item.sop_class.c_str(), item.xfer.c_str());
    if (id == 0) id = scu->findAnyPresentationContextID(item.sop_class.c_str(), UID_LittleEndianExplicitTransferSyntax);
    if (id == 0) {
      error = core::Error{item.file.string(), "the peer accepts no presentation context for its SOP class"};
      break;
    }
    Uint16 status = 0;
    const OFCondition c = scu->sendSTORERequest(id, item.file.c_str(), nullptr, status);
    if (c.bad()) {
      error = core::Error{item.file.string(), std::string("C-STORE failed: ") + c.text()};
      break;
    }
    if (status != STATUS_Success && (status & 0xf000) != 0xb000) {
      error = core::Error{item.file.string(), fmt::format("C-STORE refused by the peer (status 0x{:04x})", status)};
      break;
    }
    ++sent;
  }
  if (error) {
    (void)scu->abortAssociation();
    return *error;
  }
  (void)scu->releaseAssociation();
  return sent;
}

}  // namespace myo::dicom
