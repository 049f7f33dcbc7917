#include "core/ledger_writer.hpp"

#include "core/outbox.hpp"
#include "core/pg/array.hpp"
#include "core/signals.hpp"
#include "core/wallet_store.hpp"

namespace wallet {
namespace {

// Each account once, locked: its version becomes the locked one plus one, which is what
// PostingWrites::changed_user_wallets announces.
constexpr const char* kUpdateBalances =
    "UPDATE wallets SET balance = v.balance, chain_head = v.chain_head, pending_out = v.pending_out, "
    "pending_in = v.pending_in, version = wallets.version + 1, updated_at = now() "
    "FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[]) "
    "AS v(id, balance, chain_head, pending_out, pending_in) WHERE wallets.id = v.id";
constexpr const char* kInsertTransactions =
    "INSERT INTO transactions (id, kind, amount, currency, source_wallet_id, destination_wallet_id, "
    "idempotency_key, reference, release_at, reverses, reason, pending_transfer_id, metadata) "
    "SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::uuid[], $6::uuid[], "
    "$7::text[], $8::text[], $9::timestamptz[], $10::uuid[], $11::text[], $12::uuid[], $13::jsonb[])";
constexpr const char* kInsertPendingTransfers =
    "INSERT INTO pending_transfers (id, source_wallet_id, destination_wallet_id, currency, amount, "
    "idempotency_key, reference, expires_at, metadata) "
    "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[], $6::text[], $7::text[], "
    "$8::timestamptz[], $9::jsonb[])";
// Only an open row closes: the accounts' locks already serialise every change of one, and the
// constraints of migration 0013 check what it is closed with.
constexpr const char* kClosePendingTransfers =
    "UPDATE pending_transfers p SET state = v.state, captured_amount = v.captured, released_amount = v.released, "
    "capture_transaction_id = v.tx, close_metadata = v.metadata, updated_at = now(), closed_at = now() "
    "FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::uuid[], $6::jsonb[]) "
    "AS v(id, state, captured, released, tx, metadata) "
    "WHERE p.id = v.id AND p.state = 'pending'";
constexpr const char* kInsertEntries =
    "INSERT INTO ledger_entries (transaction_id, wallet_id, amount, balance_after, entry_hash) "
    "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[], $5::text[])";
constexpr const char* kInsertHolds =
    "INSERT INTO holds (transaction_id, wallet_id, amount, release_at) "
    "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::timestamptz[])";
constexpr const char* kInsertWithdrawals =
    "INSERT INTO withdrawals (id, wallet_id, amount, currency, transaction_id) "
    "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::uuid[])";
constexpr const char* kSettleWithdrawals =
    "UPDATE withdrawals d SET status = v.status, failure_reason = v.reason, attempts = v.attempts, "
    "possibly_paid = v.possibly_paid, resolution = v.resolution, "
    "resolved_at = CASE WHEN v.resolution IS NULL THEN NULL ELSE now() END, locked_until = NULL, updated_at = now() "
    "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bool[], $6::text[]) "
    "AS v(id, status, reason, attempts, possibly_paid, resolution) WHERE d.id = v.id";
// Tells the trigger of migration 0007 that this transaction's writer tells the balance cache
// itself, so the trigger sends no notification: NOTIFY takes a lock that is held until the
// commit is flushed, which would keep two writers' commits from overlapping.
constexpr const char* kWriterTellsCache = "SELECT set_config('walletctl.writer_tells_cache', 'on', true)";

// A field as the text of an array element (none: NULL).
std::optional<std::string> sql_text(bool v) { return v ? "true" : "false"; }
std::optional<std::string> sql_text(std::int64_t v) { return std::to_string(v); }
std::optional<std::string> sql_text(Money v) { return std::to_string(v.minor()); }
std::optional<std::string> sql_text(const std::string& v) { return v; }
std::optional<std::string> sql_text(const std::optional<std::string>& v) { return v; }
std::optional<std::string> sql_text(const Metadata& v) { return metadata_column(v); }
template <class Enum>
  requires std::is_enum_v<Enum>
std::optional<std::string> sql_text(Enum v) {
  return std::string(name(v));
}
template <class Enum>
  requires std::is_enum_v<Enum>
std::optional<std::string> sql_text(const std::optional<Enum>& v) {
  return v ? sql_text(*v) : std::nullopt;
}

// One column of rows as an array parameter.
template <class Row, class Field>
pg::Param column(const std::vector<Row>& rows, Field field) {
  std::vector<std::optional<std::string>> values;
  values.reserve(rows.size());
  for (const auto& r : rows) values.push_back(sql_text(r.*field));
  return pg::text_array(values);
}

// The balance update first, the outbox last.
std::vector<pg::Statement> write_statements(const PostingWrites& w) {
  std::vector<pg::Statement> statements;
  if (!w.accounts.empty()) {
    std::vector<std::string> ids, heads;
    std::vector<std::int64_t> balances, pending_out, pending_in;
    for (const auto& [id, account] : w.accounts) {
      ids.push_back(id);
      balances.push_back(account.balance.minor());
      heads.push_back(account.chain_head);
      pending_out.push_back(account.pending_out.minor());
      pending_in.push_back(account.pending_in.minor());
    }
    statements.push_back({kUpdateBalances,
                          {pg::text_array(ids), pg::int_array(balances), pg::text_array(heads),
                           pg::int_array(pending_out), pg::int_array(pending_in)}});
  }
  if (!w.transactions.empty()) {
    const auto& t = w.transactions;
    statements.push_back({kInsertTransactions,
                          {column(t, &Transaction::id), column(t, &Transaction::kind), column(t, &Transaction::amount),
                           column(t, &Transaction::currency), column(t, &Transaction::source_wallet_id),
                           column(t, &Transaction::destination_wallet_id), column(t, &Transaction::idempotency_key),
                           column(t, &Transaction::reference), column(t, &Transaction::release_at),
                           column(t, &Transaction::reverses), column(t, &Transaction::reason),
                           column(t, &Transaction::pending_transfer_id), column(t, &Transaction::metadata)}});
    const auto& e = w.entries;
    statements.push_back({kInsertEntries,
                          {column(e, &LedgerEntryRow::transaction_id), column(e, &LedgerEntryRow::wallet_id),
                           column(e, &LedgerEntryRow::amount), column(e, &LedgerEntryRow::balance_after),
                           column(e, &LedgerEntryRow::hash)}});
  }
  if (!w.holds.empty()) {
    const auto& h = w.holds;
    statements.push_back({kInsertHolds,
                          {column(h, &HoldRow::transaction_id), column(h, &HoldRow::wallet_id),
                           column(h, &HoldRow::amount), column(h, &HoldRow::release_at)}});
  }
  if (!w.withdrawals.empty()) {
    const auto& d = w.withdrawals;
    statements.push_back(
        {kInsertWithdrawals,
         {column(d, &Withdrawal::id), column(d, &Withdrawal::wallet_id), column(d, &Withdrawal::amount),
          column(d, &Withdrawal::currency), column(d, &Withdrawal::transaction_id)}});
    statements.push_back(signals::notify_withdrawals());
  }
  if (!w.settled_withdrawals.empty()) {
    const auto& d = w.settled_withdrawals;
    statements.push_back({kSettleWithdrawals,
                          {column(d, &Withdrawal::id), column(d, &Withdrawal::status),
                           column(d, &Withdrawal::failure_reason), column(d, &Withdrawal::attempts),
                           column(d, &Withdrawal::possibly_paid), column(d, &Withdrawal::resolution)}});
  }
  if (!w.new_transfers.empty()) {
    const auto& p = w.new_transfers;
    statements.push_back({kInsertPendingTransfers,
                          {column(p, &PendingTransfer::id), column(p, &PendingTransfer::source_wallet_id),
                           column(p, &PendingTransfer::destination_wallet_id), column(p, &PendingTransfer::currency),
                           column(p, &PendingTransfer::amount), column(p, &PendingTransfer::idempotency_key),
                           column(p, &PendingTransfer::reference), column(p, &PendingTransfer::expires_at),
                           column(p, &PendingTransfer::metadata)}});
  }
  if (!w.closed_transfers.empty()) {
    const auto& p = w.closed_transfers;
    statements.push_back({kClosePendingTransfers,
                          {column(p, &PendingTransfer::id), column(p, &PendingTransfer::state),
                           column(p, &PendingTransfer::captured_amount), column(p, &PendingTransfer::released_amount),
                           column(p, &PendingTransfer::capture_transaction_id),
                           column(p, &PendingTransfer::close_metadata)}});
  }
  if (!w.events.empty()) statements.push_back(insert_outbox(w.events));
  return statements;
}

}  // namespace

void write_posting(pg::Connection& conn, const PostingWrites& writes, std::vector<pg::Statement> more,
                   BalanceCache* cache) {
  auto statements = write_statements(writes);
  statements.insert(statements.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  const auto& changed = writes.changed_user_wallets;
  if (!cache || changed.empty()) {
    conn.pipeline(statements);  // the trigger notifies, if anything is to be told
    return;
  }
  statements.insert(statements.begin(), {kWriterTellsCache, {}});
  bool told = false;
  // Tombstones of the new versions go in while PostgreSQL writes, before the commit: however
  // this process ends after the commit, no cached copy older than it outlives it.
  conn.pipeline(statements, [&] { told = cache->invalidate(changed); });
  if (!told) conn.defer(signals::notify_wallet_changes(changed));  // sent with the COMMIT
}

}  // namespace wallet
