#include "tests/chaos/cluster.hpp"

#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace wallet::chaos {
namespace {

using namespace std::chrono_literals;
using testing::BankAnswer;
using testing::BankCall;

constexpr auto kBankHang = 2500ms;  // longer than the daemons' bank_timeout_ms below
constexpr auto kStartLimit = 90s;   // a daemon started while PostgreSQL is down waits for it
constexpr auto kShutdownLimit = 30s;

// Settings every daemon of the run shares: payouts through the fake bank with short timeouts,
// leases and backoffs, so that faults are met and recovered from many times in a few minutes.
std::vector<std::string> daemon_settings(const std::string& bank_url, const std::string& inbox_url) {
  return {"withdrawals.gateway=http",           "withdrawals.bank_url=" + bank_url,
          "withdrawals.bank_timeout_ms=1000",   "withdrawals.lease_seconds=3",
          "withdrawals.backoff_initial_ms=100", "withdrawals.backoff_max_ms=2000",
          "withdrawals.max_attempts=6",         "withdrawals.workers=8",
          "withdrawals.review_retry_seconds=2",
          "database.connect_timeout=2",         "notify.webhook_url=" + inbox_url};
}

// A real bank refuses some accounts whatever its mood: the same key is always refused.
bool refused_account(const std::string& key) { return std::hash<std::string>{}(key) % 40 == 0; }

}  // namespace

NotificationInbox::NotificationInbox() {
  server_.Post("/notifications", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("event_id") || !body["event_id"].is_string()) {
      res.status = 400;
      return;
    }
    std::lock_guard lock(mutex_);
    ++received_[body["event_id"].get<std::string>()];
    res.status = 204;
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("notification inbox: cannot bind");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

NotificationInbox::~NotificationInbox() {
  server_.stop();
  thread_.join();
}

std::map<std::string, int> NotificationInbox::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

Cluster::Cluster(std::string database_url, std::string log_dir, Journal& journal)
    : database_url_(std::move(database_url)), log_dir_(std::move(log_dir)), journal_(journal) {
  bank_ = std::make_unique<testing::FakeBank>(
      [this](const BankCall& call) {
        if (refused_account(call.key)) return BankAnswer::kRefuse;
        switch (mood_.load()) {
          case BankMood::kPay:
            return BankAnswer::kPay;
          case BankMood::kFail:
            return BankAnswer::kFail;
          case BankMood::kHang:
            return BankAnswer::kHang;
          case BankMood::kLoseAnswers:
            return BankAnswer::kPayLoseAnswer;
          case BankMood::kBusy:
            return call.call % 2 ? BankAnswer::kBusy : BankAnswer::kConflict;
          case BankMood::kSlow: {
            thread_local std::mt19937 rng(std::random_device{}());
            std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 600));  // the bank's own pace
            return BankAnswer::kPay;
          }
        }
        return BankAnswer::kPay;
      },
      0ms, kBankHang);
  for (int i = 0; i < kServes; ++i) {
    daemons_.push_back(std::make_unique<Daemon>());
    daemons_.back()->name = "serve-" + std::to_string(i + 1);
    daemons_.back()->command = "serve";
  }
  for (const char* command : {"worker", "notify"}) {
    daemons_.push_back(std::make_unique<Daemon>());
    daemons_.back()->name = command;
    daemons_.back()->command = command;
  }
  for (auto& d : daemons_) start(*d);
}

Cluster::~Cluster() { stop_all(); }

void Cluster::start(Daemon& d) {
  const auto deadline = std::chrono::steady_clock::now() + kStartLimit;
  for (;;) {
    try {
      d.process = std::make_unique<testing::ServerProcess>(database_url_, daemon_settings(bank_->url(), inbox_.url()),
                                                           d.command);
      d.port = d.process->port();
      return;
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() >= deadline) {
        journal_.anomaly(d.name + " did not start within 90 s: " + std::string(e.what()).substr(0, 2000));
        return;
      }
      std::this_thread::sleep_for(500ms);  // a service it needs is being restarted: try again
    }
  }
}

// Appends what this run of the daemon logged to its file under the log folder, and how it ended.
void Cluster::keep_log(const Daemon& d, const std::string& ending) const {
  std::ofstream(log_dir_ + "/" + d.name + ".log", std::ios::app)
      << d.process->log() << "---- " << d.name << " " << ending << " ----\n";
}

// Signals the daemon, waits for it (a SIGTERM must end it with 0) and keeps its log.
void Cluster::stop(Daemon& d, int sig) {
  if (!d.process) return;
  d.port = 0;
  d.process->send_signal(sig);
  const int code = d.process->wait_exit(kShutdownLimit);
  keep_log(d, "ended (signal " + std::to_string(sig) + ", exit " + std::to_string(code) + ")");
  if (sig == SIGTERM && code != 0)
    journal_.anomaly(d.name + " did not stop cleanly on SIGTERM: exit " + std::to_string(code));
  d.process.reset();
}

void Cluster::kill_and_restart(int i, std::chrono::milliseconds down_for) {
  auto& d = *daemons_[static_cast<std::size_t>(i)];
  stop(d, SIGKILL);
  std::this_thread::sleep_for(down_for);  // the outage itself
  start(d);
}

std::vector<std::string> Cluster::restart_exited() {
  std::vector<std::string> exited;
  for (auto& d : daemons_) {
    if (!d->process) {
      start(*d);
      continue;
    }
    const int code = d->process->wait_exit(0ms);
    if (code == -1) continue;
    exited.push_back(d->name + " (exit " + std::to_string(code) + ")");
    keep_log(*d, "exited by itself: " + std::to_string(code));
    d->process.reset();
    d->port = 0;
    start(*d);
  }
  return exited;
}

std::vector<std::string> Cluster::stop_all() {
  std::vector<std::string> unclean;
  const auto before = journal_.anomalies().size();
  for (auto& d : daemons_) stop(*d, SIGTERM);
  const auto after = journal_.anomalies();
  for (auto i = before; i < after.size(); ++i) unclean.push_back(after[i]);
  return unclean;
}

}  // namespace wallet::chaos
