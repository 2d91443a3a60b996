#pragma once
// Inside the Storage SCP: the listener (scp_listener.cpp) accepts connections and, once a peer's whole association
// request has arrived, hands it to one association thread (store_scp.cpp).
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/scpcfg.h>

#include <atomic>
#include <string>

#include "myo/dicom/net.hpp"

namespace myo::dicom::detail {

// Serves `association` (received by DCMTK, not yet answered: negotiation, C-ECHO, C-STORE) until it ends, then
// frees it. `address` is the peer's "ip:port"; `open_associations` counts the node's acknowledged associations.
void serve_association(T_ASC_Association* association, const DcmSharedSCPConfig& config, const StoreScpOptions& options,
                       const std::string& address, std::atomic<int>& open_associations);

// DCMTK 3.6.7 leaves Nagle's algorithm on unless the environment variable TCP_NODELAY says otherwise (see net.cpp).
void disable_nagle_algorithm();

}  // namespace myo::dicom::detail
