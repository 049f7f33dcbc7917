// Withdrawal settlement end to end: the real server (or worker) paying out through a fake bank
// that fails, refuses, hangs and crashes mid-call; every withdrawal ends final, paid at most
// once, refunded when failed, and the books balance.
#include <signal.h>

#include <random>
#include <thread>

#include "core/ledger.hpp"
#include "core/wallet_store.hpp"
#include "core/withdrawals.hpp"
#include "tests/support/certificate.hpp"
#include "tests/support/fake_bank.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Settings of a pool paying through the fake bank, with retries fast enough for a test.
std::vector<std::string> pool_settings(const FakeBank& bank, int workers, int max_attempts = 8, int timeout_ms = 2000,
                                       int lease_seconds = 5, int backoff_initial_ms = 20,
                                       int review_retry_seconds = 3600) {
  return {"withdrawals.enabled=true",
          "withdrawals.gateway=http",
          "withdrawals.bank_url=" + bank.url(),
          "withdrawals.workers=" + std::to_string(workers),
          "withdrawals.bank_timeout_ms=" + std::to_string(timeout_ms),
          "withdrawals.max_attempts=" + std::to_string(max_attempts),
          "withdrawals.backoff_initial_ms=" + std::to_string(backoff_initial_ms),
          "withdrawals.backoff_max_ms=" + std::to_string(std::max(200, backoff_initial_ms)),
          "withdrawals.review_retry_seconds=" + std::to_string(review_retry_seconds),
          "withdrawals.lease_seconds=" + std::to_string(lease_seconds)};
}

class WithdrawalTest : public ::testing::Test {
 protected:
  pg::Connection db() { return db_.connect(); }

  // Creates wallets funded with `funds` each and requests `count` withdrawals spread over them
  // through the CLI's core path (no server needed); returns the wallet ids.
  std::vector<std::string> request_withdrawals(int wallets, std::int64_t funds, int count, std::int64_t amount) {
    auto conn = db();
    Settings settings = db_.settings();
    Ledger ledger(conn, settings);
    std::vector<std::string> ids;
    for (int i = 0; i < wallets; ++i) {
      Operation charge;
      charge.kind = OperationKind::kCharge;
      charge.wallet.user_id = "payee-" + std::to_string(i);
      charge.amount = Money(funds);
      ids.push_back(ledger.apply_one(charge).transaction->destination_wallet_id);
    }
    std::vector<Operation> ops;
    for (int i = 0; i < count; ++i) {
      Operation w;
      w.kind = OperationKind::kWithdrawal;
      w.wallet.wallet_id = ids[static_cast<std::size_t>(i % wallets)];
      w.amount = Money(amount + i % 7);  // amounts ending in 13 are refused by some banks below
      ops.push_back(w);
    }
    for (const auto& r : ledger.apply(ops)) EXPECT_TRUE(r.ok());
    return ids;
  }

  std::int64_t count(const char* sql) {
    auto conn = db();
    return conn.exec(sql).int64(0, 0);
  }

  // Waits (bounded) until no withdrawal is pending or processing.
  bool all_settled(seconds limit) {
    return eventually(limit, "SELECT count(*) = 0 FROM withdrawals WHERE status IN ('pending', 'processing')");
  }

  // Waits (bounded) until a query about the table the workers drain answers true.
  bool eventually(seconds limit, const std::string& sql) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    auto conn = db();
    while (std::chrono::steady_clock::now() < deadline) {
      if (conn.exec(sql.c_str()).boolean(0, 0)) return true;
      std::this_thread::sleep_for(milliseconds(50));  // polls the table the workers drain
    }
    return false;
  }

  Withdrawal withdrawal(const std::string& id) {
    auto conn = db();
    return get_withdrawal(conn, id);
  }

  ProcessResult cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {walletctl_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, {{"DATABASE_URL", db_.url()}, {"WALLET_REDIS_ENABLED", "false"}});
  }

  // Ids of the withdrawals, oldest first.
  std::vector<std::string> withdrawal_ids() {
    auto conn = db();
    auto res = conn.exec("SELECT id FROM withdrawals ORDER BY created_at, id");
    std::vector<std::string> ids;
    for (int r = 0; r < res.rows(); ++r) ids.push_back(res.str(r, 0));
    return ids;
  }

  // Withdrawal ids by final status.
  std::map<std::string, std::vector<std::string>> by_status() {
    static constexpr const char* kAll = "SELECT id, status FROM withdrawals";
    auto conn = db();
    auto res = conn.exec(kAll);
    std::map<std::string, std::vector<std::string>> out;
    for (int r = 0; r < res.rows(); ++r) out[res.str(r, 1)].push_back(res.str(r, 0));
    return out;
  }

  // The bank paid every completed withdrawal exactly once and no failed one; every failed one
  // was refunded once; the books balance.
  void expect_settled_correctly(const FakeBank& bank) {
    const auto status = by_status();
    const auto payouts = bank.payouts();
    for (const auto& id : status.count("completed") ? status.at("completed") : std::vector<std::string>{}) {
      auto it = payouts.find(id);
      EXPECT_TRUE(it != payouts.end() && it->second == 1) << "completed " << id << " not paid exactly once";
    }
    std::size_t failed = 0;
    for (const auto& id : status.count("failed") ? status.at("failed") : std::vector<std::string>{}) {
      EXPECT_EQ(payouts.count(id), 0u) << "failed " << id << " was paid";
      ++failed;
    }
    for (const auto& [id, n] : payouts) EXPECT_EQ(n, 1) << id;
    EXPECT_TRUE(bank.mismatched_keys().empty());
    EXPECT_EQ(count("SELECT count(*) FROM transactions WHERE kind = 'refund'"), static_cast<std::int64_t>(failed));
    EXPECT_EQ(count("SELECT count(*) FROM transactions WHERE kind = 'payout'"),
              static_cast<std::int64_t>(status.count("completed") ? status.at("completed").size() : 0));
    const auto audit = run_process({walletctl_path(), "audit"}, {{"DATABASE_URL", db_.url()}});
    EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  }

  TestDatabase db_;
};

TEST_F(WithdrawalTest, AThousandWithdrawalsAgainstABankFailingThirtyPercent) {
  std::mutex rng_mutex;
  std::mt19937 rng(20261122);
  FakeBank bank(
      [&](const BankCall& c) {
        if (c.amount % 100 == 13) return BankAnswer::kRefuse;  // a definite no
        std::lock_guard lock(rng_mutex);
        const auto roll = rng() % 100;
        if (roll < 20) return BankAnswer::kFail;
        if (roll < 30) return BankAnswer::kPayLoseAnswer;  // paid, answer lost: never refund, never pay again
        return BankAnswer::kPay;
      },
      milliseconds(0), milliseconds(600));
  request_withdrawals(100, 1'000'000, 1000, 1007);
  {
    ServerProcess server(db_.url(), pool_settings(bank, 50, 4, 300, 2));
    ASSERT_TRUE(all_settled(seconds(120))) << server.log().substr(0, 5000);
  }
  auto status = by_status();
  // A few may wait in review: a lost answer, then failures until attempts ran out.
  EXPECT_EQ(status["completed"].size() + status["failed"].size() + status["needs_review"].size(), 1000u);
  EXPECT_LT(status["needs_review"].size(), 10u);
  for (const auto& id : status["needs_review"]) EXPECT_TRUE(withdrawal(id).possibly_paid) << id;
  EXPECT_GT(status["failed"].size(), 100u);  // the refused amounts, and a few that ran out of attempts
  EXPECT_GT(status["completed"].size(), 700u);
  EXPECT_GT(bank.total_calls(), 1000);  // retries happened
  // attempts counts calls the bank received: no claim ended without its call recorded here.
  const auto calls = bank.calls();
  for (const auto& id : withdrawal_ids()) {
    auto it = calls.find(id);
    EXPECT_EQ(withdrawal(id).attempts, it == calls.end() ? 0 : it->second)
        << id << ": " << withdrawal(id).failure_reason.value_or("");
  }
  expect_settled_correctly(bank);
}

// Reproduced from outside: the bank paid the first call but answered after the timeout, then
// refused connections; with max_attempts=2 the withdrawal was failed and refunded, and the
// user kept both. Now it stays debited and possibly paid (a refused connection is no attempt)
// until the bank answers.
TEST_F(WithdrawalTest, APaymentWhoseAnswerWasLostIsNeverRefunded) {
  FakeBank bank([](const BankCall& c) { return c.call == 1 ? BankAnswer::kPayLoseAnswer : BankAnswer::kPay; },
                milliseconds(0), milliseconds(600));
  const auto wallets = request_withdrawals(1, 1000, 1, 400);
  const auto id = withdrawal_ids().at(0);
  ServerProcess server(db_.url(), pool_settings(bank, 1, 2, 300, 2, 4000));
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (bank.total_calls() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  bank.refuse_connections();  // returns once the first call's late answer went out: before the retry
  ASSERT_TRUE(eventually(seconds(30), "SELECT possibly_paid AND failure_reason LIKE '%unreachable%' FROM withdrawals"))
      << server.log();
  auto w = withdrawal(id);
  EXPECT_EQ(w.status, WithdrawalStatus::kPending);
  EXPECT_EQ(w.attempts, 1);  // the bank got one call
  EXPECT_EQ(count("SELECT count(*) FROM transactions WHERE kind = 'refund'"), 0);
  EXPECT_EQ(to_reply(server.client()->Get("/wallets/" + wallets[0])).body["balance"], 1000 - 400);

  // The bank is back: the retry, with the same key, learns it was paid.
  bank.accept_connections();
  ASSERT_TRUE(eventually(seconds(30), "SELECT status = 'completed' FROM withdrawals")) << server.log();
  EXPECT_EQ(bank.payouts().at(id), 1);
  EXPECT_EQ(withdrawal(id).attempts, 2);
  expect_settled_correctly(bank);
}

// With its attempts used up, a possibly paid withdrawal waits in needs_review, still debited,
// and is called again at the slow review pace until the bank pays.
TEST_F(WithdrawalTest, APossiblyPaidWithdrawalOutOfAttemptsWaitsInReview) {
  FakeBank bank([](const BankCall& c) { return c.call == 1 ? BankAnswer::kPayLoseAnswer : BankAnswer::kPay; },
                milliseconds(0), milliseconds(600));
  const auto wallets = request_withdrawals(1, 1000, 1, 400);
  const auto id = withdrawal_ids().at(0);
  ServerProcess server(db_.url(), pool_settings(bank, 1, 1, 300, 2, 20, 3));
  ASSERT_TRUE(eventually(seconds(30), "SELECT status = 'needs_review' FROM withdrawals")) << server.log();
  EXPECT_TRUE(withdrawal(id).possibly_paid);
  EXPECT_EQ(count("SELECT count(*) FROM transactions WHERE kind = 'refund'"), 0);
  const auto metrics = to_reply(server.client()->Get("/metrics")).text;
  EXPECT_NE(metrics.find("walletctl_withdrawals_queued{status=\"needs_review\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("walletctl_withdrawals_oldest_needs_review_seconds "), std::string::npos);
  ASSERT_TRUE(eventually(seconds(30), "SELECT status = 'completed' FROM withdrawals")) << server.log();
  const auto times = bank.call_times(id);
  ASSERT_EQ(times.size(), 2u);
  EXPECT_GE(times[1] - times[0], milliseconds(2900));  // the review's pace, not the 20 ms backoff
  expect_settled_correctly(bank);
}

TEST_F(WithdrawalTest, BusyAndConflictAnswersAreRetriedAfterTheirRetryAfter) {
  FakeBank bank([](const BankCall& c) {
    if (c.call == 1) return BankAnswer::kBusy;
    return c.call == 2 ? BankAnswer::kConflict : BankAnswer::kPay;
  });
  request_withdrawals(1, 1000, 1, 100);
  const auto id = withdrawal_ids().at(0);
  ServerProcess server(db_.url(), pool_settings(bank, 1, 8));
  ASSERT_TRUE(all_settled(seconds(30))) << server.log();
  const auto w = withdrawal(id);
  EXPECT_EQ(w.status, WithdrawalStatus::kCompleted);
  EXPECT_EQ(w.attempts, 3);
  EXPECT_FALSE(w.possibly_paid);
  const auto times = bank.call_times(id);
  ASSERT_EQ(times.size(), 3u);
  // The backoff alone is 20 ms; the bank asked for a second each time.
  EXPECT_GE(times[1] - times[0], milliseconds(950));
  EXPECT_GE(times[2] - times[1], milliseconds(950));
  expect_settled_correctly(bank);
}

// A bank that sends its answer a byte at a time passes every per-read timeout: only a deadline
// on the whole call ends it, before the claim's lease does, so no second call overlaps it.
TEST_F(WithdrawalTest, ACallEndsByItsDeadlineEvenWhenTheBankDrips) {
  FakeBank bank([](const BankCall& c) { return c.call == 1 ? BankAnswer::kPayDrip : BankAnswer::kPay; });
  request_withdrawals(1, 1000, 1, 100);
  const auto id = withdrawal_ids().at(0);
  ServerProcess server(db_.url(), pool_settings(bank, 1, 8, 500, 3));
  ASSERT_TRUE(all_settled(seconds(30))) << server.log();
  const auto w = withdrawal(id);
  EXPECT_EQ(w.status, WithdrawalStatus::kCompleted);
  EXPECT_TRUE(w.possibly_paid);  // the dripped answer never arrived whole
  EXPECT_EQ(w.attempts, 2);
  const auto times = bank.call_times(id);
  ASSERT_EQ(times.size(), 2u);
  EXPECT_LT(times[1] - times[0], milliseconds(2000));  // the drip lasts 10 s; the lease is 3 s
  EXPECT_EQ(bank.most_concurrent_per_key(), 1);
  expect_settled_correctly(bank);
}

TEST_F(WithdrawalTest, AnOperatorResolvesWithdrawalsInReview) {
  // Both calls go unanswered (the first paid, the second did not): with one attempt allowed,
  // both wait in review, and the review's slow retry is an hour away.
  FakeBank bank([](const BankCall& c) { return c.amount == 100 ? BankAnswer::kPayLoseAnswer : BankAnswer::kSilent; },
                milliseconds(0), milliseconds(600));
  const auto wallets = request_withdrawals(1, 1000, 0, 0);
  auto conn = db();
  Ledger ledger(conn, db_.settings());
  for (std::int64_t amount : {100, 200}) {
    Operation w;
    w.kind = OperationKind::kWithdrawal;
    w.wallet.wallet_id = wallets[0];
    w.amount = Money(amount);
    ASSERT_TRUE(ledger.apply_one(w).ok());
  }
  const auto ids = withdrawal_ids();
  const auto paid_id = withdrawal(ids[0]).amount == Money(100) ? ids[0] : ids[1];
  const auto unpaid_id = paid_id == ids[0] ? ids[1] : ids[0];
  {
    ServerProcess server(db_.url(), pool_settings(bank, 2, 1, 300, 2));
    ASSERT_TRUE(eventually(seconds(30), "SELECT count(*) = 2 FROM withdrawals WHERE status = 'needs_review'"))
        << server.log();
  }
  const auto listed = cli({"--output", "json", "withdrawals", "list", "--status", "needs_review"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(json::parse(listed.out)["items"].size(), 2u);

  // Bad input changes nothing.
  EXPECT_EQ(cli({"withdrawals", "resolve", paid_id, "--reason", "x"}).exit_code, 2);
  EXPECT_EQ(cli({"withdrawals", "resolve", paid_id, "--paid", "--refund", "--reason", "x"}).exit_code, 2);
  EXPECT_EQ(cli({"withdrawals", "resolve", paid_id, "--paid", "--reason", ""}).exit_code, 2);
  EXPECT_EQ(cli({"withdrawals", "resolve", "not-a-uuid", "--paid", "--reason", "x"}).exit_code, 2);
  EXPECT_EQ(withdrawal(paid_id).status, WithdrawalStatus::kNeedsReview);

  const auto paid = cli({"--output", "json", "withdrawals", "resolve", paid_id, "--paid", "--reason",
                         "bank statement of 2026-12-04 shows the payout"});
  ASSERT_EQ(paid.exit_code, 0) << paid.err;
  EXPECT_EQ(json::parse(paid.out)["status"], "completed");
  EXPECT_EQ(json::parse(paid.out)["resolution"], "paid");
  const auto refunded =
      cli({"--output", "json", "withdrawals", "resolve", unpaid_id, "--refund", "--reason", "bank confirms no payout"});
  ASSERT_EQ(refunded.exit_code, 0) << refunded.err;
  EXPECT_EQ(json::parse(refunded.out)["status"], "failed");
  EXPECT_NE(json::parse(refunded.out)["failure_reason"].get<std::string>().find("bank confirms no payout"),
            std::string::npos);

  const auto again = cli({"withdrawals", "resolve", paid_id, "--refund", "--reason", "changed my mind"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("withdrawal_not_in_review"), std::string::npos) << again.err;
  EXPECT_EQ(cli({"withdrawals", "retry", paid_id}).exit_code, 1);
  EXPECT_EQ(WalletStore(conn, 1).get(wallets[0]).balance.minor(), 1000 - 100);  // 200 came back
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE event_type IN ('withdrawal.completed', 'withdrawal.failed')"), 2);
  EXPECT_EQ(bank.payouts().count(paid_id), 1u);
  EXPECT_EQ(bank.payouts().count(unpaid_id), 0u);
  const auto audit = cli({"audit"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

TEST_F(WithdrawalTest, RetryMakesAWithdrawalInReviewDueNow) {
  FakeBank bank([](const BankCall& c) { return c.call == 1 ? BankAnswer::kSilent : BankAnswer::kPay; },
                milliseconds(0), milliseconds(600));
  request_withdrawals(1, 1000, 1, 100);
  const auto id = withdrawal_ids().at(0);
  ServerProcess server(db_.url(), pool_settings(bank, 1, 1, 300, 2));
  ASSERT_TRUE(eventually(seconds(30), "SELECT status = 'needs_review' FROM withdrawals")) << server.log();
  const auto retried = cli({"withdrawals", "retry", id});
  ASSERT_EQ(retried.exit_code, 0) << retried.err;
  ASSERT_TRUE(eventually(seconds(30), "SELECT status = 'completed' FROM withdrawals")) << server.log();
  EXPECT_EQ(withdrawal(id).attempts, 2);
  expect_settled_correctly(bank);
}

TEST_F(WithdrawalTest, KilledMidCallThenRestartedPaysEachWithdrawalOnce) {
  FakeBank bank([](const BankCall&) { return BankAnswer::kPay; }, milliseconds(300));
  request_withdrawals(10, 1'000'000, 100, 500);
  const auto settings = pool_settings(bank, 20, 8, 1000, 2);
  {
    ServerProcess first(db_.url(), settings);
    const auto deadline = std::chrono::steady_clock::now() + seconds(20);
    while (bank.in_flight() < 10 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_GE(bank.in_flight(), 10);
    first.send_signal(SIGKILL);
    EXPECT_EQ(first.wait_exit(seconds(10)), 128 + SIGKILL);
  }
  EXPECT_GT(count("SELECT count(*) FROM withdrawals WHERE status = 'processing'"), 0);  // claims left behind
  ServerProcess second(db_.url(), settings);
  ASSERT_TRUE(all_settled(seconds(60))) << second.log().substr(0, 5000);
  EXPECT_EQ(by_status().at("completed").size(), 100u);
  expect_settled_correctly(bank);
}

TEST_F(WithdrawalTest, TwoWorkerProcessesNeverWorkOnTheSameRow) {
  FakeBank bank([](const BankCall&) { return BankAnswer::kPay; }, milliseconds(5));
  request_withdrawals(20, 1'000'000, 400, 300);
  {
    ServerProcess a(db_.url(), pool_settings(bank, 8), "worker");
    ServerProcess b(db_.url(), pool_settings(bank, 8), "worker");
    ASSERT_TRUE(all_settled(seconds(60)));
  }
  for (const auto& [key, calls] : bank.calls()) EXPECT_EQ(calls, 1) << key << " was sent " << calls << " times";
  EXPECT_EQ(bank.total_calls(), 400);
  expect_settled_correctly(bank);
}

// `walletctl worker` has no API port; with [withdrawals] metrics_listen it answers Prometheus
// and probes on a port of its own, without a key, and nothing else there.
TEST_F(WithdrawalTest, AWorkerServesItsMetricsAndHealthOnItsOwnPort) {
  FakeBank bank([](const BankCall&) { return BankAnswer::kPay; }, milliseconds(5));
  request_withdrawals(2, 1'000'000, 6, 100);
  auto settings = pool_settings(bank, 4);
  settings.push_back("withdrawals.metrics_listen=127.0.0.1:0");
  ServerProcess worker(db_.url(), settings, "worker");
  ASSERT_GT(worker.port(), 0) << "the ready line names the metrics port";
  ASSERT_TRUE(all_settled(seconds(60))) << worker.log();
  httplib::Client ops("127.0.0.1", worker.port());
  const auto health = ops.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(nlohmann::json::parse(health->body)["status"], "ok");
  // The outcome is counted just after its row commits: wait for the count, not for a time.
  std::string metrics;
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (metrics.find("walletctl_withdrawals_total{outcome=\"completed\"} 6\n") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    const auto r = ops.Get("/metrics");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    metrics = r->body;
  }
  EXPECT_NE(metrics.find("walletctl_withdrawals_total{outcome=\"completed\"} 6\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("walletctl_withdrawals_queued{status=\"pending\"} 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("walletctl_payout_gateway_duration_seconds_count{answer=\"paid\"} 6\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("walletctl_build_info{"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("process_resident_memory_bytes "), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("walletctl_http_requests_total"), std::string::npos) << "serve's figures are not the worker's";
  const auto promtool = run_process({"promtool", "check", "metrics"}, {}, metrics);
  EXPECT_EQ(promtool.exit_code, 0) << promtool.out << promtool.err;
  const auto post = ops.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(nlohmann::json::parse(post->body)["code"], "method_not_allowed");
  const auto api = ops.Get("/wallets");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 404);
  EXPECT_EQ(nlohmann::json::parse(api->body)["code"], "not_found");
}

TEST_F(WithdrawalTest, AHangingBankTimesOutAndTheRowIsRetried) {
  // The first call of every payout hangs past the timeout; the retry is answered.
  FakeBank bank([](const BankCall& c) { return c.call == 1 ? BankAnswer::kHang : BankAnswer::kPay; }, milliseconds(0),
                milliseconds(1500));
  request_withdrawals(4, 1'000'000, 12, 100);
  ServerProcess server(db_.url(), pool_settings(bank, 4, 8, 300, 2));
  auto http = server.client();
  // While every worker waits on the bank, the API still answers.
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (bank.in_flight() < 4 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  const auto health = http->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  ASSERT_TRUE(all_settled(seconds(60))) << server.log().substr(0, 5000);
  EXPECT_EQ(by_status().at("completed").size(), 12u);
  for (const auto& [key, calls] : bank.calls()) EXPECT_GE(calls, 2) << key;
  expect_settled_correctly(bank);
}

TEST_F(WithdrawalTest, RefusedAndExhaustedWithdrawalsAreRefundedWithTheirReason) {
  FakeBank bank([](const BankCall& c) { return c.amount == 13 ? BankAnswer::kRefuse : BankAnswer::kFail; });
  const auto wallets = request_withdrawals(1, 1000, 0, 0);
  ServerProcess server(db_.url(), pool_settings(bank, 2, 3));
  auto http = server.client();
  const auto refused =
      to_reply(http->Post("/withdraw", json{{"wallet_id", wallets[0]}, {"amount", 13}}.dump(), "application/json"));
  const auto exhausted =
      to_reply(http->Post("/withdraw", json{{"wallet_id", wallets[0]}, {"amount", 20}}.dump(), "application/json"));
  ASSERT_EQ(refused.status, 202);
  ASSERT_TRUE(all_settled(seconds(30)));
  const auto r = to_reply(http->Get("/withdrawals/" + refused.body["id"].get<std::string>()));
  EXPECT_EQ(r.body["status"], "failed");
  EXPECT_EQ(r.body["attempts"], 1);
  EXPECT_NE(r.body["failure_reason"].get<std::string>().find("422"), std::string::npos);
  const auto e = to_reply(http->Get("/withdrawals/" + exhausted.body["id"].get<std::string>()));
  EXPECT_EQ(e.body["status"], "failed");
  EXPECT_EQ(e.body["attempts"], 3);
  EXPECT_NE(e.body["failure_reason"].get<std::string>().find("gave up after 3 attempts"), std::string::npos);
  EXPECT_EQ(to_reply(http->Get("/wallets/" + wallets[0])).body["balance"], 1000);  // both refunded
  const auto metrics = to_reply(http->Get("/metrics")).text;
  for (const char* line :
       {"walletctl_withdrawals_total{outcome=\"failed\"} 2", "walletctl_withdrawals_queued{status=\"pending\"} 0",
        "walletctl_payout_gateway_duration_seconds_count{answer=\"refused\"} 1",
        "walletctl_payout_gateway_duration_seconds_count{answer=\"transient\"} 3",
        "walletctl_withdrawals_oldest_unsettled_seconds 0"}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line;
  }
  expect_settled_correctly(bank);
}

TEST_F(WithdrawalTest, SigtermLetsCallsInProgressFinishAndRecordsThem) {
  FakeBank bank([](const BankCall&) { return BankAnswer::kPay; });
  bank.hold();  // every call waits until the server was told to stop: ten are surely under way
  request_withdrawals(5, 1'000'000, 30, 100);
  ServerProcess server(db_.url(), pool_settings(bank, 10, 8, 20'000, 60));
  auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (bank.in_flight() < 10 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(bank.in_flight(), 10);
  server.send_signal(SIGTERM);
  deadline = std::chrono::steady_clock::now() + seconds(15);
  while (server.log().find(" stopping ") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));  // polling the log file for the server's own word
  }
  ASSERT_NE(server.log().find(" stopping "), std::string::npos) << server.log();
  bank.release();
  EXPECT_EQ(server.wait_exit(seconds(15)), 0) << server.log();
  // The ten calls under way were answered and recorded; nothing is left processing.
  EXPECT_EQ(count("SELECT count(*) FROM withdrawals WHERE status = 'processing'"), 0);
  EXPECT_GE(count("SELECT count(*) FROM withdrawals WHERE status = 'completed'"), 10);
  EXPECT_EQ(count("SELECT count(*) FROM withdrawals WHERE status = 'pending' AND locked_until IS NOT NULL"), 0);
  expect_settled_correctly(bank);
}

TEST_F(WithdrawalTest, AnHttpsBankIsPaidOverVerifiedTls) {
  // A certificate for 127.0.0.1 made for this test; the server trusts only it.
  const auto tls = make_certificate("walletctl-bank-tls");
  FakeBank bank([](const BankCall&) { return BankAnswer::kPay; }, tls.cert_file, tls.key_file);
  request_withdrawals(2, 1000, 6, 50);
  auto settings = pool_settings(bank, 3);
  settings.push_back("withdrawals.bank_ca_file=" + tls.cert_file);
  {
    ServerProcess server(db_.url(), settings);
    ASSERT_TRUE(all_settled(seconds(30))) << server.log().substr(0, 3000);
  }
  EXPECT_EQ(by_status()["completed"].size(), 6u);
  expect_settled_correctly(bank);

  // Without the certificate the bank cannot be verified: nothing is paid, nothing is lost.
  request_withdrawals(1, 1000, 1, 50);
  {
    ServerProcess server(db_.url(), pool_settings(bank, 1));
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (count("SELECT count(*) FROM withdrawals WHERE attempts > 0 AND status = 'pending'") == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  EXPECT_EQ(count("SELECT count(*) FROM withdrawals WHERE status = 'pending' AND failure_reason LIKE '%unreachable%'"),
            1);
  EXPECT_EQ(bank.payouts().size(), 6u);
  run_process({"/bin/rm", "-f", tls.cert_file, tls.key_file});
}

}  // namespace
}  // namespace wallet::testing
