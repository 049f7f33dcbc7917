#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/history.hpp"
#include "core/ids.hpp"
#include "core/withdrawals.hpp"
#include "daemon/worker.hpp"

namespace wallet::cli {
namespace {

void add_list(CLI::App& parent, Context& ctx, Action& action) {
  struct Args {
    std::optional<std::string> status, wallet;
    std::string limit = "50";
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent.add_subcommand("list", "List withdrawals, newest first");
  cmd->add_option("--status", a->status, "pending, processing, completed or failed");
  cmd->add_option("--wallet", a->wallet, "Only this wallet's withdrawals");
  cmd->add_option("--limit", a->limit, "How many, 1-200 (default 50)");
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      WithdrawalFilter filter;
      if (a->status) filter.status = parse_withdrawal_status(*a->status);
      if (a->wallet) filter.wallet_id = parse_uuid(*a->wallet);
      filter.limit = parse_limit(a->limit);
      print_withdrawals(ctx, list_withdrawals(ctx.db(), filter));
      return 0;
    };
  });
}

void add_show(CLI::App& parent, Context& ctx, Action& action) {
  auto id = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("show", "Show one withdrawal: status, attempts, failure reason");
  cmd->add_option("id", *id, "Withdrawal id")->required();
  cmd->callback([&ctx, &action, id] {
    action = [&ctx, id] {
      print_withdrawal(ctx,
                       get_withdrawal(ctx.db(), parse_uuid(*id, "withdrawal id", ErrorCode::kInvalidWithdrawalId)));
      return 0;
    };
  });
}

}  // namespace

void add_withdrawal_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* withdrawals = app.add_subcommand("withdrawals", "Inspect withdrawals and their settlement");
  withdrawals->require_subcommand(1);
  add_list(*withdrawals, ctx, action);
  add_show(*withdrawals, ctx, action);

  auto* worker = app.add_subcommand("worker", "Run the withdrawal worker pool alone until SIGTERM or SIGINT");
  worker->callback([&ctx, &action] { action = [&ctx] { return daemon::run_worker(ctx.settings()); }; });
}

}  // namespace wallet::cli
