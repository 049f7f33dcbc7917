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
    case OperationKind::kPendingTransfer:
      return "pending_transfer";
    case OperationKind::kCapture:
      return "capture";
    case OperationKind::kVoid:
      return "void";
    case OperationKind::kExpire:
      return "expire";
    case OperationKind::kReversal:
      return "reversal";
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
  // Fields added later go last, so the hashes of requests recorded before them stay the same.
  if (target || target_key || expires_at || reason) {
    add(target);
    add(target_key);
    add(expires_at ? std::optional<std::string>(format_rfc3339(*expires_at)) : std::nullopt);
    add(reason);
  }
  if (!metadata.empty()) add(metadata_text(metadata));
  return sha256_hex(canonical);
}

}  // namespace wallet
