#include "core/audit.hpp"

#include <algorithm>

#include "core/pg/transaction.hpp"
#include "core/rows.hpp"

namespace wallet {
namespace {

struct Invariant {
  const char* name;
  const char* description;
  std::string offenders;  // SQL returning one text column: the id of each offender
};

const std::vector<Invariant>& invariants() {
  static const std::vector<Invariant> kInvariants = {
      {"transactions_balanced", "each transaction's entries sum to zero",
       "SELECT t.id::text FROM transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id "
       "GROUP BY t.id HAVING count(e.id) = 0 OR sum(e.amount) <> 0"},
      {"balances_match_entries",
       "each account's balance equals the sum of its entries, and each entry's balance_after the "
       "running sum",
       "SELECT w.id::text FROM wallets w LEFT JOIN (SELECT wallet_id, sum(amount) AS total "
       "FROM ledger_entries GROUP BY wallet_id) e ON e.wallet_id = w.id "
       "WHERE w.balance <> COALESCE(e.total, 0) "
       "UNION SELECT DISTINCT wallet_id::text FROM (SELECT wallet_id, balance_after, "
       "sum(amount) OVER (PARTITION BY wallet_id ORDER BY id) AS running FROM ledger_entries) r "
       "WHERE r.balance_after <> r.running"},
      // What the entries' foreign keys held before migration 0006 dropped them.
      {"entries_reference_known_rows", "each ledger entry names an existing wallet and transaction",
       "SELECT e.id::text FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM wallets w WHERE w.id = e.wallet_id) "
       "OR NOT EXISTS (SELECT 1 FROM transactions t WHERE t.id = e.transaction_id)"},
      {"balances_within_overdraft",
       "no user wallet's balance or available amount is below minus its overdraft limit (zero without one)",
       "SELECT w.id::text FROM wallets w WHERE w.kind = 'user' AND (w.balance < -w.overdraft_limit OR " +
           rows::kAvailableOfWallet + " < -w.overdraft_limit)"},
      {"pending_amounts_match_transfers",
       "each wallet's pending_out and pending_in equal the sums of the open pending transfers it sends and receives",
       "SELECT w.id::text FROM wallets w "
       "LEFT JOIN (SELECT source_wallet_id AS id, sum(amount) AS total FROM pending_transfers "
       "WHERE state = 'pending' GROUP BY source_wallet_id) o ON o.id = w.id "
       "LEFT JOIN (SELECT destination_wallet_id AS id, sum(amount) AS total FROM pending_transfers "
       "WHERE state = 'pending' GROUP BY destination_wallet_id) i ON i.id = w.id "
       "WHERE w.pending_out <> COALESCE(o.total, 0) OR w.pending_in <> COALESCE(i.total, 0)"},
      // A capture writes one transfer transaction naming its pending transfer; a void or an
      // expiry writes none. Captured + released = amount is also a constraint of the table.
      {"pending_transfers_closed_once",
       "each closed pending transfer accounts for all of its amount; a posted one has exactly one capture "
       "transaction of the captured amount between its wallets, an open, voided or expired one none",
       "SELECT p.id::text FROM pending_transfers p LEFT JOIN transactions t ON t.pending_transfer_id = p.id "
       "GROUP BY p.id HAVING (p.state <> 'pending' AND p.captured_amount + p.released_amount <> p.amount) "
       "OR count(t.id) <> CASE WHEN p.state = 'posted' THEN 1 ELSE 0 END "
       "OR bool_or(t.id <> p.capture_transaction_id OR t.kind <> 'transfer' OR t.amount <> p.captured_amount "
       "OR t.source_wallet_id <> p.source_wallet_id OR t.destination_wallet_id <> p.destination_wallet_id)"},
      {"reversals_within_original",
       "each reversal moves money back along a charge or transfer, from its destination to its source, and an "
       "original's reversals together never exceed it",
       "SELECT o.id::text FROM transactions o JOIN transactions r ON r.reverses = o.id "
       "GROUP BY o.id, o.kind, o.amount, o.source_wallet_id, o.destination_wallet_id "
       "HAVING sum(r.amount) > o.amount OR o.kind NOT IN ('charge', 'transfer') "
       "OR bool_or(r.source_wallet_id <> o.destination_wallet_id OR r.destination_wallet_id <> o.source_wallet_id "
       "OR r.currency <> o.currency) "
       "UNION ALL SELECT r.id::text FROM transactions r WHERE r.kind = 'reversal' "
       "AND NOT EXISTS (SELECT 1 FROM transactions o WHERE o.id = r.reverses)"},
      // What core/metadata.cpp admits; the tables' constraints check only that it is an object.
      {"metadata_well_formed",
       "each transaction's, pending transfer's and wallet's metadata holds at most 16 string values",
       "SELECT x.id::text FROM (SELECT id, metadata FROM transactions WHERE metadata IS NOT NULL "
       "UNION ALL SELECT id, metadata FROM pending_transfers WHERE metadata IS NOT NULL "
       "UNION ALL SELECT id, close_metadata FROM pending_transfers WHERE close_metadata IS NOT NULL "
       "UNION ALL SELECT id, metadata FROM wallets WHERE metadata IS NOT NULL) x "
       "WHERE (SELECT count(*) > 16 OR bool_or(jsonb_typeof(m.value) <> 'string') FROM jsonb_each(x.metadata) m)"},
      {"clearing_matches_withdrawals", "the clearing account equals the sum of withdrawals not yet completed or failed",
       "SELECT c.currency::text FROM wallets c LEFT JOIN (SELECT currency, sum(amount) AS total "
       "FROM withdrawals WHERE status IN ('pending', 'processing', 'needs_review') GROUP BY currency) p "
       "ON p.currency = c.currency WHERE c.kind = 'clearing' AND c.balance <> COALESCE(p.total, 0)"},
      // Settlement transactions name their withdrawal in their reference (Posting::settle).
      {"withdrawals_settled_once",
       "each withdrawal pays what its request debited; a completed one has exactly one payout, a "
       "failed one exactly one refund, an unsettled one neither",
       "SELECT d.id::text FROM withdrawals d JOIN transactions r ON r.id = d.transaction_id "
       "LEFT JOIN transactions t ON t.reference = 'withdrawal ' || d.id AND t.kind IN ('payout', 'refund') "
       "GROUP BY d.id, d.status, d.amount, d.wallet_id, r.amount, r.source_wallet_id "
       "HAVING d.amount <> r.amount OR d.wallet_id <> r.source_wallet_id "
       "OR count(t.id) <> CASE WHEN d.status IN ('completed', 'failed') THEN 1 ELSE 0 END "
       "OR bool_or(t.kind = 'payout' AND d.status <> 'completed') OR bool_or(t.kind = 'refund' AND d.status <> 'failed') "
       "OR bool_or(t.amount <> d.amount)"},
      // Events of transactions older than the pruning horizon may have been pruned once
      // published; none may ever be doubled.
      {"one_event_per_transaction", "every committed transaction wrote exactly one outbox event",
       "SELECT t.id::text FROM transactions t LEFT JOIN outbox o ON o.transaction_id = t.id "
       "GROUP BY t.id HAVING count(o.id) > 1 OR (count(o.id) = 0 AND t.created_at >= "
       "COALESCE((SELECT horizon FROM outbox_pruning), '-infinity'))"},
      {"books_balance", "the balances of each currency, system accounts included, sum to zero",
       "SELECT currency::text FROM wallets GROUP BY currency HAVING sum(balance) <> 0"},
      // The SQL twin of entry_hash() (core/entry_chain.cpp). Offenders: entry ids, and the
      // wallets whose chain head is not their last entry's hash (an entry removed or added).
      {"entry_hash_chain",
       "each ledger entry's hash covers its content and its wallet's previous entry, and each "
       "wallet's chain head is its last entry's hash",
       "SELECT c.id::text FROM (SELECT id, entry_hash, encode(sha256(convert_to(COALESCE(lag(entry_hash) "
       "OVER (PARTITION BY wallet_id ORDER BY id), repeat('0', 64)) || '|' || transaction_id || '|' || "
       "wallet_id || '|' || amount || '|' || balance_after, 'UTF8')), 'hex') AS expected "
       "FROM ledger_entries) c WHERE c.entry_hash IS DISTINCT FROM c.expected "
       "UNION ALL SELECT w.id::text FROM wallets w LEFT JOIN LATERAL (SELECT entry_hash FROM ledger_entries "
       "WHERE wallet_id = w.id ORDER BY id DESC LIMIT 1) last ON true "
       "WHERE w.chain_head IS DISTINCT FROM COALESCE(last.entry_hash, repeat('0', 64))"},
  };
  return kInvariants;
}

// The invariants' SQL wrapped to return the number of offenders and the first five.
const std::vector<std::string>& counting_queries() {
  static const std::vector<std::string> kQueries = [] {
    std::vector<std::string> q;
    for (const auto& inv : invariants()) {
      q.push_back(std::string("SELECT count(*), COALESCE(string_agg(x.id, ' ') FILTER (WHERE x.n <= 5), '') "
                              "FROM (SELECT o.id, row_number() OVER (ORDER BY length(o.id), o.id) AS n FROM (") +
                  inv.offenders + ") AS o(id)) x");
    }
    return q;
  }();
  return kQueries;
}

constexpr const char* kSnapshot = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

}  // namespace

bool AuditReport::passed() const {
  return std::all_of(checks.begin(), checks.end(), [](const auto& c) { return c.passed(); });
}

AuditReport run_audit(pg::Connection& conn) {
  return pg::in_transaction(conn, 3, [&] {
    conn.exec(kSnapshot);
    AuditReport report;
    for (std::size_t i = 0; i < invariants().size(); ++i) {
      auto res = conn.exec(counting_queries()[i].c_str());
      AuditCheck check{invariants()[i].name, invariants()[i].description, res.int64(0, 0), {}};
      std::string examples = res.str(0, 1);
      for (std::size_t start = 0; start < examples.size();) {
        const auto end = std::min(examples.find(' ', start), examples.size());
        check.examples.push_back(examples.substr(start, end - start));
        start = end + 1;
      }
      report.checks.push_back(std::move(check));
    }
    return report;
  });
}

}  // namespace wallet
