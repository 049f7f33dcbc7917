#include "core/history.hpp"

#include <charconv>
#include <limits>

#include "core/digest.hpp"
#include "core/errors.hpp"
#include "core/rows.hpp"
#include "core/wallet_store.hpp"

namespace wallet {
namespace {

// Both queries return: entry id, wallet id, entry amount, balance after, then the transaction.
constexpr int kFirstTransactionColumn = 4;
const std::string kSelectWalletHistory = std::string("SELECT e.id, e.wallet_id, e.amount, e.balance_after, ") +
                                         rows::kTransactionColumns +
                                         " FROM ledger_entries e JOIN transactions t ON t.id = e.transaction_id "
                                         "JOIN wallets w ON w.id = e.wallet_id AND w.kind = 'user' "
                                         "WHERE e.wallet_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3";
// Each of the user's wallets contributes at most one page through its (wallet_id, id) index;
// the merge of those few pages is the user's page.
// Filtered by one metadata pair: the transactions that carry it (the metadata index), then
// their entries in this wallet (the entries' transaction index). PostgreSQL may still walk the
// wallet's entries instead when the pair is too common for the index to pay.
const std::string kSelectWalletHistoryWithPair =
    std::string("SELECT e.id, e.wallet_id, e.amount, e.balance_after, ") + rows::kTransactionColumns +
    " FROM transactions t JOIN ledger_entries e ON e.transaction_id = t.id "
    "JOIN wallets w ON w.id = e.wallet_id AND w.kind = 'user' "
    "WHERE t.metadata @> $4::jsonb AND e.wallet_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3";
const std::string kSelectUserHistoryWithPair =
    std::string("SELECT e.id, e.wallet_id, e.amount, e.balance_after, ") + rows::kTransactionColumns +
    " FROM transactions t JOIN ledger_entries e ON e.transaction_id = t.id "
    "JOIN wallets w ON w.id = e.wallet_id AND w.kind = 'user' "
    "WHERE t.metadata @> $4::jsonb AND w.user_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3";
const std::string kSelectUserHistory =
    std::string("SELECT e.id, e.wallet_id, e.amount, e.balance_after, ") + rows::kTransactionColumns +
    " FROM wallets w CROSS JOIN LATERAL (SELECT * FROM ledger_entries le WHERE le.wallet_id = w.id AND le.id < $2 "
    "ORDER BY le.id DESC LIMIT $3) e JOIN transactions t ON t.id = e.transaction_id "
    "WHERE w.user_id = $1 AND w.kind = 'user' ORDER BY e.id DESC LIMIT $3";
constexpr const char* kUserHasWallets = "SELECT EXISTS (SELECT 1 FROM wallets WHERE user_id = $1 AND kind = 'user')";

// Cursors are signed so that an edited cursor is refused rather than silently followed, with a
// key no client knows (read per page: one small indexed row, and a rotated key takes effect
// at once).
constexpr const char* kSelectCursorKey = "SELECT value FROM ledger_secrets WHERE name = 'history_cursor'";
constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16) |
                   (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8) |
                   static_cast<unsigned char>(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kBase64Url[(n >> k) & 63]);
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
    out.push_back(kBase64Url[(n >> 18) & 63]);
    out.push_back(kBase64Url[(n >> 12) & 63]);
    if (i + 1 < in.size()) out.push_back(kBase64Url[(n >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> unbase64url(std::string_view in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    const auto pos = kBase64Url.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

[[noreturn]] void bad_cursor() {
  throw DomainError(ErrorCode::kInvalidCursor, "cursor is not one this history returned");
}

// Cursors of a user's history live in their own namespace, apart from wallet ids.
std::string user_scope(const std::string& user_id) { return "user/" + user_id; }

// $1 the wallet or user, $2 the entry id the page starts before, $3 one row more than the page
// (which tells whether another follows), $4 the metadata pair as a JSON object to contain.
pg::Params page_params(const std::string& key, std::int64_t before, const HistoryQuery& q) {
  pg::Params params{key, std::to_string(before), std::to_string(q.limit + 1)};
  if (q.pair) params.push_back(metadata_text({{q.pair->first, q.pair->second}}));
  return params;
}

HistoryPage read_page(pg::Connection& conn, const std::string& sql, const std::string& scope, const std::string& key,
                      const HistoryQuery& q) {
  const auto signing = cursor_key(conn);
  const std::int64_t before =
      q.cursor ? decode_cursor(signing, *q.cursor, scope) : std::numeric_limits<std::int64_t>::max();
  const int limit = q.limit;
  auto res = conn.exec(sql.c_str(), page_params(key, before, q));
  HistoryPage page;
  const int shown = std::min(res.rows(), limit);
  for (int r = 0; r < shown; ++r) {
    page.items.push_back(
        {rows::transaction(res, r, kFirstTransactionColumn), res.str(r, 1), Money(res.int64(r, 2)), Money(res.int64(r, 3))});
  }
  if (res.rows() > limit) page.next_cursor = encode_cursor(signing, scope, res.int64(shown - 1, 0));
  return page;
}

}  // namespace

int parse_limit(std::string_view text) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1 || v > kMaxPageLimit) {
    throw DomainError(ErrorCode::kInvalidLimit,
                      "limit must be an integer from 1 to 200, got '" + std::string(text.substr(0, 20)) + "'");
  }
  return v;
}

CursorKey cursor_key(pg::Connection& conn) {
  const auto res = conn.exec(kSelectCursorKey);
  // bytea arrives as text in hex form: "\x" and two digits a byte.
  const auto hex = res.rows() == 1 ? res.text(0, 0) : std::string_view();
  if (hex.size() < 2 + 64 || !hex.starts_with("\\x")) {
    throw DomainError(ErrorCode::kInternal, "the ledger has no history cursor secret: run `walletctl migrate`");
  }
  return CursorKey{std::string(hex.substr(2))};
}

std::string encode_cursor(const CursorKey& key, const std::string& scope, std::int64_t entry_id) {
  const std::string body = scope + ":" + std::to_string(entry_id);
  return base64url(body + hmac_sha256(key.bytes, body).substr(0, 12));
}

std::int64_t decode_cursor(const CursorKey& key, const std::string& cursor, const std::string& scope) {
  if (cursor.size() > 400) bad_cursor();
  const auto raw = unbase64url(cursor);
  if (!raw || raw->size() <= 12) bad_cursor();
  const std::string body = raw->substr(0, raw->size() - 12);
  if (hmac_sha256(key.bytes, body).substr(0, 12) != raw->substr(raw->size() - 12)) bad_cursor();
  // The scope may itself hold colons (user ids are free text); the entry id follows the last.
  const auto colon = body.rfind(':');
  if (colon == std::string::npos || body.substr(0, colon) != scope) bad_cursor();
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(body.data() + colon + 1, body.data() + body.size(), id);
  if (ec != std::errc() || end != body.data() + body.size() || id < 1) bad_cursor();
  return id;
}

HistoryPage wallet_history(pg::Connection& conn, const std::string& wallet_id, const HistoryQuery& q) {
  auto page = read_page(conn, q.pair ? kSelectWalletHistoryWithPair : kSelectWalletHistory, wallet_id, wallet_id, q);
  if (page.items.empty()) WalletStore(conn, 1).get(wallet_id);  // an unknown wallet is a 404, not an empty page
  return page;
}

std::string wallet_history_plan(pg::Connection& conn, const std::string& wallet_id, const HistoryQuery& q) {
  const auto& sql = q.pair ? kSelectWalletHistoryWithPair : kSelectWalletHistory;
  const auto res =
      conn.exec(("EXPLAIN " + sql).c_str(), page_params(wallet_id, std::numeric_limits<std::int64_t>::max(), q));
  std::string plan;
  for (int r = 0; r < res.rows(); ++r) plan += res.str(r, 0) + "\n";
  return plan;
}

HistoryPage user_history(pg::Connection& conn, const std::string& user_id, const HistoryQuery& q) {
  auto page = read_page(conn, q.pair ? kSelectUserHistoryWithPair : kSelectUserHistory, user_scope(user_id), user_id, q);
  if (page.items.empty() && !conn.exec(kUserHasWallets, {user_id}).boolean(0, 0)) {
    throw DomainError(ErrorCode::kWalletNotFound, "user '" + user_id + "' has no wallet");
  }
  return page;
}

}  // namespace wallet
