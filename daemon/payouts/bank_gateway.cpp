#include "daemon/payouts/bank_gateway.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "daemon/http_target.hpp"

namespace wallet::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::int64_t kMaxRetryAfterSeconds = 86'400;

// The bank's words become a failure_reason: printable ASCII only, whatever it sent.
std::string printable(const std::string& text) {
  std::string out = text.substr(0, 200);
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

// The host of "scheme://host[:port]", without the brackets of an IPv6 literal.
std::string host_of(const std::string& origin) {
  const auto start = origin.find("://") + 3;
  if (origin.compare(start, 1, "[") == 0) return origin.substr(start + 1, origin.find(']', start) - start - 1);
  const auto colon = origin.find(':', start);
  return origin.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
}

bool is_numeric_address(const std::string& host) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* found = nullptr;
  const bool numeric = getaddrinfo(host.c_str(), nullptr, &hints, &found) == 0;
  if (found) freeaddrinfo(found);
  return numeric;
}

std::optional<milliseconds> parse_retry_after(const std::string& value) {
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) {
    return milliseconds(std::min(seconds, kMaxRetryAfterSeconds) * 1000);
  }
  std::tm tm{};
  const char* rest = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!rest || *rest != '\0') return std::nullopt;
  const auto wait = static_cast<std::int64_t>(timegm(&tm)) - static_cast<std::int64_t>(std::time(nullptr));
  return milliseconds(std::clamp<std::int64_t>(wait, 0, kMaxRetryAfterSeconds) * 1000);
}

void set_timeouts(httplib::Client& client, milliseconds budget) {
  const auto seconds = static_cast<time_t>(budget.count() / 1000);
  const auto micros = static_cast<time_t>((budget.count() % 1000) * 1000);
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
}

}  // namespace

PayoutResult classify_bank_answer(int status, const std::string& body, const std::string& retry_after) {
  const std::string answer = "bank answered " + std::to_string(status);
  if (status >= 200 && status < 300) return {PayoutStatus::kPaid, "", std::nullopt, true};
  const bool transient =
      status == 408 || status == 409 || status == 425 || status == 429 || (status >= 500 && status < 600);
  // An idempotent bank answers a key it already paid with its original success, so these say
  // this call did nothing.
  if (transient) return {PayoutStatus::kTransient, answer, parse_retry_after(retry_after), true};
  if (status >= 400 && status < 500) {
    return {PayoutStatus::kRefused, answer + (body.empty() ? "" : ": " + printable(body)), std::nullopt, true};
  }
  return {PayoutStatus::kUnknown, answer + ", which does not say whether it paid", std::nullopt, true};
}

PayoutResult classify_bank_failure(httplib::Error error, bool deadline_passed) {
  // Failing to connect or to set up TLS means the bank never saw the request; anything later
  // (a read timeout, a reset, the deadline) leaves open whether it paid.
  const bool not_sent = error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout ||
                        error == httplib::Error::SSLConnection || error == httplib::Error::SSLServerVerification ||
                        error == httplib::Error::BindIPAddress || error == httplib::Error::SSLLoadingCerts;
  if (not_sent)
    return {PayoutStatus::kTransient, "bank unreachable: " + httplib::to_string(error), std::nullopt, false};
  return {
      PayoutStatus::kUnknown,
      std::string(deadline_passed ? "no answer from the bank by the call's deadline: " : "no answer from the bank: ") +
          httplib::to_string(error),
      std::nullopt, true};
}

BankGateway::BankGateway(const std::string& url, const std::string& ca_file, std::int64_t timeout_ms)
    : timeout_(timeout_ms), deadline_([this] { client_->stop(); }) {
  const auto target = split_http_url(url);
  path_ = target.path;
  host_ = host_of(target.origin);
  client_ = std::make_unique<httplib::Client>(target.origin);
  // A fresh connection per call: on a reused one that the bank closed while idle, the request
  // fails after "sending", which would read as an outcome unknown (the bank may have paid).
  // With its own connection, a call either fails to connect (the bank never saw it) or its
  // outcome really is unknown.
  client_->set_keep_alive(false);
  if (url.starts_with("https://")) {
    client_->enable_server_certificate_verification(true);
    if (!ca_file.empty()) client_->set_ca_cert_path(ca_file.c_str());
  }
  if (is_numeric_address(host_)) host_.clear();  // nothing to look up
}

// The bank's address, looked up within the deadline (getaddrinfo alone can block for long);
// none when the lookup failed or did not finish in time.
std::optional<std::string> BankGateway::resolve(Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  gaicb request{};
  request.ar_name = host_.c_str();
  request.ar_request = &hints;
  gaicb* list[] = {&request};
  if (getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr) != 0) return std::nullopt;
  const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
  timespec wait{static_cast<time_t>(std::max<std::int64_t>(0, left.count()) / 1'000'000'000),
                static_cast<long>(std::max<std::int64_t>(0, left.count()) % 1'000'000'000)};
  gai_suspend(list, 1, &wait);
  if (gai_error(&request) == EAI_INPROGRESS) {
    gai_cancel(&request);
    while (gai_error(&request) == EAI_INPROGRESS) gai_suspend(list, 1, nullptr);  // it must end before `request` goes
  }
  std::optional<std::string> address;
  if (gai_error(&request) == 0 && request.ar_result) {
    char text[INET6_ADDRSTRLEN] = {};
    const auto* a = request.ar_result;
    const void* raw = a->ai_family == AF_INET6
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    if (inet_ntop(a->ai_family, raw, text, sizeof text)) address = text;
  }
  if (request.ar_result) freeaddrinfo(request.ar_result);
  return address;
}

PayoutResult BankGateway::pay(const PayoutRequest& r) {
  const auto deadline = std::min(Clock::now() + timeout_, r.deadline);
  if (Clock::now() >= deadline) {
    return {PayoutStatus::kTransient, "no time left in the claim to call the bank", std::nullopt, false};
  }
  if (!host_.empty()) {
    auto address = resolve(deadline);
    if (!address) {
      return {PayoutStatus::kTransient, "bank unreachable: cannot resolve " + printable(host_), std::nullopt, false};
    }
    client_->set_hostname_addr_map({{host_, *address}});
  }
  set_timeouts(*client_, std::chrono::duration_cast<milliseconds>(deadline - Clock::now()) + milliseconds(1));
  const nlohmann::json body = {
      {"withdrawal_id", r.withdrawal_id}, {"wallet_id", r.wallet_id}, {"amount", r.amount.minor()}, {"currency", r.currency}};
  deadline_.arm(deadline);
  const auto res = client_->Post(path_, {{"Idempotency-Key", r.withdrawal_id}}, body.dump(), "application/json");
  const bool deadline_passed = deadline_.disarm();
  if (!res) return classify_bank_failure(res.error(), deadline_passed);
  return classify_bank_answer(res->status, res->body, res->get_header_value("Retry-After"));
}

}  // namespace wallet::daemon
