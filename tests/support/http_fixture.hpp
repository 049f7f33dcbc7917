// A fresh database with a real `walletctl serve` on it, and shorthands for talking JSON to it.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {

struct HttpReply {
  int status = 0;  // 0: no response (connection error)
  nlohmann::json body;
  std::string text;
  httplib::Headers headers;
  std::string header(const char* name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

inline HttpReply to_reply(const httplib::Result& r) {
  HttpReply out;
  if (!r) return out;
  out.status = r->status;
  out.text = r->body;
  out.headers = r->headers;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

class HttpFixture : public ::testing::Test {
 protected:
  /// The withdrawal pool is off unless a test turns it on, so API tests see withdrawals stay
  /// pending.
  explicit HttpFixture(std::vector<std::string> settings = {})
      : server_(db_.url(), with_pool_off(std::move(settings))), http_(server_.client()) {}

  static std::vector<std::string> with_pool_off(std::vector<std::string> settings) {
    settings.insert(settings.begin(), "withdrawals.enabled=false");
    return settings;
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "--- server log ---\n" << server_.log().substr(0, 20000) << '\n';
  }

  HttpReply get(const std::string& path, const httplib::Headers& headers = {}) {
    return to_reply(http_->Get(path, headers));
  }
  HttpReply post(const std::string& path, const nlohmann::json& body, const httplib::Headers& headers = {}) {
    return to_reply(http_->Post(path, headers, body.dump(), "application/json"));
  }
  HttpReply patch(const std::string& path, const nlohmann::json& body, const httplib::Headers& headers = {}) {
    return to_reply(http_->Patch(path, headers, body.dump(), "application/json"));
  }
  std::string create_wallet(const std::string& user, const std::string& currency = "USD") {
    const auto r = post("/wallets", {{"user_id", user}, {"currency", currency}});
    EXPECT_EQ(r.status, 201) << r.text;
    return r.body.value("id", "");
  }
  std::string funded_wallet(const std::string& user, std::int64_t amount) {
    const auto id = create_wallet(user);
    const auto r = post("/charge", {{"wallet_id", id}, {"amount", amount}});
    EXPECT_EQ(r.status, 201) << r.text;
    return id;
  }
  std::int64_t balance(const std::string& wallet_id) { return get("/wallets/" + wallet_id).body.value("balance", -1); }
  /// The value of one series of /metrics, e.g. `walletctl_cache_lookups_total{result="hit"}`;
  /// -1 when absent.
  double metric(const std::string& series) {
    const auto text = get("/metrics").text;
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
  }
  /// The balance as the CLI reads it: for when the server is gone.
  std::int64_t balance_via_cli(const std::string& wallet_id) {
    const auto r =
        run_process({walletctl_path(), "--output", "json", "balance", wallet_id}, {{"DATABASE_URL", db_.url()}});
    return nlohmann::json::parse(r.out, nullptr, false).value("balance", -1);
  }

  TestDatabase db_;
  ServerProcess server_;
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace wallet::testing
