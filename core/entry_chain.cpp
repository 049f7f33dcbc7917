#include "core/entry_chain.hpp"

#include "core/digest.hpp"

namespace wallet {

std::string entry_hash(std::string_view previous, std::string_view transaction_id, std::string_view wallet_id,
                       Money amount, Money balance_after) {
  std::string content;
  content.reserve(previous.size() + transaction_id.size() + wallet_id.size() + 48);
  content.append(previous).append("|").append(transaction_id).append("|").append(wallet_id);
  content.append("|").append(std::to_string(amount.minor())).append("|").append(std::to_string(balance_after.minor()));
  return sha256_hex(content);
}

}  // namespace wallet
