#include "daemon/http/readiness.hpp"

namespace wallet::daemon {

Readiness::Readiness(std::function<bool()> probe, std::chrono::milliseconds period)
    : probe_(std::move(probe)), period_(period), ready_(probe_()), thread_([this] { refresh_loop(); }) {}

Readiness::~Readiness() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

void Readiness::refresh_loop() {
  std::unique_lock lock(mutex_);
  while (!stop_requested_.wait_for(lock, period_, [this] { return stopping_; })) {
    lock.unlock();
    ready_ = probe_();
    lock.lock();
  }
}

}  // namespace wallet::daemon
