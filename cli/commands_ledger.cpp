#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/balance_at.hpp"
#include "core/currency.hpp"
#include "core/errors.hpp"
#include "core/history.hpp"
#include "core/ids.hpp"
#include "core/ledger.hpp"
#include "core/wallet_store.hpp"

namespace wallet::cli {
namespace {

// Options shared by the commands that move money.
struct MoveArgs {
  // The positionals as named in --help; with --user the amount comes first, so it lands in
  // `wallet` and positional() reads them in order whatever their names.
  std::optional<std::string> wallet, to, amount;
  std::optional<std::string> user, currency, key, reference, release_at, expires_at;
  std::vector<std::string> metadata;  // KEY=VALUE pairs
  bool pending = false;

  std::vector<std::string> positional() const {
    std::vector<std::string> out;
    for (const auto* p : {&wallet, &to, &amount}) {
      if (*p) out.push_back(**p);
    }
    return out;
  }
};

[[noreturn]] void usage(const std::string& message) { throw DomainError(ErrorCode::kInvalidInput, message); }

// charge, withdraw: WALLET AMOUNT, or AMOUNT alone with --user.
void add_wallet_and_amount(CLI::App* cmd, MoveArgs& a) {
  cmd->add_option("wallet", a.wallet, "Wallet id (left out with --user)");
  cmd->add_option("amount", a.amount, "Minor units (1250 is 12.50)");
}

void add_move_options(CLI::App* cmd, MoveArgs& a, bool by_user) {
  if (by_user) {
    cmd->add_option("--user", a.user, "The user's wallet in --currency (or the default currency)");
  }
  cmd->add_option("--currency", a.currency, "Currency (ISO 4217); checked against the wallet");
  cmd->add_option("--key", a.key, "Idempotency key: the same key and request apply once");
  cmd->add_option("--reference", a.reference, "Free text kept with the transaction");
  add_metadata_option(cmd, a.metadata);
}

// Fills the fields every money-moving command shares and validates them.
Operation base_operation(Context& ctx, OperationKind kind, const MoveArgs& a, std::size_t wallets) {
  Operation op;
  op.kind = kind;
  const std::size_t expected = wallets + 1 - (a.user ? 1 : 0);
  const auto positional = a.positional();
  if (positional.size() != expected) {
    usage(std::string("expected ") +
          (a.user         ? "AMOUNT"
           : wallets == 2 ? "FROM TO AMOUNT"
                          : "WALLET AMOUNT") +
          ", got " + std::to_string(positional.size()) + " argument(s)");
  }
  std::size_t next = 0;
  if (a.user) {
    op.wallet.user_id = parse_user_id(*a.user);
  } else {
    op.wallet.wallet_id = parse_uuid(positional[next++], wallets == 2 ? "FROM wallet id" : "wallet id");
  }
  if (wallets == 2) op.to_wallet_id = parse_uuid(positional[next++], "TO wallet id");
  op.amount = parse_amount(positional[next], ctx.settings().ledger.max_amount);
  if (a.currency) op.currency = parse_currency(*a.currency);
  if (a.key) op.idempotency_key = parse_idempotency_key(*a.key);
  if (a.reference) op.reference = parse_reference(*a.reference);
  op.metadata = parse_metadata_options(a.metadata);
  return op;
}

void add_create(CLI::App& app, Context& ctx, Action& action) {
  struct Args {
    std::string user;
    std::optional<std::string> currency;
    std::vector<std::string> metadata;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("create", "Create a user's wallet");
  example(cmd, {"walletctl create --user alice --currency EUR"});
  cmd->add_option("--user", a->user, "User id (1-128 characters)")->required();
  cmd->add_option("--currency", a->currency, "ISO 4217 code (default: ledger.default_currency)");
  add_metadata_option(cmd, a->metadata);
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      const auto user = parse_user_id(a->user);
      const auto currency = parse_currency(a->currency.value_or(ctx.settings().ledger.default_currency));
      const auto& s = ctx.settings();
      print_wallet(ctx, WalletStore(ctx.db(), static_cast<int>(s.database.max_retries)).create(user, currency, parse_metadata_options(a->metadata)));
      return 0;
    };
  });
}

void add_balance(CLI::App& app, Context& ctx, Action& action) {
  struct Args {
    std::optional<std::string> wallet, user, currency, at;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("balance", "Show a wallet's balance, available and held amounts");
  example(cmd, {"walletctl balance 0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b", "walletctl balance --user alice --at 2026-12-01T00:00:00Z"});
  cmd->add_option("wallet", a->wallet, "Wallet id");
  cmd->add_option("--user", a->user, "Show this user's wallet instead");
  cmd->add_option("--currency", a->currency, "With --user: which currency (default: ledger.default_currency)");
  cmd->add_option("--at", a->at, "As it was at this past RFC 3339 time");
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      if (a->wallet.has_value() == a->user.has_value()) usage("give either WALLET or --user");
      const auto at = a->at ? std::optional(parse_rfc3339(*a->at, ErrorCode::kInvalidAt)) : std::nullopt;
      WalletStore store(ctx.db(), 1);
      const auto currency = parse_currency(a->currency.value_or(ctx.settings().ledger.default_currency));
      const auto wallet = a->wallet ? store.get(parse_uuid(*a->wallet)) : store.get_by_user(parse_user_id(*a->user), currency);
      if (at) {
        print_balance_at(ctx, balance_at(ctx.db(), wallet.id, *at));
      } else {
        print_wallet(ctx, wallet);
      }
      return 0;
    };
  });
}

void add_charge(CLI::App& app, Context& ctx, Action& action) {
  auto a = std::make_shared<MoveArgs>();
  auto* cmd = app.add_subcommand("charge", "Add money to a wallet (from the funding account)");
  add_wallet_and_amount(cmd, *a);
  example(cmd, {"walletctl charge 0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b 1250 --key order-17",
                "walletctl charge --user alice 1250"});
  add_move_options(cmd, *a, true);
  cmd->add_option("--release-at", a->release_at, "Hold the funds until this RFC 3339 time");
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      auto op = base_operation(ctx, OperationKind::kCharge, *a, 1);
      if (a->release_at) op.release_at = parse_rfc3339(*a->release_at);
      return run_operation(ctx, op);
    };
  });
}

void add_withdraw(CLI::App& app, Context& ctx, Action& action) {
  auto a = std::make_shared<MoveArgs>();
  auto* cmd = app.add_subcommand("withdraw", "Request a payout from a wallet (settled by the worker pool)");
  add_wallet_and_amount(cmd, *a);
  example(cmd, {"walletctl withdraw 0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b 500 --key payout-9"});
  add_move_options(cmd, *a, true);
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] { return run_operation(ctx, base_operation(ctx, OperationKind::kWithdrawal, *a, 1)); };
  });
}

void add_transfer(CLI::App& app, Context& ctx, Action& action) {
  auto a = std::make_shared<MoveArgs>();
  auto* cmd = app.add_subcommand("transfer", "Move money between two wallets of one currency");
  cmd->add_option("from", a->wallet, "Wallet id the money leaves")->required();
  cmd->add_option("to", a->to, "Wallet id it goes to")->required();
  cmd->add_option("amount", a->amount, "Minor units (1250 is 12.50)")->required();
  example(cmd, {"walletctl transfer FROM_WALLET TO_WALLET 1250 --key invoice-42",
                "walletctl transfer FROM_WALLET TO_WALLET 1250 --pending --expires-at 2026-12-31T00:00:00Z"});
  add_move_options(cmd, *a, false);
  cmd->add_flag("--pending", a->pending, "Only authorise: reserve the amount, to capture or void later");
  cmd->add_option("--expires-at", a->expires_at,
                  "With --pending: voided as expired unless captured by this RFC 3339 time "
                  "(default: now + ledger.pending_timeout_seconds)");
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      if (a->expires_at && !a->pending) usage("--expires-at needs --pending");
      auto op = base_operation(ctx, a->pending ? OperationKind::kPendingTransfer : OperationKind::kTransfer, *a, 2);
      if (a->expires_at) op.expires_at = parse_rfc3339(*a->expires_at, ErrorCode::kInvalidExpiresAt);
      return run_operation(ctx, op);
    };
  });
}

void add_history(CLI::App& app, Context& ctx, Action& action) {
  struct Args {
    std::string wallet;
    std::string limit = std::to_string(kDefaultPageLimit);
    std::optional<std::string> cursor, pair;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("history", "List a wallet's transactions, newest first");
  example(cmd, {"walletctl history 0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b --limit 20", "walletctl history 0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b --metadata order_id=A17"});
  cmd->add_option("wallet", a->wallet, "Wallet id")->required();
  cmd->add_option("--limit", a->limit, "Page size, 1-200 (default 50)");
  cmd->add_option("--cursor", a->cursor, "Continue after a previous page");
  cmd->add_option("--metadata", a->pair, "Only transactions whose metadata holds this KEY=VALUE");
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      HistoryQuery query{parse_limit(a->limit), a->cursor, std::nullopt};
      if (a->pair) query.pair = parse_metadata_pair(*a->pair);
      print_history(ctx, wallet_history(ctx.db(), parse_uuid(a->wallet), query));
      return 0;
    };
  });
}

}  // namespace

void example(CLI::App* cmd, std::initializer_list<const char*> lines) {
  std::string text = "Example" + std::string(lines.size() > 1 ? "s" : "") + ":";
  for (const char* line : lines) text += std::string("\n  ") + line;
  cmd->footer(text);
}

void add_metadata_option(CLI::App* cmd, std::vector<std::string>& pairs) {
  cmd->add_option("--metadata", pairs, "KEY=VALUE kept with what it records (repeat for more pairs)");
}

Metadata parse_metadata_options(const std::vector<std::string>& pairs) {
  Metadata out;
  for (const auto& text : pairs) {
    auto [key, value] = parse_metadata_pair(text);
    if (!out.emplace(key, std::move(value)).second) {
      throw DomainError(ErrorCode::kInvalidMetadata, "metadata: key '" + key + "' given twice");
    }
  }
  check_metadata(out);
  return out;
}

int run_operation(Context& ctx, const Operation& op) {
  const auto result = Ledger(ctx.db(), ctx.settings(), ctx.cache()).apply_one(op);
  if (result.replayed) {
    std::cerr << "walletctl: idempotency key '" << *op.idempotency_key
              << "' was already used for this request; showing the original result\n";
  }
  if (result.withdrawal) {
    print_withdrawal(ctx, *result.withdrawal);
  } else if (result.transfer) {
    print_transfer(ctx, *result.transfer);
  } else {
    print_transaction(ctx, *result.transaction);
  }
  return 0;
}

void add_ledger_commands(CLI::App& app, Context& ctx, Action& action) {
  add_create(app, ctx, action);
  add_balance(app, ctx, action);
  add_charge(app, ctx, action);
  add_withdraw(app, ctx, action);
  add_transfer(app, ctx, action);
  add_history(app, ctx, action);
}

}  // namespace wallet::cli
