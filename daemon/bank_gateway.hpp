// The http payout gateway: a bank reached over HTTP(S). One instance per worker thread.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "core/payout_gateway.hpp"

namespace wallet::daemon {

/// POSTs {withdrawal_id, wallet_id, amount, currency} to the bank URL with the header
/// Idempotency-Key: <withdrawal id>, so a retried payout is never paid twice. 2xx is paid, 4xx a
/// definite refusal, anything else (5xx, timeout, no connection) transient.
class BankGateway : public PayoutGateway {
 public:
  BankGateway(const std::string& url, const std::string& ca_file, std::int64_t timeout_ms);
  PayoutResult pay(const PayoutRequest& request) override;

 private:
  std::unique_ptr<httplib::Client> client_;
  std::string path_;
};

}  // namespace wallet::daemon
