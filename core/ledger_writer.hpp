// The statements that write what a posted batch decided: one multi-row statement per table,
// sent together in one pipeline.
#pragma once

#include <vector>

#include "core/pg/connection.hpp"
#include "core/posting.hpp"

namespace wallet {

/// The balance update comes first, so changed_wallets() can find it.
std::vector<pg::Statement> write_statements(const PostingWrites& writes);
/// The user wallets the pipeline of write_statements(writes) changed, with their new versions.
std::vector<WalletVersion> changed_wallets(const PostingWrites& writes, const std::vector<pg::Result>& results);

}  // namespace wallet
