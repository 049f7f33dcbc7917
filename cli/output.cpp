#include "cli/output.hpp"

#include <iostream>
#include <utility>
#include <vector>

#include "core/json_codec.hpp"
#include "core/money.hpp"

namespace wallet::cli {
namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

void print_rows(const Rows& rows) {
  std::size_t width = 0;
  for (const auto& [label, value] : rows) width = std::max(width, label.size());
  for (const auto& [label, value] : rows) {
    std::cout << label << std::string(width - label.size() + 2, ' ') << value << '\n';
  }
}

std::string amount(Money m, const std::string& currency) {
  return std::to_string(m.minor()) + "  (" + format_major(m, currency) + ")";
}

std::string or_dash(const std::optional<std::string>& v) { return v ? *v : "-"; }

}  // namespace

void print_json(const nlohmann::json& j) { std::cout << j.dump() << '\n'; }

void print_wallet(Context& ctx, const Wallet& w) {
  if (ctx.json()) return print_json(to_json(w));
  print_rows({{"wallet", w.id},
              {"user", w.user_id},
              {"currency", w.currency},
              {"balance", amount(w.balance, w.currency)},
              {"available", amount(w.available(), w.currency)},
              {"held", amount(w.held, w.currency)},
              {"pending out", amount(w.pending_out, w.currency)},
              {"pending in", amount(w.pending_in, w.currency)},
              {"metadata", metadata_text(w.metadata)},
              {"overdraft limit", amount(w.overdraft_limit, w.currency)},
              {"frozen", w.frozen_at ? "since " + *w.frozen_at + ": " + w.frozen_reason.value_or("") : "no"},
              {"created", w.created_at},
              {"updated", w.updated_at}});
}

void print_balance_at(Context& ctx, const BalanceAt& b) {
  if (ctx.json()) return print_json(to_json(b));
  print_rows({{"wallet", b.wallet_id},
              {"user", b.user_id},
              {"at", b.at},
              {"balance", amount(b.balance, b.currency)},
              {"available", amount(b.available(), b.currency)},
              {"held", amount(b.held, b.currency)},
              {"pending out", amount(b.pending_out, b.currency)},
              {"pending in", amount(b.pending_in, b.currency)}});
}

void print_transaction(Context& ctx, const Transaction& t) {
  if (ctx.json()) return print_json(to_json(t));
  Rows rows{{"transaction", t.id},
            {"kind", std::string(name(t.kind))},
            {"status", std::string(name(t.status))},
            {"amount", amount(t.amount, t.currency)},
            {"from", t.source_wallet_id},
            {"to", t.destination_wallet_id},
            {"key", or_dash(t.idempotency_key)},
            {"reference", or_dash(t.reference)},
            {"release_at", or_dash(t.release_at)}};
  // Rows of the links only some kinds have.
  if (t.reverses) rows.emplace_back("reverses", *t.reverses);
  if (t.reason) rows.emplace_back("reason", *t.reason);
  if (t.pending_transfer_id) rows.emplace_back("pending transfer", *t.pending_transfer_id);
  if (t.reversed_amount > Money(0)) rows.emplace_back("reversed", amount(t.reversed_amount, t.currency));
  rows.emplace_back("metadata", metadata_text(t.metadata));
  rows.emplace_back("created", t.created_at);
  print_rows(rows);
}

void print_transfer(Context& ctx, const PendingTransfer& t) {
  if (ctx.json()) return print_json(to_json(t));
  print_rows({{"transfer", t.id},
              {"state", std::string(name(t.state))},
              {"amount", amount(t.amount, t.currency)},
              {"pending", amount(t.pending_amount(), t.currency)},
              {"captured", amount(t.captured_amount, t.currency)},
              {"released", amount(t.released_amount, t.currency)},
              {"from", t.source_wallet_id},
              {"to", t.destination_wallet_id},
              {"capture", or_dash(t.capture_transaction_id)},
              {"key", or_dash(t.idempotency_key)},
              {"reference", or_dash(t.reference)},
              {"expires", t.expires_at},
              {"metadata", metadata_text(t.metadata)},
              {"close metadata", metadata_text(t.close_metadata)},
              {"created", t.created_at},
              {"closed", or_dash(t.closed_at)}});
}

void print_withdrawal(Context& ctx, const Withdrawal& w) {
  if (ctx.json()) return print_json(to_json(w));
  print_rows({{"withdrawal", w.id},
              {"wallet", w.wallet_id},
              {"amount", amount(w.amount, w.currency)},
              {"status", std::string(name(w.status))},
              {"attempts", std::to_string(w.attempts)},
              {"failure", or_dash(w.failure_reason)},
              {"possibly paid", w.possibly_paid ? "yes" : "no"},
              {"resolution", w.resolution ? std::string(name(*w.resolution)) + " at " + w.resolved_at.value_or("") : "-"},
              {"transaction", w.transaction_id},
              {"metadata", metadata_text(w.metadata)},
              {"created", w.created_at},
              {"updated", w.updated_at}});
}

void print_withdrawals(Context& ctx, const std::vector<Withdrawal>& list) {
  if (ctx.json()) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& w : list) items.push_back(to_json(w));
    return print_json({{"items", items}});
  }
  if (list.empty()) std::cout << "(no withdrawals)\n";
  for (const auto& w : list) {
    std::cout << w.id << "  " << name(w.status) << "  " << amount(w.amount, w.currency) << "  attempts " << w.attempts
              << "  wallet " << w.wallet_id << "  " << w.created_at;
    if (w.failure_reason) std::cout << "  (" << *w.failure_reason << ")";
    std::cout << '\n';
  }
}

void print_outbox_status(Context& ctx, const OutboxStatus& s) {
  if (ctx.json()) {
    return print_json({{"unpublished", s.unpublished},
                       {"returned", s.returned},
                       {"oldest_unpublished_seconds", s.oldest_unpublished_seconds},
                       {"last_published_at", s.last_published_at ? nlohmann::json(*s.last_published_at) : nullptr}});
  }
  print_rows({{"unpublished", std::to_string(s.unpublished)},
              {"returned (no queue)", std::to_string(s.returned)},
              {"oldest unpublished", std::to_string(static_cast<std::int64_t>(s.oldest_unpublished_seconds)) + " s"},
              {"last published", or_dash(s.last_published_at)}});
}

void print_history(Context& ctx, const HistoryPage& page) {
  if (ctx.json()) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& item : page.items) items.push_back(to_json(item));
    return print_json(
        {{"items", items},
         {"next_cursor", page.next_cursor ? nlohmann::json(*page.next_cursor) : nlohmann::json(nullptr)}});
  }
  std::cout << "created                      kind        change                   balance after  transaction\n";
  for (const auto& item : page.items) {
    const auto& t = item.transaction;
    std::string change = format_major(item.entry_amount, t.currency);
    if (item.entry_amount > Money(0)) change = "+" + change;
    std::string balance = format_major(item.balance_after, t.currency);
    const auto kind = name(t.kind);
    std::cout << t.created_at << std::string(t.created_at.size() < 29 ? 29 - t.created_at.size() : 1, ' ') << kind
              << std::string(kind.size() < 12 ? 12 - kind.size() : 1, ' ') << change
              << std::string(change.size() < 25 ? 25 - change.size() : 1, ' ') << balance
              << std::string(balance.size() < 15 ? 15 - balance.size() : 1, ' ') << t.id;
    if (!t.metadata.empty()) std::cout << "  " << metadata_text(t.metadata);
    std::cout << '\n';
  }
  if (page.next_cursor) std::cout << "more: --cursor " << *page.next_cursor << '\n';
}

void print_audit(Context& ctx, const AuditReport& report) {
  if (ctx.json()) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : report.checks) {
      checks.push_back({{"name", c.name},
                        {"description", c.description},
                        {"passed", c.passed()},
                        {"violations", c.violations},
                        {"examples", c.examples}});
    }
    return print_json({{"passed", report.passed()}, {"checks", checks}});
  }
  for (const auto& c : report.checks) {
    std::cout << (c.passed() ? "ok    " : "FAIL  ") << c.name
              << std::string(30 - std::min<std::size_t>(c.name.size(), 29), ' ') << c.description;
    if (!c.passed()) {
      std::cout << "\n      " << c.violations << " violation(s), e.g.";
      for (const auto& e : c.examples) std::cout << ' ' << e;
    }
    std::cout << '\n';
  }
  std::cout << (report.passed() ? "audit passed\n" : "audit FAILED\n");
}

void print_migrations(Context& ctx, const std::vector<MigrationStatus>& status) {
  if (ctx.json()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : status) {
      out.push_back({{"version", m.version},
                     {"name", m.name},
                     {"applied", m.applied},
                     {"applied_at", m.applied ? nlohmann::json(m.applied_at) : nlohmann::json(nullptr)}});
    }
    return print_json(out);
  }
  for (const auto& m : status) {
    std::cout << (m.applied ? "applied  " : "pending  ") << m.name << (m.applied ? "  " + m.applied_at : std::string())
              << '\n';
  }
}

void print_settings(Context& ctx, const LoadedSettings& loaded) {
  if (ctx.json()) {
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& v : loaded.views) settings[v.key] = {{"value", v.value}, {"source", v.source}};
    return print_json({{"file", loaded.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(loaded.file)},
                       {"settings", settings}});
  }
  Rows rows;
  for (const auto& v : loaded.views) rows.emplace_back(v.key, v.value + "    (" + v.source + ")");
  print_rows(rows);
}

namespace {

nlohmann::json api_key_json(const ApiKey& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"scope", api_scope_name(k.scope)},
          {"user_id", k.user_id ? nlohmann::json(*k.user_id) : nlohmann::json(nullptr)},
          {"created_at", k.created_at},
          {"revoked_at", k.revoked_at ? nlohmann::json(*k.revoked_at) : nlohmann::json(nullptr)}};
}

}  // namespace

void print_new_api_key(Context& ctx, const NewApiKey& made) {
  std::cerr << "walletctl: store the secret now; it is not shown again (only its hash is kept)\n";
  if (ctx.json()) {
    auto j = api_key_json(made.key);
    j["secret"] = made.secret;
    return print_json(j);
  }
  print_rows({{"api key", made.key.id},
              {"name", made.key.name},
              {"scope", api_scope_name(made.key.scope)},
              {"user", or_dash(made.key.user_id)},
              {"secret", made.secret}});
}

void print_api_keys(Context& ctx, const std::vector<ApiKey>& keys) {
  if (ctx.json()) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& k : keys) items.push_back(api_key_json(k));
    return print_json({{"items", items}});
  }
  if (keys.empty()) std::cout << "(no API keys)\n";
  for (const auto& k : keys) {
    std::cout << k.id << "  " << api_scope_name(k.scope) << "  " << k.name << "  user " << or_dash(k.user_id)
              << "  created " << k.created_at;
    if (k.revoked_at) std::cout << "  revoked " << *k.revoked_at;
    std::cout << '\n';
  }
}

}  // namespace wallet::cli
