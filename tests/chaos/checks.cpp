#include "tests/chaos/checks.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/pg/connection.hpp"
#include "tests/support/process.hpp"
#include "tests/support/paths.hpp"

namespace wallet::chaos {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// The events `walletctl notify` turns into notifications (every wallet of the run is a user's).
const std::set<std::string> kNotified = {"charge.completed", "transfer.completed", "withdrawal.completed",
                                         "withdrawal.failed"};
constexpr std::size_t kDetails = 5;

struct Applied {
  std::string kind;
  std::int64_t amount = 0;
  int count = 0;
};

struct LedgerState {
  std::map<std::string, Applied> by_key;           // operations carrying an idempotency key
  std::map<std::string, std::string> withdrawals;  // id -> status
  std::set<std::string> possibly_paid;             // withdrawals a call of unknown outcome may have paid
  std::map<std::string, std::string> outbox;       // event id -> type
  long unpublished = 0;
  std::vector<std::pair<std::string, std::int64_t>> balances;  // user wallets
  std::map<std::string, long> transfer_states;  // pending transfers by state
  long overdue_open = 0;  // open pending transfers more than two sweeps past their expiry
  std::set<std::string> keys_in_metadata;  // keys whose transaction or transfer carries {"chaos_key": key}
  std::vector<std::string> metadata_elsewhere;  // rows carrying another request's chaos_key (the first few)
};

LedgerState load(const std::string& url) {
  auto conn = pg::Connection::open(url, 10);
  LedgerState s;
  auto tx = conn.exec(
      "SELECT idempotency_key, kind, amount FROM transactions "
      "WHERE idempotency_key IS NOT NULL AND kind IN ('charge', 'transfer', 'withdrawal')");
  for (int r = 0; r < tx.rows(); ++r) {
    auto& a = s.by_key[tx.str(r, 0)];
    a.kind = tx.str(r, 1);
    a.amount = tx.int64(r, 2);
    ++a.count;
  }
  // A pending transfer makes no transaction: it is found by its key among pending transfers.
  auto p = conn.exec("SELECT idempotency_key, 'pending', amount FROM pending_transfers WHERE idempotency_key IS NOT NULL");
  for (int r = 0; r < p.rows(); ++r) {
    auto& a = s.by_key[p.str(r, 0)];
    a.kind = p.str(r, 1);
    a.amount = p.int64(r, 2);
    ++a.count;
  }
  // HTTP clients send their key as metadata (clients.cpp): it must be on what that key made.
  // (Payouts and refunds carry their withdrawal's pairs, so they are left out.)
  auto m = conn.exec(
      "SELECT idempotency_key, metadata->>'chaos_key' = idempotency_key, kind FROM transactions "
      "WHERE metadata ? 'chaos_key' AND kind IN ('charge', 'transfer', 'withdrawal') "
      "UNION ALL SELECT idempotency_key, metadata->>'chaos_key' = idempotency_key, 'pending' FROM pending_transfers "
      "WHERE metadata ? 'chaos_key'");
  for (int r = 0; r < m.rows(); ++r) {
    if (m.boolean(r, 1)) {
      s.keys_in_metadata.insert(m.str(r, 0));
    } else if (s.metadata_elsewhere.size() < kDetails) {
      s.metadata_elsewhere.push_back(m.str(r, 2) + " " + m.opt(r, 0).value_or("(no key)"));
    }
  }
  auto w = conn.exec("SELECT id, status, possibly_paid FROM withdrawals");
  for (int r = 0; r < w.rows(); ++r) {
    s.withdrawals[w.str(r, 0)] = w.str(r, 1);
    if (w.boolean(r, 2)) s.possibly_paid.insert(w.str(r, 0));
  }
  auto o = conn.exec("SELECT event_id, event_type, published_at IS NULL FROM outbox");
  for (int r = 0; r < o.rows(); ++r) {
    s.outbox[o.str(r, 0)] = o.str(r, 1);
    if (o.boolean(r, 2)) ++s.unpublished;
  }
  auto t = conn.exec(
      "SELECT state, count(*), count(*) FILTER (WHERE state = 'pending' AND expires_at < now() - interval '3 seconds') "
      "FROM pending_transfers GROUP BY state");
  for (int r = 0; r < t.rows(); ++r) {
    s.transfer_states[t.str(r, 0)] = t.int64(r, 1);
    s.overdue_open += t.int64(r, 2);
  }
  auto b = conn.exec("SELECT id, balance FROM wallets WHERE kind = 'user' ORDER BY id");
  for (int r = 0; r < b.rows(); ++r) s.balances.emplace_back(b.str(r, 0), b.int64(r, 1));
  return s;
}

std::map<std::string, int> deliveries(const testing::EventCollector& collector) {
  std::map<std::string, int> by_id;
  for (const auto& e : collector.events()) ++by_id[e.message_id];
  return by_id;
}

// Withdrawals still in flight: needs_review waits for the bank or an operator, not the run.
long pending_withdrawals(const LedgerState& s) {
  long n = 0;
  for (const auto& [id, status] : s.withdrawals) {
    n += status != "completed" && status != "failed" && status != "needs_review";
  }
  return n;
}

template <class Map>
long missing_from(const std::map<std::string, std::string>& outbox, const Map& seen, bool notified_only) {
  long n = 0;
  for (const auto& [id, type] : outbox) {
    if (notified_only && !kNotified.count(type)) continue;
    n += !seen.count(id);
  }
  return n;
}

CheckRow row(std::string name, bool passed, std::string figure, std::vector<std::string> details = {}) {
  if (details.size() > kDetails) details.resize(kDetails);
  return {std::move(name), passed, std::move(figure), std::move(details)};
}

// 12345 as "12,345".
std::string n(long v) {
  const auto digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

CheckRow audit_passes(const std::string& url) {
  const auto r = testing::run_process({testing::walletctl_path(), "--output", "json", "audit"}, {{"DATABASE_URL", url}});
  const auto report = json::parse(r.out, nullptr, false);
  long passed = 0, total = 0;
  std::vector<std::string> failed;
  if (report.is_object() && report.contains("checks")) {
    for (const auto& c : report["checks"]) {
      ++total;
      if (c.value("passed", false)) {
        ++passed;
      } else {
        failed.push_back(c.value("name", "?") + ": " + c["examples"].dump());
      }
    }
  }
  if (r.exit_code != 0 && failed.empty()) failed.push_back("exit " + std::to_string(r.exit_code) + ": " + r.err);
  return row("walletctl audit passes (hash chain included)", r.exit_code == 0 && total > 0,
             n(passed) + " of " + n(total) + " invariants hold", failed);
}

}  // namespace

bool drain(const Observed& o, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      const auto s = load(o.database_url);
      if (pending_withdrawals(s) == 0 && s.unpublished == 0 && s.overdue_open == 0 &&
          missing_from(s.outbox, deliveries(o.collector), false) == 0 &&
          missing_from(s.outbox, o.cluster.inbox().received(), true) == 0) {
        return true;
      }
    } catch (const std::exception&) {
      // PostgreSQL is still coming back: look again.
    }
    std::this_thread::sleep_for(500ms);  // the daemons settle withdrawals and relay events meanwhile
  }
  return false;
}

std::vector<CheckRow> run_checks(const Observed& o) {
  std::vector<CheckRow> rows;
  rows.push_back(audit_passes(o.database_url));
  const auto s = load(o.database_url);
  const auto ops = o.journal.operations();

  {  // the daemons' expiry sweep closed every pending transfer past its time
    const auto states = [&](const char* st) {
      auto it = s.transfer_states.find(st);
      return n(it == s.transfer_states.end() ? 0 : it->second);
    };
    rows.push_back(row("every pending transfer past its expiry was closed by the sweep", s.overdue_open == 0,
                       states("posted") + " captured, " + states("voided") + " voided, " + states("expired") +
                           " expired, " + states("pending") + " open; " + n(s.overdue_open) + " overdue",
                       {}));
  }
  {  // acknowledged: applied exactly once, as asked
    long acked = 0, good = 0;
    std::map<Channel, long> by_channel;
    std::vector<std::string> bad;
    for (const auto& op : ops) {
      if (op.outcome != Outcome::kAcknowledged) continue;
      ++acked;
      ++by_channel[op.channel];
      const auto it = s.by_key.find(op.key);
      const int count = it == s.by_key.end() ? 0 : it->second.count;
      if (count == 1 && it->second.kind == op.kind && it->second.amount == op.amount) {
        ++good;
      } else {
        bad.push_back(std::string(channel_name(op.channel)) + " " + op.kind + " " + op.key + ": applied " +
                      std::to_string(count) + " times" +
                      (count ? " as " + it->second.kind + " of " + std::to_string(it->second.amount) : ""));
      }
    }
    std::vector<std::string> without;
    long http = 0, kept = 0;
    for (const auto& op : ops) {
      if (op.outcome != Outcome::kAcknowledged || op.channel != Channel::kHttp) continue;
      ++http;
      if (s.keys_in_metadata.count(op.key)) {
        ++kept;
      } else if (without.size() < kDetails) {
        without.push_back(op.kind + " " + op.key);
      }
    }
    rows.push_back(row("every acknowledged HTTP operation keeps the metadata it was sent with",
                       kept == http && s.metadata_elsewhere.empty() && http > 0,
                       n(kept) + " of " + n(http) + (s.metadata_elsewhere.empty() ? "" : "; rows with another's key"),
                       without.empty() ? s.metadata_elsewhere : without));
    rows.push_back(row("every acknowledged operation is in the ledger exactly once", good == acked && acked > 0,
                       n(good) + " of " + n(acked) + " (HTTP " + n(by_channel[Channel::kHttp]) + ", CLI " +
                           n(by_channel[Channel::kCli]) + ", replay rows " + n(by_channel[Channel::kReplay]) + ")",
                       bad));
  }
  {  // retried or unanswered: at most once; refused: not at all
    long retried = 0, unknown = 0, unknown_applied = 0, refused = 0, over = 0, refused_applied = 0;
    std::vector<std::string> twice, changed;
    for (const auto& op : ops) {
      const auto it = s.by_key.find(op.key);
      const int count = it == s.by_key.end() ? 0 : it->second.count;
      if (op.retried || op.outcome == Outcome::kUnknown) {
        ++retried;
        if (count > 1) {
          ++over;
          twice.push_back(op.key + " applied " + std::to_string(count) + " times");
        }
      }
      if (op.outcome == Outcome::kUnknown) {
        ++unknown;
        unknown_applied += count > 0;
      }
      if (op.outcome == Outcome::kRefused) {
        ++refused;
        if (count > 0) {
          ++refused_applied;
          changed.push_back(std::string(channel_name(op.channel)) + " " + op.kind + " " + op.key +
                            " was refused but applied");
        }
      }
    }
    rows.push_back(row("every retried key applied at most once", over == 0,
                       n(retried) + " keys sent more than once or unanswered; " + n(unknown) + " never answered (" +
                           n(unknown_applied) + " of them applied)",
                       twice));
    rows.push_back(
        row("every refused operation changed nothing", refused_applied == 0, n(refused) + " refused", changed));
  }
  {  // withdrawals final or in review; the bank paid each completed one once, no refunded one
    long completed = 0, failed = 0, pending = 0, review = 0;
    std::vector<std::string> bad;
    const auto payouts = o.cluster.bank().payouts();
    long paid_right = 0;
    for (const auto& [id, status] : s.withdrawals) {
      const auto it = payouts.find(id);
      const int paid = it == payouts.end() ? 0 : it->second;
      if (status == "completed") {
        ++completed;
        if (paid == 1) {
          ++paid_right;
        } else {
          bad.push_back("completed " + id + " paid " + std::to_string(paid) + " times");
        }
      } else if (status == "failed") {
        ++failed;
        if (paid != 0) bad.push_back("failed (refunded) " + id + " was paid by the bank");
      } else if (status == "needs_review") {
        ++review;
        if (!s.possibly_paid.count(id)) bad.push_back("needs_review " + id + " was never possibly paid");
      } else {
        ++pending;
      }
    }
    for (const auto& [id, paid] : payouts) {
      if (!s.withdrawals.count(id)) bad.push_back("the bank paid " + id + ", which is no withdrawal");
    }
    for (const auto& key : o.cluster.bank().mismatched_keys())
      bad.push_back("bank key " + key + " reused for another withdrawal");
    rows.push_back(row("every withdrawal is final, or in review after an unknown outcome",
                       pending == 0 && !s.withdrawals.empty(),
                       n(completed) + " completed, " + n(failed) + " failed and refunded, " + n(review) +
                           " in review (possibly paid, never refunded), " + n(pending) + " pending"));
    rows.push_back(
        row("the bank paid each completed withdrawal exactly once and no refunded one",
            bad.empty() && paid_right == completed,
            n(paid_right) + " of " + n(completed) + " paid once; " + n(o.cluster.bank().total_calls()) + " bank calls",
            bad));
  }
  {  // events: every outbox row reached a consumer under its own message id
    const auto seen = deliveries(o.collector);
    long copies = 0, ours = 0;
    std::vector<std::string> bad;
    for (const auto& [id, type] : s.outbox) {
      const auto it = seen.find(id);
      if (it == seen.end()) {
        bad.push_back("event " + id + " (" + type + ") never arrived");
        continue;
      }
      ++ours;
      copies += it->second;
    }
    const auto rows_count = static_cast<long>(s.outbox.size());
    rows.push_back(
        row("every outbox event was delivered", ours == rows_count && s.unpublished == 0 && rows_count > 0,
            n(ours) + " distinct message ids = " + n(rows_count) + " outbox rows (" + n(copies) + " deliveries)", bad));
  }
  {  // notify: every notification posted to the webhook
    const auto received = o.cluster.inbox().received();
    long expected = 0, arrived = 0, twice = 0;
    std::vector<std::string> bad;
    for (const auto& [id, type] : s.outbox) {
      if (!kNotified.count(type)) continue;
      ++expected;
      const auto it = received.find(id);
      if (it == received.end()) {
        bad.push_back("no notification for " + type + " " + id);
        continue;
      }
      ++arrived;
      twice += it->second > 1;
    }
    rows.push_back(row("walletctl notify posted every notification", arrived == expected,
                       n(arrived) + " of " + n(expected) + " (" + n(twice) + " posted more than once)", bad));
  }
  {  // the balance cache: what every serve answers equals the database
    long compared = 0, equal = 0;
    std::vector<std::string> bad;
    for (int i = 0; i < Cluster::kServes; ++i) {
      httplib::Client c("127.0.0.1", o.cluster.serve_port(i));
      c.set_bearer_token_auth(o.api_secret);
      c.set_keep_alive(true);
      for (const auto& [id, balance] : s.balances) {
        ++compared;
        const auto res = c.Get("/wallets/" + id);
        const auto body = res ? json::parse(res->body, nullptr, false) : json();
        if (res && res->status == 200 && body.is_object() && body.value("balance", std::int64_t{-1}) == balance) {
          ++equal;
        } else {
          bad.push_back(o.cluster.daemon_name(i) + " " + id + ": " + (res ? body.dump() : "no answer") + ", database " +
                        std::to_string(balance));
        }
      }
    }
    rows.push_back(row("every cached balance equals the database", equal == compared && compared > 0,
                       n(equal) + " of " + n(compared) + " (" + n(static_cast<long>(s.balances.size())) +
                           " wallets x " + std::to_string(Cluster::kServes) + " serves)",
                       bad));
  }
  return rows;
}

}  // namespace wallet::chaos
