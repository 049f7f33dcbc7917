#include "daemon/payouts/call_deadline.hpp"

namespace wallet::daemon {

CallDeadline::CallDeadline(std::function<void()> on_expiry)
    : on_expiry_(std::move(on_expiry)), thread_([this] { watch(); }) {}

CallDeadline::~CallDeadline() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void CallDeadline::arm(Clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    deadline_ = deadline;
    expired_ = false;
  }
  changed_.notify_all();
}

bool CallDeadline::disarm() {
  std::lock_guard lock(mutex_);
  deadline_.reset();
  return expired_;
}

// The action runs under the lock, so once disarm() returns it is not running and will not.
void CallDeadline::watch() {
  std::unique_lock lock(mutex_);
  while (!quit_) {
    if (!deadline_) {
      changed_.wait(lock);
    } else if (Clock::now() >= *deadline_) {
      deadline_.reset();
      expired_ = true;
      on_expiry_();
    } else {
      changed_.wait_until(lock, *deadline_);
    }
  }
}

}  // namespace wallet::daemon
