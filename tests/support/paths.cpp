#include "tests/support/paths.hpp"

#include <cstdlib>

namespace wallet::testing {

std::string walletctl_path() {
  // The sanitizer passes run these tests against their own walletctl (scripts/test).
  if (const char* binary = std::getenv("WALLETCTL_UNDER_TEST"); binary && *binary) return binary;
  return WALLETCTL_PATH;
}
std::string gen_settlement_path() { return GEN_SETTLEMENT_PATH; }
std::string source_dir() { return WALLET_SOURCE_DIR; }

}  // namespace wallet::testing
