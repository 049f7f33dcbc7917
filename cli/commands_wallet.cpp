// walletctl wallet freeze|unfreeze|set-limit: an operator's controls on a wallet itself.
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/wallet_controls.hpp"

namespace wallet::cli {
namespace {

struct ControlArgs {
  std::string wallet, reason;
};

void add_control(CLI::App& parent, Context& ctx, Action& action, bool freeze) {
  auto a = std::make_shared<ControlArgs>();
  auto* cmd = parent.add_subcommand(freeze ? "freeze" : "unfreeze",
                                    freeze ? "Refuse every debit of a wallet (credits still arrive)"
                                           : "Lift a wallet's freeze");
  example(cmd, {freeze ? "walletctl wallet freeze WALLET_ID --reason \"court order 17\""
                      : "walletctl wallet unfreeze WALLET_ID --reason \"order lifted\""});
  cmd->add_option("wallet", a->wallet, "Wallet id")->required();
  cmd->add_option("--reason", a->reason, "Why (1-500 bytes), recorded with the wallet and its event")->required();
  cmd->callback([&ctx, &action, a, freeze] {
    action = [&ctx, a, freeze] {
      const auto id = parse_uuid(a->wallet);
      const auto reason = parse_reason(a->reason, ErrorCode::kInvalidReason);
      const int retries = static_cast<int>(ctx.settings().database.max_retries);
      print_wallet(ctx, freeze ? freeze_wallet(ctx.db(), retries, id, reason)
                               : unfreeze_wallet(ctx.db(), retries, id, reason));
      return 0;
    };
  });
}

void add_set_limit(CLI::App& parent, Context& ctx, Action& action) {
  struct LimitArgs {
    std::string wallet, amount;
  };
  auto a = std::make_shared<LimitArgs>();
  auto* cmd = parent.add_subcommand("set-limit", "Let transfers take the wallet's available amount down to -AMOUNT");
  example(cmd, {"walletctl wallet set-limit 0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b 50000"});
  cmd->add_option("wallet", a->wallet, "Wallet id")->required();
  cmd->add_option("amount", a->amount, "Overdraft limit in minor units (0: none)")->required();
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      const auto id = parse_uuid(a->wallet);
      const auto& s = ctx.settings();
      const Money limit = parse_overdraft_limit(a->amount, s.ledger.max_amount);
      print_wallet(ctx, set_overdraft_limit(ctx.db(), static_cast<int>(s.database.max_retries), id, limit));
      return 0;
    };
  });
}

}  // namespace

void add_wallet_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* wallet = app.add_subcommand("wallet", "Operator controls on a wallet: freeze, unfreeze, set-limit");
  wallet->require_subcommand(1);
  add_control(*wallet, ctx, action, true);
  add_control(*wallet, ctx, action, false);
  add_set_limit(*wallet, ctx, action);
}

}  // namespace wallet::cli
