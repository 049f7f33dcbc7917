// Settlement files: the CSV columns of a batch of operations (ARCHITECTURE section 6) and the
// translation of one row into a validated Operation.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/csv_reader.hpp"
#include "core/operations.hpp"
#include "core/wallet_controls.hpp"

namespace wallet {

enum class SettlementColumn {
  kOp,
  kWalletId,
  kUserId,
  kToWalletId,
  kAmount,
  kCurrency,
  kIdempotencyKey,
  kReference,
  kReleaseAt,
  kTarget,     // capture, void: the pending transfer; reverse: the transaction (id, or its key)
  kExpiresAt,  // pending
  kReason,     // reverse, freeze, unfreeze
  kMetadata,   // a JSON object of string pairs, any op
};
inline constexpr std::size_t kSettlementColumnCount = 13;

/// Where each known column stands in the file. Columns come in any order; unknown or repeated
/// columns, or a header without `op` and either `target` or one of `wallet_id`/`user_id` with
/// `amount` or `reason`, make the file unreadable (DomainError kInvalidInput naming the column).
class SettlementHeader {
 public:
  static SettlementHeader parse(const CsvRecord& header);
  std::size_t width() const { return width_; }
  /// The row's value of a column, or nullopt when the column is absent or the value empty.
  std::optional<std::string> value(const CsvRecord& row, SettlementColumn column) const;

 private:
  std::array<std::optional<std::size_t>, kSettlementColumnCount> index_{};
  std::size_t width_ = 0;
};

/// The key of a row that names none: derived from the file's content hash and the row's line,
/// so replaying the same file (or finishing it after a crash) applies nothing twice.
std::string derived_row_key(const std::string& file_hash, std::uint64_t line);

/// The key scope of a sender's files (`replay --key-scope NAME`): 1 to 64 of A-Z a-z 0-9 _ . -,
/// else DomainError(kInvalidInput). Rows of two senders with the same idempotency_key then
/// never meet: each sender's keys live apart from the other's and from CLI commands'.
std::string replay_key_scope(std::string_view name);

/// A row that acts on a wallet itself (op freeze, unfreeze or set_limit, whose amount is the
/// limit), with the idempotency key it is recorded under.
struct ControlRow {
  WalletControl control;
  ControlKey key;
};
using ParsedSettlementRow = std::variant<Operation, ControlRow>;

/// Turns a row into an operation or a control, or throws DomainError naming the field that is
/// wrong. A row's own idempotency_key lives in `key_scope`; a derived key (unique to the file)
/// in the CLI's.
ParsedSettlementRow parse_settlement_row(const SettlementHeader& header, const CsvRecord& row, std::int64_t max_amount,
                               const std::string& file_hash, const std::string& key_scope = "");

}  // namespace wallet
