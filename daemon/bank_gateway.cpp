#include "daemon/bank_gateway.hpp"

#include "daemon/http_target.hpp"

#include <nlohmann/json.hpp>

namespace wallet::daemon {
namespace {

// The bank's words become a failure_reason: printable ASCII only, whatever it sent.
std::string printable(const std::string& text) {
  std::string out = text.substr(0, 200);
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

}  // namespace

BankGateway::BankGateway(const std::string& url, const std::string& ca_file, std::int64_t timeout_ms) {
  const auto target = split_http_url(url);
  path_ = target.path;
  client_ = std::make_unique<httplib::Client>(target.origin);
  const auto seconds = static_cast<time_t>(timeout_ms / 1000);
  const auto micros = static_cast<time_t>((timeout_ms % 1000) * 1000);
  client_->set_connection_timeout(seconds, micros);
  client_->set_read_timeout(seconds, micros);
  client_->set_write_timeout(seconds, micros);
  client_->set_keep_alive(true);
  if (url.starts_with("https://")) {
    client_->enable_server_certificate_verification(true);
    if (!ca_file.empty()) client_->set_ca_cert_path(ca_file.c_str());
  }
}

PayoutResult BankGateway::pay(const PayoutRequest& r) {
  const nlohmann::json body = {
      {"withdrawal_id", r.withdrawal_id}, {"wallet_id", r.wallet_id}, {"amount", r.amount}, {"currency", r.currency}};
  const auto res = client_->Post(path_, {{"Idempotency-Key", r.withdrawal_id}}, body.dump(), "application/json");
  if (!res) {
    // Failing to connect means the bank never saw the request; anything later (a read timeout,
    // a reset) leaves open whether it paid.
    const auto e = res.error();
    const bool not_sent = e == httplib::Error::Connection || e == httplib::Error::ConnectionTimeout ||
                          e == httplib::Error::SSLConnection || e == httplib::Error::SSLServerVerification ||
                          e == httplib::Error::BindIPAddress;
    return {not_sent ? PayoutStatus::kTransient : PayoutStatus::kUnknown,
            std::string(not_sent ? "bank unreachable: " : "no answer from the bank: ") + httplib::to_string(e)};
  }
  const int status = res->status;
  const std::string answer = "bank answered " + std::to_string(status);
  if (status >= 200 && status < 300) return {PayoutStatus::kPaid, ""};
  if (status >= 400 && status < 500) {
    return {PayoutStatus::kRefused, answer + (res->body.empty() ? "" : ": " + printable(res->body))};
  }
  // An idempotent bank answers a key it already paid with its original success, so a 5xx
  // says this call did nothing.
  return {PayoutStatus::kTransient, answer};
}

}  // namespace wallet::daemon
