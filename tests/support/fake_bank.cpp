#include "tests/support/fake_bank.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace wallet::testing {

FakeBank::FakeBank(Policy policy, std::chrono::milliseconds latency, std::chrono::milliseconds hang_for)
    : policy_(std::move(policy)), latency_(latency), hang_for_(hang_for), server_(std::make_unique<httplib::Server>()) {
  start();
}

FakeBank::FakeBank(Policy policy, const std::string& cert_file, const std::string& key_file)
    : policy_(std::move(policy)),
      latency_(0),
      hang_for_(0),
      tls_(true),
      server_(std::make_unique<httplib::SSLServer>(cert_file.c_str(), key_file.c_str())) {
  if (!server_->is_valid()) throw std::runtime_error("fake bank: bad certificate or key");
  start();
}

void FakeBank::start() {
  server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  server_->Post("/payouts", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake bank: cannot bind");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

FakeBank::~FakeBank() {
  server_->stop();
  thread_.join();
}

void FakeBank::handle(const httplib::Request& req, httplib::Response& res) {
  ++total_calls_;
  ++in_flight_;
  const auto body = nlohmann::json::parse(req.body, nullptr, false);
  BankCall call{req.get_header_value("Idempotency-Key"), body.value("withdrawal_id", ""), body.value("amount", 0), 0};
  {
    std::lock_guard lock(mutex_);
    call.call = ++calls_by_key_[call.key];
    auto [it, first] = withdrawal_of_key_.emplace(call.key, call.withdrawal_id);
    if (!first && it->second != call.withdrawal_id) mismatched_.insert(call.key);
  }
  // The bank's own processing time: what the payout worker waits for.
  if (latency_.count() > 0) std::this_thread::sleep_for(latency_);
  bool already_paid = false;
  {
    std::lock_guard lock(mutex_);
    already_paid = paid_keys_.count(call.key) > 0;
  }
  // Like a real bank, a key it already paid is answered with the original success.
  const auto answer = already_paid ? BankAnswer::kPay : policy_(call);
  if (answer == BankAnswer::kPayLoseAnswer) {
    std::lock_guard lock(mutex_);
    if (paid_keys_.insert(call.key).second) ++payouts_[call.withdrawal_id];
  }
  if (answer == BankAnswer::kHang || answer == BankAnswer::kPayLoseAnswer) std::this_thread::sleep_for(hang_for_);
  const auto pay = [&] {
    std::lock_guard lock(mutex_);
    if (paid_keys_.insert(call.key).second) ++payouts_[call.withdrawal_id];
  };
  switch (answer) {
    case BankAnswer::kPay:
    case BankAnswer::kHang:
      pay();
      res.status = 200;
      res.set_content(R"({"status":"paid"})", "application/json");
      break;
    case BankAnswer::kRefuse:
      res.status = 422;
      res.set_content(R"({"error":"account closed"})", "application/json");
      break;
    case BankAnswer::kFail:
      res.status = 503;
      break;
    case BankAnswer::kPayLoseAnswer:
      res.status = 200;  // too late: the caller gave up waiting
      break;
  }
  --in_flight_;
}

std::map<std::string, int> FakeBank::payouts() const {
  std::lock_guard lock(mutex_);
  return payouts_;
}

std::map<std::string, int> FakeBank::calls() const {
  std::lock_guard lock(mutex_);
  return calls_by_key_;
}

std::set<std::string> FakeBank::mismatched_keys() const {
  std::lock_guard lock(mutex_);
  return mismatched_;
}

}  // namespace wallet::testing
