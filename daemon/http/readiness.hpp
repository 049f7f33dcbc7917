// What /readyz answers: a background thread asks the database every second whether it
// answers, so an anonymous caller never takes a pool connection, nor reads a driver's words.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace wallet::daemon {

class Readiness {
 public:
  /// Probes once before returning, then every `period` until destroyed.
  Readiness(std::function<bool()> probe, std::chrono::milliseconds period);
  ~Readiness();
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  bool ready() const { return ready_; }

 private:
  void refresh_loop();

  std::function<bool()> probe_;
  std::chrono::milliseconds period_;
  std::atomic<bool> ready_{false};
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wallet::daemon
