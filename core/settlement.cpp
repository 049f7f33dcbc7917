#include "core/settlement.hpp"

#include <algorithm>
#include <cctype>

#include "core/currency.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/metadata.hpp"

namespace wallet {
namespace {

constexpr std::array<const char*, kSettlementColumnCount> kNames = {
    "op",       "wallet_id",  "user_id",  "to_wallet_id", "amount",     "currency",
    "idempotency_key", "reference", "release_at", "target", "expires_at", "reason", "metadata"};

[[noreturn]] void invalid(const std::string& message) { throw DomainError(ErrorCode::kInvalidInput, message); }

std::size_t column_index(SettlementColumn c) { return static_cast<std::size_t>(c); }

std::optional<OperationKind> settlement_op(std::string_view name) {
  using K = OperationKind;
  static const std::array<std::pair<std::string_view, K>, 7> kOps{{{"charge", K::kCharge},
                                                                   {"withdraw", K::kWithdrawal},
                                                                   {"transfer", K::kTransfer},
                                                                   {"pending", K::kPendingTransfer},
                                                                   {"capture", K::kCapture},
                                                                   {"void", K::kVoid},
                                                                   {"reverse", K::kReversal}}};
  for (const auto& [n, k] : kOps) {
    if (n == name) return k;
  }
  return std::nullopt;
}

bool names_row(OperationKind k) { return acts_on_transfer(k) || k == OperationKind::kReversal; }

// A column only some ops take: refused on the others.
void refuse_unless(bool allowed, const std::optional<std::string>& value, const char* message) {
  if (value && !allowed) invalid(message);
}

// charge, withdraw, transfer, pending: wallets and an amount.
void parse_money_row(const SettlementHeader& h, const CsvRecord& row, std::int64_t max_amount, Operation& op) {
  using C = SettlementColumn;
  const bool transfer = op.kind == OperationKind::kTransfer || op.kind == OperationKind::kPendingTransfer;
  const auto wallet_id = h.value(row, C::kWalletId);
  const auto user_id = h.value(row, C::kUserId);
  if (wallet_id.has_value() == user_id.has_value()) invalid("give exactly one of wallet_id and user_id");
  if (wallet_id) op.wallet.wallet_id = parse_uuid(*wallet_id);
  if (user_id) op.wallet.user_id = parse_user_id(*user_id);
  const auto to = h.value(row, C::kToWalletId);
  if (transfer) {
    if (!to) invalid("a transfer needs to_wallet_id");
    op.to_wallet_id = parse_uuid(*to, "to_wallet_id");
  } else if (to) {
    invalid("to_wallet_id is only for transfers");
  }
  const auto amount = h.value(row, C::kAmount);
  if (!amount) throw DomainError(ErrorCode::kInvalidAmount, "amount is missing");
  op.amount = parse_amount(*amount, max_amount);
  if (const auto currency = h.value(row, C::kCurrency)) op.currency = parse_currency(*currency);
  const auto release = h.value(row, C::kReleaseAt);
  refuse_unless(op.kind == OperationKind::kCharge, release, "release_at is only for charges");
  if (release) op.release_at = parse_rfc3339(*release);
  const auto expires = h.value(row, C::kExpiresAt);
  refuse_unless(op.kind == OperationKind::kPendingTransfer, expires, "expires_at is only for pending transfers");
  if (expires) op.expires_at = parse_rfc3339(*expires, ErrorCode::kInvalidExpiresAt);
  refuse_unless(false, h.value(row, C::kReason), "reason is only for reverse, freeze and unfreeze");
}

// capture, void, reverse: the row they act on (by id, or by the key of the row that made it);
// their wallets come from it. No amount: all that remains.
void parse_target_row(const SettlementHeader& h, const CsvRecord& row, std::int64_t max_amount, Operation& op) {
  using C = SettlementColumn;
  for (auto c : {C::kWalletId, C::kUserId, C::kToWalletId, C::kCurrency, C::kReleaseAt, C::kExpiresAt}) {
    if (h.value(row, c)) invalid("capture, void and reverse take target, not wallets, currency or times");
  }
  const auto target = h.value(row, C::kTarget);
  if (!target) invalid("capture, void and reverse need target: an id, or the idempotency key that made it");
  // A UUID is an id; anything else is a key (which parse_uuid's one rule decides).
  try {
    op.target = parse_uuid(*target, "target");
  } catch (const DomainError&) {
    op.target_key = parse_idempotency_key(*target);
  }
  const auto amount = h.value(row, C::kAmount);
  refuse_unless(op.kind != OperationKind::kVoid, amount, "void takes no amount");
  if (amount) op.amount = parse_amount(*amount, max_amount);
  const auto reason = h.value(row, C::kReason);
  refuse_unless(op.kind == OperationKind::kReversal, reason, "reason is only for reverse, freeze and unfreeze");
  if (reason) op.reason = parse_reason(*reason, ErrorCode::kInvalidReason);
}

std::optional<WalletControlKind> control_op(std::string_view name) {
  if (name == "freeze") return WalletControlKind::kFreeze;
  if (name == "unfreeze") return WalletControlKind::kUnfreeze;
  if (name == "set_limit") return WalletControlKind::kSetLimit;
  return std::nullopt;
}

// freeze, unfreeze (with a reason), set_limit (the limit in amount): a wallet and no money.
WalletControl parse_control_row(const SettlementHeader& h, const CsvRecord& row, std::int64_t max_amount,
                                WalletControlKind kind) {
  using C = SettlementColumn;
  for (auto c : {C::kToWalletId, C::kReleaseAt, C::kTarget, C::kExpiresAt, C::kReference, C::kMetadata}) {
    if (h.value(row, c)) invalid("freeze, unfreeze and set_limit take a wallet, and a reason or an amount, only");
  }
  WalletControl control;
  control.kind = kind;
  const auto wallet_id = h.value(row, C::kWalletId);
  const auto user_id = h.value(row, C::kUserId);
  if (wallet_id.has_value() == user_id.has_value()) invalid("give exactly one of wallet_id and user_id");
  if (wallet_id) control.wallet.wallet_id = parse_uuid(*wallet_id);
  if (user_id) control.wallet.user_id = parse_user_id(*user_id);
  if (const auto currency = h.value(row, C::kCurrency)) control.currency = parse_currency(*currency);
  const auto amount = h.value(row, C::kAmount);
  const auto reason = h.value(row, C::kReason);
  if (kind == WalletControlKind::kSetLimit) {
    refuse_unless(false, reason, "set_limit takes no reason");
    if (!amount) throw DomainError(ErrorCode::kInvalidAmount, "set_limit needs amount: the limit (0: none)");
    control.limit = parse_overdraft_limit(*amount, max_amount);
  } else {
    refuse_unless(false, amount, "freeze and unfreeze take no amount");
    if (!reason) throw DomainError(ErrorCode::kInvalidReason, "freeze and unfreeze need a reason");
    control.reason = parse_reason(*reason, ErrorCode::kInvalidReason);
  }
  return control;
}

}  // namespace

SettlementHeader SettlementHeader::parse(const CsvRecord& header) {
  if (header.error) invalid("the header row is not valid CSV: " + *header.error);
  SettlementHeader h;
  h.width_ = header.fields.size();
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const std::string& name = header.fields[i];
    std::size_t known = kNames.size();
    for (std::size_t k = 0; k < kNames.size(); ++k) {
      if (name == kNames[k]) known = k;
    }
    if (known == kNames.size()) {
      invalid("unknown column '" + name.substr(0, 40) +
              "' in the header (columns: op, wallet_id, user_id, to_wallet_id, amount, currency, "
              "idempotency_key, reference, release_at, target, expires_at, reason, metadata)");
    }
    if (h.index_[known]) invalid("column '" + name + "' appears twice in the header");
    h.index_[known] = i;
  }
  const auto has = [&](SettlementColumn c) { return h.index_[column_index(c)].has_value(); };
  const bool names_wallet = has(SettlementColumn::kWalletId) || has(SettlementColumn::kUserId);
  const bool acts = names_wallet && (has(SettlementColumn::kAmount) || has(SettlementColumn::kReason));
  if (!has(SettlementColumn::kOp) || !(acts || has(SettlementColumn::kTarget))) {
    invalid("the header needs the columns op, amount, and wallet_id or user_id (or op and target; or op, reason "
            "and a wallet column for freeze and unfreeze)");
  }
  return h;
}

std::optional<std::string> SettlementHeader::value(const CsvRecord& row, SettlementColumn column) const {
  const auto& index = index_[column_index(column)];
  if (!index || *index >= row.fields.size() || row.fields[*index].empty()) return std::nullopt;
  return row.fields[*index];
}

std::string derived_row_key(const std::string& file_hash, std::uint64_t line) {
  return "replay:" + file_hash.substr(0, 32) + ":" + std::to_string(line);
}

std::string replay_key_scope(std::string_view name) {
  const bool valid = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
  if (!valid) {
    throw DomainError(ErrorCode::kInvalidInput,
                      "--key-scope must be 1 to 64 characters of A-Z a-z 0-9 _ . -, such as the sender's name");
  }
  return "replay/" + std::string(name);  // API scopes are API key ids: never this shape
}

ParsedSettlementRow parse_settlement_row(const SettlementHeader& h, const CsvRecord& row, std::int64_t max_amount,
                                         const std::string& file_hash, const std::string& key_scope) {
  using C = SettlementColumn;
  if (row.error) invalid(*row.error);
  if (row.fields.size() != h.width()) {
    invalid("the row has " + std::to_string(row.fields.size()) + " fields, the header " + std::to_string(h.width()));
  }
  const auto kind = h.value(row, C::kOp).value_or("");
  const auto key = h.value(row, C::kIdempotencyKey);
  if (const auto control = control_op(kind)) {
    // A row's own key in the file's scope; a derived one, as for operations, in the CLI's.
    return ControlRow{parse_control_row(h, row, max_amount, *control),
                      key ? ControlKey{key_scope, parse_idempotency_key(*key)}
                          : ControlKey{"", derived_row_key(file_hash, row.line)}};
  }
  Operation op;
  const auto op_kind = settlement_op(kind);
  if (!op_kind) {
    invalid("op must be charge, withdraw, transfer, pending, capture, void, reverse, freeze, unfreeze or set_limit, "
            "got '" + kind.substr(0, 20) + "'");
  }
  op.kind = *op_kind;
  const auto target = h.value(row, C::kTarget);
  if (names_row(op.kind)) {
    parse_target_row(h, row, max_amount, op);
  } else {
    if (target) invalid("target is only for capture, void and reverse");
    parse_money_row(h, row, max_amount, op);
  }
  if (const auto reference = h.value(row, C::kReference)) op.reference = parse_reference(*reference);
  if (const auto metadata = h.value(row, C::kMetadata)) op.metadata = parse_metadata_text(*metadata);
  op.idempotency_key = key ? parse_idempotency_key(*key) : derived_row_key(file_hash, row.line);
  // A target named by key is looked up in the scope of the file's own keys.
  if (key || op.target_key) op.key_scope = key_scope;
  return op;
}

}  // namespace wallet
