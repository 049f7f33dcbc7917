#include "core/payout_rules.hpp"

#include <algorithm>

namespace wallet {

PayoutDecision decide_payout(const Withdrawal& claim, const PayoutResult& result, const Settings::Withdrawals& config,
                             std::uint64_t random) {
  PayoutDecision d;
  d.attempts = claim.attempts + (result.reached_bank ? 1 : 0);
  d.possibly_paid = claim.possibly_paid || result.status == PayoutStatus::kUnknown;
  d.reason = result.reason;
  switch (result.status) {
    case PayoutStatus::kPaid:
      d.next = PayoutNext::kComplete;
      d.reason.clear();
      return d;
    case PayoutStatus::kRefused:
      if (!d.possibly_paid) {
        d.next = PayoutNext::kRefund;
        return d;
      }
      d.reason += " (not believed: an earlier call may have paid)";
      break;
    case PayoutStatus::kTransient:
    case PayoutStatus::kUnknown:
      break;
  }
  const bool exhausted = d.attempts >= config.max_attempts;
  if (exhausted && !d.possibly_paid) {
    d.next = PayoutNext::kRefund;
    d.reason = "gave up after " + std::to_string(d.attempts) + " attempts: " + d.reason;
    return d;
  }
  d.next = exhausted ? PayoutNext::kReview : PayoutNext::kRetry;
  d.delay_ms = exhausted ? config.review_retry_seconds * 1000
                         // By claims, which count every try: a bank that cannot be reached is
                         // tried less and less often, though those tries are no attempts.
                         : retry_delay(claim.claims, config.backoff_initial_ms, config.backoff_max_ms, random).count();
  if (result.retry_after) d.delay_ms = std::max<std::int64_t>(d.delay_ms, result.retry_after->count());
  return d;
}

}  // namespace wallet
