// The system a chaos run works on: three `walletctl serve` on one database, a `walletctl
// worker`, a `walletctl notify` posting to a webhook inbox, and a fake bank whose mood the fault
// scheduler sets. The stack's PostgreSQL, Redis and RabbitMQ are driven through scripts/stack.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/chaos/journal.hpp"
#include "tests/support/fake_bank.hpp"
#include "tests/support/server_process.hpp"

namespace wallet::chaos {

enum class BankMood { kPay, kFail, kHang, kSlow, kLoseAnswers, kBusy };

/// The webhook `walletctl notify` posts to: counts the posts per event id.
class NotificationInbox {
 public:
  NotificationInbox();
  ~NotificationInbox();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/notifications"; }
  std::map<std::string, int> received() const;

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, int> received_;
};

class Cluster {
 public:
  static constexpr int kServes = 3;

  /// Starts the bank, the inbox and every daemon; their logs are appended under `log_dir`.
  Cluster(std::string database_url, std::string log_dir, Journal& journal);
  ~Cluster();

  int daemon_count() const { return static_cast<int>(daemons_.size()); }
  const std::string& daemon_name(int i) const { return daemons_[static_cast<std::size_t>(i)]->name; }
  /// The port of serve `i`, 0 while it is down.
  int serve_port(int i) const { return daemons_[static_cast<std::size_t>(i)]->port.load(); }

  /// SIGKILL, then the same daemon started again after `down_for`.
  void kill_and_restart(int i, std::chrono::milliseconds down_for);
  /// Starts again the daemons that exited without being killed; returns their names.
  std::vector<std::string> restart_exited();
  /// SIGTERM to every daemon: names those that did not exit 0 within the shutdown timeout.
  std::vector<std::string> stop_all();

  void set_bank_mood(BankMood mood) { mood_ = mood; }
  /// The bank stops listening (true) or listens again (false).
  void refuse_bank_connections(bool refuse) { refuse ? bank_->refuse_connections() : bank_->accept_connections(); }
  const testing::FakeBank& bank() const { return *bank_; }
  const NotificationInbox& inbox() const { return inbox_; }

 private:
  struct Daemon {
    std::string name, command;
    std::unique_ptr<testing::ServerProcess> process;
    std::atomic<int> port{0};
  };
  void start(Daemon& d);
  void stop(Daemon& d, int sig);
  void keep_log(const Daemon& d, const std::string& ending) const;

  std::string database_url_, log_dir_;
  Journal& journal_;
  std::atomic<BankMood> mood_{BankMood::kPay};
  std::unique_ptr<testing::FakeBank> bank_;
  NotificationInbox inbox_;
  std::vector<std::unique_ptr<Daemon>> daemons_;
};

}  // namespace wallet::chaos
