// Storage SCP and SCU over DCMTK's DcmSCPPool / DcmThreadSCP / DcmSCU. Received instances are written durably:
// temporary name, fsync, rename, fsync of the folder, so a crash or power loss never leaves a half file under its
// final name.
#include "myo/dicom/net.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmnet/scppool.h>
#include <dcmtk/dcmnet/scpthrd.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/oflog/oflog.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "myo/core/log.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;

namespace {

void fsync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// DCMTK 3.6.7 leaves Nagle's algorithm on unless the environment variable TCP_NODELAY says otherwise. A C-STORE
// response is a small message sent after the dataset: with Nagle it waits for the peer's delayed ACK (~40 ms), which
// made a 517-instance study take 40 s on loopback instead of 1 s. Set once, before any socket exists, unless the
// user chose a value.
void disable_nagle_algorithm() {
  static std::once_flag once;
  std::call_once(once, [] { ::setenv("TCP_NODELAY", "1", 0); });
}

OFList<OFString> accepted_transfer_syntaxes() {
  OFList<OFString> ts;
  for (const char* uid :
       {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
        UID_BigEndianExplicitTransferSyntax, UID_DeflatedExplicitVRLittleEndianTransferSyntax,
        UID_JPEGProcess14SV1TransferSyntax, UID_JPEGProcess1TransferSyntax, UID_JPEGProcess2_4TransferSyntax,
        UID_JPEGLSLosslessTransferSyntax, UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax,
        UID_RLELosslessTransferSyntax})
    ts.push_back(uid);
  return ts;
}

// One association: a DcmThreadSCP run by a worker thread of the pool.
class StoreScp : public DcmThreadSCP {
 public:
  StoreScp(const StoreScpOptions& options, const std::atomic<bool>& stop, std::atomic<int>& open_associations)
      : options_(options), stop_(stop), open_associations_(open_associations) {}
  ~StoreScp() override { end_studies(); }
  StoreScp(const StoreScp&) = delete;
  StoreScp& operator=(const StoreScp&) = delete;

 protected:
  OFBool checkCalledAETitleAccepted(const OFString& called) override {
    return OFString(options_.ae_title.c_str()) == called;
  }
  OFBool checkCallingAETitleAccepted(const OFString& calling) override {
    const bool ok = std::find(options_.allowed_calling_ae_titles.begin(), options_.allowed_calling_ae_titles.end(),
                              std::string(calling.c_str())) != options_.allowed_calling_ae_titles.end();
    if (!ok) log::warn("serve: association from calling AE title '{}' rejected (not configured)", calling.c_str());
    return ok;
  }
  // DcmSCP hands checkCallingHostAccepted() an empty string in DCMTK 3.6.7; the association parameters carry the
  // peer's numeric address (reverse DNS is disabled), so the host check is made here.
  void notifyAssociationRequest(const T_ASC_Parameters& params, DcmSCPActionType& action) override {
    DcmSCP::notifyAssociationRequest(params, action);
    peer_ = fmt::format("{}@{}", params.DULparams.callingAPTitle, params.DULparams.callingPresentationAddress);
    if (options_.allowed_hosts.empty()) return;
    const std::string host = params.DULparams.callingPresentationAddress;
    const bool ok =
        std::find(options_.allowed_hosts.begin(), options_.allowed_hosts.end(), host) != options_.allowed_hosts.end();
    if (!ok) {
      log::warn("serve: association from host '{}' rejected (not configured)", host);
      action = DCMSCP_ACTION_REFUSE_ASSOCIATION;
    }
  }
  OFBool stopAfterConnectionTimeout() override { return stop_.load(); }
  OFBool stopAfterCurrentAssociation() override { return stop_.load(); }
  void notifyAssociationAcknowledge() override {
    DcmThreadSCP::notifyAssociationAcknowledge();
    acknowledged_ = true;
    log::info("serve: association from {} accepted ({} open)", peer_, ++open_associations_);
  }
  // Released, aborted, broken or timed out: the studies this association was sending are no longer being received.
  void notifyAssociationTermination() override {
    DcmThreadSCP::notifyAssociationTermination();
    if (acknowledged_) --open_associations_;
    acknowledged_ = false;
    if (instances_ > 0)
      log::info("serve: association from {} ended: {} instance(s) of {} study(ies) stored", peer_, instances_,
                open_studies_.size());
    instances_ = 0;
    end_studies();
  }

  OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& info) override {
    if (message->CommandField != DIMSE_C_STORE_RQ) return DcmSCP::handleIncomingCommand(message, info);
    T_DIMSE_C_StoreRQ& request = message->msg.CStoreRQ;
    DcmDataset* raw = nullptr;
    OFCondition cond = receiveSTORERequest(request, info.presentationContextID, raw);
    std::unique_ptr<DcmDataset> dataset(raw);
    if (cond.bad()) return cond;
    Uint16 status = STATUS_Success;
    try {
      store(request, std::move(dataset));
    } catch (const std::exception& e) {
      log::error("serve: instance not stored: {}", e.what());
      status = STATUS_STORE_Refused_OutOfResources;
    }
    return sendSTOREResponse(info.presentationContextID, request, status);
  }

 private:
  void end_studies() {
    for (const auto& uid : open_studies_)
      if (options_.on_study_association) options_.on_study_association(uid, false);
    open_studies_.clear();
  }

  void store(const T_DIMSE_C_StoreRQ& request, std::unique_ptr<DcmDataset> dataset) {
    OFString study_uid, sop_uid;
    dataset->findAndGetOFString(DCM_StudyInstanceUID, study_uid);
    dataset->findAndGetOFString(DCM_SOPInstanceUID, sop_uid);
    if (study_uid.empty() || sop_uid.empty())
      throw core::MyoError("C-STORE", "instance without Study/SOP Instance UID");
    if (open_studies_.insert(study_uid.c_str()).second && options_.on_study_association)
      options_.on_study_association(study_uid.c_str(), true);
    const fs::path target = options_.destination(study_uid.c_str(), sop_uid.c_str());
    fs::create_directories(target.parent_path());
    const fs::path temporary = target.parent_path() / ("." + target.filename().string() + ".part");
    const E_TransferSyntax xfer = dataset->getOriginalXfer();
    DcmFileFormat file(dataset.get());  // copies the dataset
    file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPClassUID, request.AffectedSOPClassUID);
    file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, request.AffectedSOPInstanceUID);
    const OFCondition saved = file.saveFile(temporary.c_str(), xfer == EXS_Unknown ? EXS_LittleEndianExplicit : xfer,
                                            EET_ExplicitLength, EGL_recalcGL, EPD_withoutPadding);
    if (saved.bad()) {
      std::error_code ec;
      fs::remove(temporary, ec);
      throw core::MyoError(temporary.string(), std::string("cannot write received instance: ") + saved.text());
    }
    fsync_path(temporary);
    fs::rename(temporary, target);
    fsync_path(target.parent_path());
    ++instances_;
    if (options_.on_stored) options_.on_stored(study_uid.c_str(), target);
  }

  const StoreScpOptions& options_;
  const std::atomic<bool>& stop_;
  std::set<std::string> open_studies_;  // studies received in this association
  std::size_t instances_ = 0;
  std::string peer_;                     // calling AE title @ address
  std::atomic<int>& open_associations_;  // of the whole pool
  bool acknowledged_ = false;
};

// A pool worker thread serving one association with a StoreScp (the shape of DcmSCPPool's own worker, which can only
// default-construct its SCP).
class StoreWorker : public DcmBaseSCPPool::DcmBaseSCPWorker, private StoreScp {
 public:
  StoreWorker(DcmBaseSCPPool& pool, const StoreScpOptions& options, const std::atomic<bool>& stop,
              std::atomic<int>& open_associations)
      : DcmBaseSCPWorker(pool), StoreScp(options, stop, open_associations) {}
  OFCondition setSharedConfig(const DcmSharedSCPConfig& config) override { return StoreScp::setSharedConfig(config); }
  OFBool busy() override { return StoreScp::isConnected(); }

 protected:
  OFCondition workerListen(T_ASC_Association* const assoc) override { return StoreScp::run(assoc); }
};

class StorePool : public DcmBaseSCPPool {
 public:
  StorePool(const StoreScpOptions& options, const std::atomic<bool>& stop) : options_(options), stop_(stop) {}

 protected:
  // The pool owns its workers and deletes each one when its association ends (DCMTK's interface takes a raw pointer).
  DcmBaseSCPWorker* createSCPWorker() override { return new StoreWorker(*this, options_, stop_, open_associations_); }

 private:
  const StoreScpOptions& options_;
  const std::atomic<bool>& stop_;
  std::atomic<int> open_associations_{0};
};

}  // namespace

void run_store_scp(const StoreScpOptions& options, const std::atomic<bool>& stop) {
  if (options.allowed_calling_ae_titles.empty())
    throw core::MyoError("--allow-calling", "no calling AE title configured: the node would accept any peer");
  disable_nagle_algorithm();
  StorePool pool(options, stop);
  pool.setMaxThreads(static_cast<Uint16>(std::clamp(options.max_associations, 1U, 256U)));
  DcmSCPConfig& config = pool.getConfig();
  config.setPort(options.port);
  config.setAETitle(options.ae_title.c_str());
  config.setACSETimeout(options.acse_timeout_s);
  config.setDIMSETimeout(options.dimse_timeout_s);
  config.setConnectionBlockingMode(DUL_NOBLOCK);
  config.setConnectionTimeout(1);  // the listen loop looks at its run mode at least once a second
  // The peer's numeric address is what --allow-host compares with (no reverse DNS: it can stall for seconds).
  dcmDisableGethostbyaddr.set(OFTrue);
  // DCMTK's network layer reports every message at its info level; our own log says what matters once per
  // association. --verbose brings DCMTK's messages back.
  OFLog::getLogger("dcmtk.dcmnet")
      .setLogLevel(log::level() == log::Level::debug ? OFLogger::INFO_LOG_LEVEL : OFLogger::WARN_LOG_LEVEL);
  OFList<OFString> verification_ts;
  verification_ts.push_back(UID_LittleEndianExplicitTransferSyntax);
  verification_ts.push_back(UID_LittleEndianImplicitTransferSyntax);
  config.addPresentationContext(UID_VerificationSOPClass, verification_ts);
  const auto ts = accepted_transfer_syntaxes();
  for (int i = 0; i < numberOfDcmAllStorageSOPClassUIDs; ++i)
    config.addPresentationContext(dcmAllStorageSOPClassUIDs[i], ts);
  // The pool's listen loop has no stop hook of its own: a watcher turns `stop` into stopAfterCurrentAssociations().
  std::atomic<bool> listening{true};
  std::thread watcher([&]() {
    while (listening.load() && !stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pool.stopAfterCurrentAssociations();
  });
  log::info("serve: listening as {} on port {} (up to {} associations at once)", options.ae_title, options.port,
            pool.getMaxThreads());
  const OFCondition cond = pool.listen();
  listening = false;
  watcher.join();
  if (cond.bad())
    throw core::MyoError(fmt::format("port {}", options.port), std::string("DICOM listener failed: ") + cond.text());
}

namespace {

std::unique_ptr<DcmSCU> make_scu(const StoreScuOptions& o) {
  disable_nagle_algorithm();
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
