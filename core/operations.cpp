#include "core/operations.hpp"

#include "core/digest.hpp"

namespace wallet {

const char* operation_kind_name(OperationKind kind) {
  switch (kind) {
    case OperationKind::kCharge:
      return "charge";
    case OperationKind::kTransfer:
      return "transfer";
    case OperationKind::kWithdrawal:
      return "withdrawal";
  }
  return "unknown";
}

std::string Operation::request_hash() const {
  // Fields are separated by a byte that no validated field can contain.
  std::string canonical = operation_kind_name(kind);
  const auto add = [&](const std::optional<std::string>& v) {
    canonical += '\x1f';
    canonical += v ? "=" + *v : "-";
  };
  add(wallet.wallet_id);
  add(wallet.user_id);
  add(to_wallet_id);
  add(std::to_string(amount.minor()));
  add(currency);
  add(release_at ? std::optional<std::string>(format_rfc3339(*release_at)) : std::nullopt);
  add(reference);
  return sha256_hex(canonical);
}

}  // namespace wallet
