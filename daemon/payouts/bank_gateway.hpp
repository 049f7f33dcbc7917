// The http payout gateway: a bank reached over HTTP(S). One instance per worker thread.
#pragma once

#include <httplib.h>

#include <memory>
#include <optional>
#include <string>

#include "core/payout_gateway.hpp"
#include "daemon/payouts/call_deadline.hpp"

namespace wallet::daemon {

/// POSTs {withdrawal_id, wallet_id, amount, currency} to the bank URL with the header
/// Idempotency-Key: <withdrawal id>, so a retried payout is never paid twice. Each call has one
/// deadline (name lookup, connect, send, wait and read together): `timeout_ms`, or the
/// request's own deadline when sooner. classify_bank_answer() says what an answer means.
class BankGateway : public PayoutGateway {
 public:
  BankGateway(const std::string& url, const std::string& ca_file, std::int64_t timeout_ms);
  PayoutResult pay(const PayoutRequest& request) override;

 private:
  std::optional<std::string> resolve(std::chrono::steady_clock::time_point deadline);

  std::unique_ptr<httplib::Client> client_;
  std::string host_, path_;
  std::chrono::milliseconds timeout_;
  CallDeadline deadline_;
};

/// A bank's HTTP answer: 2xx paid; 408, 409, 425, 429 and 5xx transient (with its Retry-After,
/// in seconds or as an HTTP date, capped at a day); any other 4xx a refusal; anything else
/// (1xx, 3xx) unknown, since it does not say the bank did nothing.
PayoutResult classify_bank_answer(int status, const std::string& body, const std::string& retry_after);

/// A transport failure: unknown once the request may have been sent, transient before.
PayoutResult classify_bank_failure(httplib::Error error, bool deadline_passed);

}  // namespace wallet::daemon
