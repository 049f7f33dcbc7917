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
  release();
  refuse_connections();
}

void FakeBank::hold() {
  std::lock_guard lock(mutex_);
  held_ = true;
}

void FakeBank::release() {
  {
    std::lock_guard lock(mutex_);
    held_ = false;
  }
  released_.notify_all();
}

void FakeBank::refuse_connections() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FakeBank::accept_connections() {
  if (thread_.joinable()) return;
  if (!server_->bind_to_port("127.0.0.1", port_)) throw std::runtime_error("fake bank: cannot bind again");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void FakeBank::handle(const httplib::Request& req, httplib::Response& res) {
  ++total_calls_;
  ++in_flight_;
  const auto body = nlohmann::json::parse(req.body, nullptr, false);
  BankCall call{req.get_header_value("Idempotency-Key"), body.value("withdrawal_id", ""), body.value("amount", 0), 0};
  {
    std::lock_guard lock(mutex_);
    call.call = ++calls_by_key_[call.key];
    call_times_[call.key].push_back(std::chrono::steady_clock::now());
    const int concurrent = ++in_flight_by_key_[call.key];
    if (concurrent > most_concurrent_per_key_) most_concurrent_per_key_ = concurrent;
    auto [it, first] = withdrawal_of_key_.emplace(call.key, call.withdrawal_id);
    if (!first && it->second != call.withdrawal_id) mismatched_.insert(call.key);
  }
  // The call counts as in progress until the handler returns; a dripped body is sent later,
  // and its own provider ends when the caller hangs up.
  struct Done {
    FakeBank& bank;
    const std::string& key;
    ~Done() {
      std::lock_guard lock(bank.mutex_);
      --bank.in_flight_by_key_[key];
    }
  } done{*this, call.key};
  {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [this] { return !held_; });
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
  if (answer == BankAnswer::kHang || answer == BankAnswer::kPayLoseAnswer || answer == BankAnswer::kSilent) {
    std::this_thread::sleep_for(hang_for_);
  }
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
    case BankAnswer::kBusy:
    case BankAnswer::kConflict:
      res.status = answer == BankAnswer::kBusy ? 429 : 409;
      res.set_header("Retry-After", "1");
      break;
    case BankAnswer::kPayDrip:
      pay();
      res.status = 200;
      res.set_chunked_content_provider("application/json", [](std::size_t offset, httplib::DataSink& sink) {
        if (offset >= 100) {
          sink.done();
          return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the drip itself
        return sink.write(" ", 1);
      });
      break;
    case BankAnswer::kRefuse:
      res.status = 422;
      res.set_content(R"({"error":"account closed"})", "application/json");
      break;
    case BankAnswer::kFail:
    case BankAnswer::kSilent:
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

namespace wallet::testing {

std::vector<std::chrono::steady_clock::time_point> FakeBank::call_times(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = call_times_.find(key);
  return it == call_times_.end() ? std::vector<std::chrono::steady_clock::time_point>{} : it->second;
}

}  // namespace wallet::testing
