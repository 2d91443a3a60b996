// One association of the Storage SCP, a DcmThreadSCP on its own thread: the peer's checks (called and calling AE
// title, host), C-ECHO and C-STORE, and how it ended (released, or aborted, lost or idle: its studies incomplete).
// A received instance is written to a unique temporary file, fsynced, then renamed without replacing: the first
// complete copy wins, concurrent copies of the same instance never share a file, and no half file ever carries the
// final name.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scpthrd.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>

#include "myo/core/log.hpp"
#include "scp_internal.hpp"

namespace myo::dicom::detail {
namespace fs = std::filesystem;

namespace {

void fsync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

bool same_contents(const fs::path& a, const fs::path& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  if (!fa || !fb) return false;
  return std::equal(std::istreambuf_iterator<char>(fa), std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(fb), std::istreambuf_iterator<char>());
}

// Beside the target (same file system, so it can be renamed), hidden, and never shared by two associations.
fs::path unique_temporary(const fs::path& target) {
  static std::atomic<unsigned long> counter{0};
  return target.parent_path() / fmt::format(".{}.{}-{}.part", target.filename().string(), ::getpid(), ++counter);
}

enum class Published { new_file, identical_copy, different_copy };

// Gives `temporary` the name `target` unless a file has it already (first writer wins): renameat2 with
// RENAME_NOREPLACE, or link() where the file system lacks it. The temporary name is gone afterwards in every case.
Published publish(const fs::path& temporary, const fs::path& target) {
  std::error_code ec;
  int error = 0;
  if (::renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0) {
    error = errno;
    if (error == EINVAL || error == ENOSYS) error = ::link(temporary.c_str(), target.c_str()) == 0 ? 0 : errno;
  }
  Published result = Published::new_file;
  if (error == EEXIST)
    result = same_contents(temporary, target) ? Published::identical_copy : Published::different_copy;
  fs::remove(temporary, ec);
  if (error != 0 && error != EEXIST)
    throw core::MyoError(target.string(), std::string("cannot store received instance: ") + std::strerror(error));
  if (result == Published::new_file) fsync_path(target.parent_path());
  return result;
}

void write_instance(const T_DIMSE_C_StoreRQ& request, DcmDataset& dataset, const fs::path& file) {
  const E_TransferSyntax xfer = dataset.getOriginalXfer();
  DcmFileFormat ff(&dataset);  // copies the dataset
  ff.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPClassUID, request.AffectedSOPClassUID);
  ff.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, request.AffectedSOPInstanceUID);
  const OFCondition saved = ff.saveFile(file.c_str(), xfer == EXS_Unknown ? EXS_LittleEndianExplicit : xfer,
                                        EET_ExplicitLength, EGL_recalcGL, EPD_withoutPadding);
  if (saved.bad()) {
    std::error_code ec;
    fs::remove(file, ec);
    throw core::MyoError(file.string(), std::string("cannot write received instance: ") + saved.text());
  }
  fsync_path(file);
}

class StoreScp : public DcmThreadSCP {
 public:
  StoreScp(const StoreScpOptions& options, std::string address, std::atomic<int>& open_associations)
      : options_(options),
        address_(std::move(address)),
        peer_("connection from " + address_),
        open_associations_(open_associations) {}
  ~StoreScp() override { end_studies(); }
  StoreScp(const StoreScp&) = delete;
  StoreScp& operator=(const StoreScp&) = delete;

 protected:
  // DcmSCP hands checkCallingHostAccepted() an empty string in DCMTK 3.6.7: the host is checked here, against the
  // numeric address the listener accepted.
  void notifyAssociationRequest(const T_ASC_Parameters& params, DcmSCPActionType& action) override {
    DcmThreadSCP::notifyAssociationRequest(params, action);
    params_ = &params;
    peer_ = fmt::format("'{}' at {}", params.DULparams.callingAPTitle, address_);
    if (options_.allowed_hosts.empty()) return;
    const std::string host = params.DULparams.callingPresentationAddress;
    if (std::find(options_.allowed_hosts.begin(), options_.allowed_hosts.end(), host) == options_.allowed_hosts.end()) {
      refused(fmt::format("host '{}' rejected (not in --allow-host)", host));
      action = DCMSCP_ACTION_REFUSE_ASSOCIATION;
    }
  }
  OFBool checkCalledAETitleAccepted(const OFString& called) override {
    const bool ok = options_.ae_title == called.c_str();
    if (!ok)
      refused(fmt::format("called AE title '{}' rejected (this node is '{}')", called.c_str(), options_.ae_title));
    return ok;
  }
  OFBool checkCallingAETitleAccepted(const OFString& calling) override {
    const auto& allowed = options_.allowed_calling_ae_titles;
    const bool ok = std::find(allowed.begin(), allowed.end(), std::string(calling.c_str())) != allowed.end();
    if (!ok) refused(fmt::format("calling AE title '{}' rejected (not in --allow-calling)", calling.c_str()));
    return ok;
  }
  OFCondition negotiateAssociation() override {
    const OFCondition cond = DcmThreadSCP::negotiateAssociation();
    if (cond.bad())
      refused(std::string("negotiation failed: ") + cond.text());
    else
      log_rejected_contexts();
    return cond;
  }
  void notifyAssociationAcknowledge() override {
    DcmThreadSCP::notifyAssociationAcknowledge();
    acknowledged_ = true;
    log::info("serve: association from {} accepted ({} open)", peer_, ++open_associations_);
  }
  void notifyReleaseRequest() override { released_ = true; }
  void notifyAbortRequest() override { end_reason_ = "association aborted by the peer"; }
  void notifyDIMSEError(const OFCondition& cond) override {
    if (cond == DIMSE_NODATAAVAILABLE)
      end_reason_ = fmt::format("nothing received for {} s (--idle-timeout)", options_.idle_timeout_s);
    else if (cond == DIMSE_BADCOMMANDTYPE)
      end_reason_ = "sent a command other than C-ECHO or C-STORE";
    else
      end_reason_ = fmt::format("connection lost or broken mid-transfer ({})", cond.text());
    log::warn("serve: association from {} aborted: {}", peer_, end_reason_);
  }
  // Released, aborted, broken or timed out: the studies this association was sending are no longer being received.
  void notifyAssociationTermination() override {
    DcmThreadSCP::notifyAssociationTermination();
    if (acknowledged_) --open_associations_;
    acknowledged_ = false;
    if (instances_ > 0 || !open_studies_.empty())
      log::info("serve: association from {} ended ({}): {} instance(s) of {} study(ies) stored", peer_,
                released_ ? "released" : end_reason_, instances_, open_studies_.size());
    instances_ = 0;
    end_studies();
  }

  OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& info) override {
    if (message->CommandField != DIMSE_C_STORE_RQ) return DcmThreadSCP::handleIncomingCommand(message, info);
    T_DIMSE_C_StoreRQ& request = message->msg.CStoreRQ;
    DcmDataset* raw = nullptr;
    const OFCondition cond = receiveSTORERequest(request, info.presentationContextID, raw);
    std::unique_ptr<DcmDataset> dataset(raw);
    if (cond.bad()) return cond;  // nothing was written: the dataset is received in memory
    Uint16 status = STATUS_Success;
    try {
      status = store(request, *dataset);
    } catch (const std::exception& e) {
      log::error("serve: instance from {} not stored: {}", peer_, e.what());
      status = STATUS_STORE_Refused_OutOfResources;
    }
    return sendSTOREResponse(info.presentationContextID, request, status);
  }

 private:
  void refused(const std::string& reason) const { log::warn("serve: association from {} refused: {}", peer_, reason); }

  // Presentation contexts not accepted (SOP class or transfer syntaxes not supported), by abstract syntax UID.
  void log_rejected_contexts() const {
    if (params_ == nullptr) return;
    auto* params = const_cast<T_ASC_Parameters*>(params_);  // DCMTK's getters take non-const pointers
    const int count = ASC_countPresentationContexts(params);
    std::set<std::string> rejected;
    for (int i = 0; i < count; ++i) {
      T_ASC_PresentationContext pc;
      if (ASC_getPresentationContext(params, i, &pc).good() && pc.resultReason != ASC_P_ACCEPTANCE)
        rejected.insert(pc.abstractSyntax);
    }
    if (rejected.empty()) return;
    std::string list;
    for (const auto& uid : rejected) list += (list.empty() ? "" : ", ") + uid;
    if (static_cast<int>(ASC_countAcceptedPresentationContexts(params)) == 0)
      refused(fmt::format("no presentation context supported (SOP classes {})", list));
    else
      log::info("serve: association from {}: presentation contexts refused, SOP class not supported: {}", peer_, list);
  }

  void end_studies() {
    for (const auto& uid : open_studies_)
      if (options_.on_study_association)
        options_.on_study_association({uid, false, released_, peer_, released_ ? "" : end_reason_});
    open_studies_.clear();
  }

  Uint16 store(const T_DIMSE_C_StoreRQ& request, DcmDataset& dataset) {
    OFString study_uid, sop_uid;
    dataset.findAndGetOFString(DCM_StudyInstanceUID, study_uid);
    dataset.findAndGetOFString(DCM_SOPInstanceUID, sop_uid);
    if (study_uid.empty() || sop_uid.empty())
      throw core::MyoError("C-STORE", "instance without Study/SOP Instance UID");
    if (open_studies_.insert(study_uid.c_str()).second && options_.on_study_association)
      options_.on_study_association({study_uid.c_str(), true, false, peer_, ""});
    const fs::path target = options_.destination(study_uid.c_str(), sop_uid.c_str());
    fs::create_directories(target.parent_path());
    const fs::path temporary = unique_temporary(target);
    write_instance(request, dataset, temporary);
    if (publish(temporary, target) == Published::different_copy) {
      log::warn(
          "serve: instance from {} refused: {} differs from the instance already stored under its SOP Instance "
          "UID (the first one is kept)",
          peer_, target.filename().string());
      return STATUS_N_DuplicateSOPInstance;
    }
    ++instances_;
    if (options_.on_stored) options_.on_stored(study_uid.c_str(), target);
    return STATUS_Success;
  }

  const StoreScpOptions& options_;
  std::string address_;                       // ip:port of the peer
  std::string peer_;                          // 'calling AE' at ip:port, for the log
  const T_ASC_Parameters* params_ = nullptr;  // of the association being negotiated
  std::set<std::string> open_studies_;        // studies received in this association
  std::size_t instances_ = 0;
  bool released_ = false;
  std::string end_reason_ = "association ended without a release";
  std::atomic<int>& open_associations_;  // of the whole node
  bool acknowledged_ = false;
};

}  // namespace

void serve_association(T_ASC_Association* association, const DcmSharedSCPConfig& config, const StoreScpOptions& options,
                       const std::string& address, std::atomic<int>& open_associations) {
  StoreScp scp(options, address, open_associations);
  (void)scp.setSharedConfig(config);
  (void)scp.run(association);  // the association is freed with `scp`
}

}  // namespace myo::dicom::detail
