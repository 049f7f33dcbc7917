// Where the programs under test and the checkout are. Only tests/support/paths.cpp is compiled
// with these paths, so the other test sources compile the same in every checkout and a second
// checkout on the machine (a CI clone) takes them from the compiler cache.
#pragma once

#include <string>

namespace wallet::testing {

/// The walletctl binary of this build, or $WALLETCTL_UNDER_TEST when set (the sanitizer passes
/// run the end-to-end tests of the normal build against their own walletctl).
std::string walletctl_path();
/// The settlement generator of this build (bench/gen_settlement.cpp).
std::string gen_settlement_path();
/// The checkout's top folder (scripts/, wallet.toml, .stack/).
std::string source_dir();

}  // namespace wallet::testing
