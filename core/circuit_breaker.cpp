#include "core/circuit_breaker.hpp"

namespace wallet {

bool CircuitBreaker::allow(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kHalfOpen:
      return false;  // the trial call is under way
    case State::kOpen:
      if (now < open_until_) return false;
      state_ = State::kHalfOpen;
      return true;
  }
  return false;
}

void CircuitBreaker::success() {
  std::lock_guard lock(mutex_);
  state_ = State::kClosed;
  consecutive_failures_ = 0;
}

void CircuitBreaker::failure(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  ++consecutive_failures_;
  if (state_ == State::kHalfOpen || consecutive_failures_ >= failures_to_open_) {
    state_ = State::kOpen;
    open_until_ = now + cool_down_;
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace wallet
