#include "tests/support/paths.hpp"

namespace wallet::testing {

std::string walletctl_path() { return WALLETCTL_PATH; }
std::string gen_settlement_path() { return GEN_SETTLEMENT_PATH; }
std::string source_dir() { return WALLET_SOURCE_DIR; }

}  // namespace wallet::testing
