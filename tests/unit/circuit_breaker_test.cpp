// The circuit breaker's states, with the clock passed in.
#include "core/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace wallet {
namespace {

using State = CircuitBreaker::State;
using std::chrono::milliseconds;

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndLetsOneTrialThroughAfterTheCoolDown) {
  CircuitBreaker breaker(3, milliseconds(1000));
  const auto t0 = CircuitBreaker::Clock::now();
  breaker.failure(t0);
  breaker.success();  // a success in between resets the count
  breaker.failure(t0);
  breaker.failure(t0);
  EXPECT_EQ(breaker.state(), State::kClosed);
  EXPECT_TRUE(breaker.allow(t0));
  breaker.failure(t0);
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.allow(t0 + milliseconds(999)));
  EXPECT_TRUE(breaker.allow(t0 + milliseconds(1000)));   // the trial call
  EXPECT_FALSE(breaker.allow(t0 + milliseconds(1001)));  // only one at a time
  EXPECT_EQ(breaker.state(), State::kHalfOpen);
  breaker.success();
  EXPECT_EQ(breaker.state(), State::kClosed);
  EXPECT_TRUE(breaker.allow(t0 + milliseconds(1002)));
}

TEST(CircuitBreakerTest, AFailedTrialOpensItAgainForAnotherCoolDown) {
  CircuitBreaker breaker(1, milliseconds(500));
  const auto t0 = CircuitBreaker::Clock::now();
  breaker.failure(t0);
  ASSERT_TRUE(breaker.allow(t0 + milliseconds(500)));
  breaker.failure(t0 + milliseconds(600));
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.allow(t0 + milliseconds(1099)));
  EXPECT_TRUE(breaker.allow(t0 + milliseconds(1100)));
}

}  // namespace
}  // namespace wallet
