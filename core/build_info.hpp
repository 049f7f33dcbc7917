// What walletctl was built from: the version of CMake's project() and the git commit (with
// "-dirty" when the tree had changes, "unknown" outside git). Shown by `walletctl --version`
// and the walletctl_build_info metric.
#pragma once

#include <string>

namespace wallet {

const char* build_version();
const char* build_commit();

/// "walletctl 0.1.0 (commit 0123456789ab)".
inline std::string version_line() {
  return std::string("walletctl ") + build_version() + " (commit " + build_commit() + ")";
}

}  // namespace wallet
