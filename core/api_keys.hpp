// API keys: who may call the HTTP API and how far. A secret is shown once, when its key is
// made; only its SHA-256 is stored, and checking one compares hashes in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/pg/connection.hpp"

namespace wallet {

/// read may GET; write may also create wallets, transfer and withdraw; charge may also charge
/// (money in from outside); admin may do everything. A key bound to a user holds read or write.
enum class ApiScope { kRead = 0, kWrite = 1, kCharge = 2, kAdmin = 3 };

/// Throws DomainError(kInvalidInput) for anything but read, write, charge or admin.
ApiScope parse_api_scope(std::string_view text);
const char* api_scope_name(ApiScope scope);

struct ApiKey {
  std::string id, name;
  ApiScope scope = ApiScope::kRead;
  std::optional<std::string> user_id;  // bound to this user's resources only
  std::string created_at;
  std::optional<std::string> revoked_at;
};

struct NewApiKey {
  ApiKey key;
  std::string secret;  // "wk_" + the key id's 32 hex digits + "_" + 64 random hex digits
};

class ApiKeyStore {
 public:
  explicit ApiKeyStore(pg::Connection& conn) : conn_(conn) {}

  /// Throws DomainError(kInvalidInput) for a name outside 1-100 printable characters or a key
  /// bound to a user with a scope above write, and the user id's own error for a bad user id.
  NewApiKey create(const std::string& name, ApiScope scope, const std::optional<std::string>& user_id);
  std::vector<ApiKey> list();
  /// Throws DomainError(kApiKeyNotFound). Revoking a revoked key changes nothing.
  ApiKey revoke(const std::string& id);
  /// The live key a secret belongs to; none when the secret is malformed, unknown or revoked.
  std::optional<ApiKey> authenticate(std::string_view secret);

 private:
  pg::Connection& conn_;
};

}  // namespace wallet
