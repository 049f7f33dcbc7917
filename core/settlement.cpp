#include "core/settlement.hpp"

#include <algorithm>
#include <cctype>

#include "core/currency.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"

namespace wallet {
namespace {

constexpr std::array<const char*, kSettlementColumnCount> kNames = {
    "op", "wallet_id", "user_id", "to_wallet_id", "amount", "currency", "idempotency_key", "reference", "release_at"};

[[noreturn]] void invalid(const std::string& message) { throw DomainError(ErrorCode::kInvalidInput, message); }

std::size_t column_index(SettlementColumn c) { return static_cast<std::size_t>(c); }

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
              "idempotency_key, reference, release_at)");
    }
    if (h.index_[known]) invalid("column '" + name + "' appears twice in the header");
    h.index_[known] = i;
  }
  if (!h.index_[column_index(SettlementColumn::kOp)] || !h.index_[column_index(SettlementColumn::kAmount)] ||
      (!h.index_[column_index(SettlementColumn::kWalletId)] && !h.index_[column_index(SettlementColumn::kUserId)])) {
    invalid("the header needs the columns op, amount, and wallet_id or user_id");
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

Operation parse_settlement_row(const SettlementHeader& h, const CsvRecord& row, std::int64_t max_amount,
                               const std::string& file_hash, const std::string& key_scope) {
  using C = SettlementColumn;
  if (row.error) invalid(*row.error);
  if (row.fields.size() != h.width()) {
    invalid("the row has " + std::to_string(row.fields.size()) + " fields, the header " + std::to_string(h.width()));
  }
  Operation op;
  const auto kind = h.value(row, C::kOp).value_or("");
  if (kind == "charge") {
    op.kind = OperationKind::kCharge;
  } else if (kind == "withdraw") {
    op.kind = OperationKind::kWithdrawal;
  } else if (kind == "transfer") {
    op.kind = OperationKind::kTransfer;
  } else {
    invalid("op must be charge, withdraw or transfer, got '" + kind.substr(0, 20) + "'");
  }
  const auto wallet_id = h.value(row, C::kWalletId);
  const auto user_id = h.value(row, C::kUserId);
  if (wallet_id.has_value() == user_id.has_value()) invalid("give exactly one of wallet_id and user_id");
  if (wallet_id) op.wallet.wallet_id = parse_uuid(*wallet_id);
  if (user_id) op.wallet.user_id = parse_user_id(*user_id);
  const auto to = h.value(row, C::kToWalletId);
  if (op.kind == OperationKind::kTransfer) {
    if (!to) invalid("a transfer needs to_wallet_id");
    op.to_wallet_id = parse_uuid(*to, "to_wallet_id");
  } else if (to) {
    invalid("to_wallet_id is only for transfers");
  }
  const auto amount = h.value(row, C::kAmount);
  if (!amount) throw DomainError(ErrorCode::kInvalidAmount, "amount is missing");
  op.amount = parse_amount(*amount, max_amount);
  if (const auto currency = h.value(row, C::kCurrency)) op.currency = parse_currency(*currency);
  if (const auto release = h.value(row, C::kReleaseAt)) {
    if (op.kind != OperationKind::kCharge) invalid("release_at is only for charges");
    op.release_at = parse_rfc3339(*release);
  }
  if (const auto reference = h.value(row, C::kReference)) op.reference = parse_reference(*reference);
  const auto key = h.value(row, C::kIdempotencyKey);
  op.idempotency_key = key ? parse_idempotency_key(*key) : derived_row_key(file_hash, row.line);
  if (key) op.key_scope = key_scope;
  return op;
}

}  // namespace wallet
