#include "core/entry_chain.hpp"

#include "core/digest.hpp"

namespace wallet {

std::string entry_hash(std::string_view previous, std::string_view transaction_id, std::string_view wallet_id,
                       std::int64_t amount, std::int64_t balance_after) {
  std::string content;
  content.reserve(previous.size() + transaction_id.size() + wallet_id.size() + 48);
  content.append(previous).append("|").append(transaction_id).append("|").append(wallet_id);
  content.append("|").append(std::to_string(amount)).append("|").append(std::to_string(balance_after));
  return sha256_hex(content);
}

}  // namespace wallet
