// The rules that turn a bank's answer into the next state of a withdrawal. Pure logic: the
// withdrawal queue applies the decision in the database.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/backoff.hpp"
#include "core/config.hpp"
#include "core/model.hpp"
#include "core/payout_gateway.hpp"

namespace wallet {

enum class PayoutNext {
  kComplete,  // paid: clearing → payouts
  kRefund,    // a definite no, or attempts ran out, and no call may have paid: clearing → wallet
  kRetry,     // pending again after a delay
  kReview,    // attempts ran out and some call may have paid: needs_review, retried slowly
};

struct PayoutDecision {
  PayoutNext next = PayoutNext::kRetry;
  bool possibly_paid = false;
  std::int64_t attempts = 0;  // calls that reached (or may have reached) the bank, this one included
  std::string reason;         // the failure_reason to record (empty when paid)
  std::int64_t delay_ms = 0;  // for kRetry and kReview: until the next call
};

/// Decides what one answered call means for the withdrawal claimed as `claim`. Once any call's
/// outcome was unknown the withdrawal is possibly paid and is never refunded automatically: a
/// refusal after that is not believed (the bank may refuse a key it already paid), and running
/// out of attempts sends it to review. The delay honours the bank's Retry-After.
PayoutDecision decide_payout(const Withdrawal& claim, const PayoutResult& result, const Settings::Withdrawals& config,
                             std::uint64_t random);

}  // namespace wallet
