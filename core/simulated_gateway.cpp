#include <thread>

#include "core/payout_gateway.hpp"

namespace wallet {

PayoutResult SimulatedGateway::pay(const PayoutRequest&) {
  // The latency is the point of this gateway: it stands for the bank's round trip.
  std::this_thread::sleep_for(latency_);
  if (failure_percent_ > 0 && static_cast<int>(rng_() % 100) < failure_percent_) {
    return {PayoutStatus::kTransient, "simulated bank failure", std::nullopt, true};
  }
  return {PayoutStatus::kPaid, "", std::nullopt, true};
}

}  // namespace wallet
