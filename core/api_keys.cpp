#include "core/api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include "core/digest.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/timestamp.hpp"

namespace wallet {
namespace {

constexpr const char* kColumns = "id, name, scope, user_id, created_at, revoked_at";
const std::string kInsert = std::string("INSERT INTO api_keys (id, name, scope, user_id, secret_hash) ") +
                            "VALUES ($1, $2, $3, $4, $5) RETURNING " + kColumns;
const std::string kList = std::string("SELECT ") + kColumns + " FROM api_keys ORDER BY created_at, id";
const std::string kRevoke = std::string("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) ") +
                            "WHERE id = $1 RETURNING " + kColumns;
const std::string kFind = std::string("SELECT ") + kColumns + ", secret_hash FROM api_keys WHERE id = $1";

constexpr std::string_view kPrefix = "wk_";
constexpr std::size_t kIdHex = 32, kRandomHex = 64;

ApiKey key_row(const pg::Result& res, int r) {
  ApiKey k;
  k.id = res.str(r, 0);
  k.name = res.str(r, 1);
  k.scope = parse_api_scope(res.text(r, 2));
  k.user_id = res.opt(r, 3);
  k.created_at = pg_timestamp_to_rfc3339(res.text(r, 4));
  if (!res.is_null(r, 5)) k.revoked_at = pg_timestamp_to_rfc3339(res.text(r, 5));
  return k;
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw DomainError(ErrorCode::kInternal, "random number generator failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0f]);
  }
  return out;
}

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "wk_<32 hex>_<64 hex>" → the key id, dashed as a UUID.
std::optional<std::string> key_id_of(std::string_view secret) {
  if (secret.size() != kPrefix.size() + kIdHex + 1 + kRandomHex || !secret.starts_with(kPrefix)) return std::nullopt;
  const auto id = secret.substr(kPrefix.size(), kIdHex);
  if (secret[kPrefix.size() + kIdHex] != '_' || !all_hex(id) || !all_hex(secret.substr(secret.size() - kRandomHex))) {
    return std::nullopt;
  }
  std::string dashed(id);
  for (std::size_t at : {20, 16, 12, 8}) dashed.insert(at, "-");
  return dashed;
}

void check_name(const std::string& name) {
  const bool printable = std::all_of(name.begin(), name.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
  if (name.empty() || name.size() > 100 || !printable) {
    throw DomainError(ErrorCode::kInvalidInput, "an API key's name must be 1-100 printable characters");
  }
}

}  // namespace

ApiScope parse_api_scope(std::string_view text) {
  if (text == "read") return ApiScope::kRead;
  if (text == "write") return ApiScope::kWrite;
  if (text == "charge") return ApiScope::kCharge;
  if (text == "admin") return ApiScope::kAdmin;
  throw DomainError(ErrorCode::kInvalidInput, "scope must be read, write, charge or admin");
}

const char* api_scope_name(ApiScope scope) {
  switch (scope) {
    case ApiScope::kRead:
      return "read";
    case ApiScope::kWrite:
      return "write";
    case ApiScope::kCharge:
      return "charge";
    case ApiScope::kAdmin:
      return "admin";
  }
  return "read";
}

NewApiKey ApiKeyStore::create(const std::string& name, ApiScope scope, const std::optional<std::string>& user_id) {
  check_name(name);
  if (user_id && scope > ApiScope::kWrite) {
    throw DomainError(ErrorCode::kInvalidInput,
                      "a key bound to a user may hold read or write scope only: charge and admin move money in "
                      "from outside the ledger");
  }
  const auto user = user_id ? std::optional<std::string>(parse_user_id(*user_id)) : std::nullopt;
  const auto id = new_uuid();
  std::string id_hex = id;
  std::erase(id_hex, '-');
  NewApiKey out;
  out.secret = std::string(kPrefix) + id_hex + "_" + random_hex(kRandomHex / 2);
  auto res = conn_.exec(kInsert.c_str(), {id, name, api_scope_name(scope), user, sha256_hex(out.secret)});
  out.key = key_row(res, 0);
  return out;
}

std::vector<ApiKey> ApiKeyStore::list() {
  auto res = conn_.exec(kList.c_str());
  std::vector<ApiKey> out;
  for (int r = 0; r < res.rows(); ++r) out.push_back(key_row(res, r));
  return out;
}

ApiKey ApiKeyStore::revoke(const std::string& id) {
  auto res = conn_.exec(kRevoke.c_str(), {parse_uuid(id, "API key id", ErrorCode::kInvalidInput)});
  if (res.rows() == 0) throw DomainError(ErrorCode::kApiKeyNotFound, "no API key " + id);
  return key_row(res, 0);
}

std::optional<ApiKey> ApiKeyStore::authenticate(std::string_view secret) {
  const auto id = key_id_of(secret);
  if (!id) return std::nullopt;
  auto res = conn_.exec(kFind.c_str(), {*id});
  if (res.rows() == 0) return std::nullopt;
  const auto presented = sha256_hex(secret);
  const auto stored = res.text(0, 6);
  if (stored.size() != presented.size() || CRYPTO_memcmp(stored.data(), presented.data(), presented.size()) != 0) {
    return std::nullopt;
  }
  auto key = key_row(res, 0);
  if (key.revoked_at) return std::nullopt;
  return key;
}

}  // namespace wallet
