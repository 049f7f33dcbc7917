// The hash chain of ledger entries. Each entry's hash covers its content and the hash of the
// previous entry of the same wallet, and each wallet keeps the hash of its last entry (its
// chain head): an entry changed, removed or inserted behind the application's back no longer
// matches. One chain per wallet, not one for the whole ledger, because writers already hold
// the lock of every wallet they touch: a global chain would make every transaction wait for
// the previous one. The SQL twin of entry_hash() is in migration 0004 and in the audit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/money.hpp"

namespace wallet {

/// The chain head of a wallet without entries: what its first entry links to.
inline const std::string kChainGenesis(64, '0');

/// SHA-256, lower-case hex, of "previous|transaction_id|wallet_id|amount|balance_after".
std::string entry_hash(std::string_view previous, std::string_view transaction_id, std::string_view wallet_id,
                       Money amount, Money balance_after);

}  // namespace wallet
