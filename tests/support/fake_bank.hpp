// A fake bank for payout tests: a real HTTP server on a free loopback port that answers as the
// test tells it (pay, refuse, fail, busy, fail after paying, hang, drip, refuse connections) and records every payout it made.
// Like a real bank it dedupes by the Idempotency-Key header; payouts are counted by the
// withdrawal id in the body, so a retry sent under a different key would show as paid twice.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace wallet::testing {

enum class BankAnswer {
  kPay,            // pay (once per key) and answer 200
  kRefuse,         // answer 422: a definite refusal
  kFail,           // answer 503 without paying
  kPayLoseAnswer,  // pay, then say nothing for hang_for: the caller times out, the money moved
  kHang,           // say nothing for hang_for, then pay and answer 200
  kSilent,         // say nothing for hang_for, then answer 503 without paying
  kBusy,           // answer 429 with Retry-After: 1, without paying
  kConflict,       // answer 409 with Retry-After: 1 (a call with this key is in progress), without paying
  kPayDrip,        // pay, answer 200 and send the body a byte every 100 ms for 10 s: every read
                   // gets data, so only a deadline on the whole call ends it
};

struct BankCall {
  std::string key, withdrawal_id;
  std::int64_t amount = 0;
  int call = 0;  // 1 for the first call with this key
};

class FakeBank {
 public:
  using Policy = std::function<BankAnswer(const BankCall&)>;
  explicit FakeBank(Policy policy, std::chrono::milliseconds latency = std::chrono::milliseconds(0),
                    std::chrono::milliseconds hang_for = std::chrono::milliseconds(2000));
  /// The same bank over HTTPS with this certificate and key (PEM files).
  FakeBank(Policy policy, const std::string& cert_file, const std::string& key_file);
  ~FakeBank();

  std::string url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/payouts";
  }
  /// Payouts made, by withdrawal id (each should be 1).
  std::map<std::string, int> payouts() const;
  /// Calls received, by idempotency key.
  std::map<std::string, int> calls() const;
  int total_calls() const { return total_calls_; }
  /// When each call of a key arrived.
  std::vector<std::chrono::steady_clock::time_point> call_times(const std::string& key) const;
  /// The most calls of one key that were in progress at once (1 when calls never overlapped).
  int most_concurrent_per_key() const { return most_concurrent_per_key_; }
  /// Stops listening (connections are refused) until accept_connections().
  void refuse_connections();
  void accept_connections();
  int in_flight() const { return in_flight_; }
  /// From hold() until release(), every call waits (counted in flight) before the bank answers:
  /// a test can act while a known number of calls are surely under way.
  void hold();
  void release();
  /// Keys that came with a body naming another withdrawal than the first call did.
  std::set<std::string> mismatched_keys() const;

 private:
  void handle(const httplib::Request& req, httplib::Response& res);
  void start();

  Policy policy_;
  std::chrono::milliseconds latency_, hang_for_;
  bool tls_ = false;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, int> calls_by_key_;
  std::map<std::string, std::string> withdrawal_of_key_;
  std::set<std::string> paid_keys_, mismatched_;
  std::map<std::string, int> payouts_;
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> call_times_;
  std::map<std::string, int> in_flight_by_key_;
  std::atomic<int> total_calls_{0}, in_flight_{0}, most_concurrent_per_key_{0};
  std::condition_variable released_;
  bool held_ = false;
};

}  // namespace wallet::testing
