#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/history.hpp"
#include "core/ids.hpp"
#include "core/withdrawal_queue.hpp"
#include "core/withdrawals.hpp"
#include "daemon/payouts/worker.hpp"

namespace wallet::cli {
namespace {

std::string withdrawal_id(const std::string& text) {
  return parse_uuid(text, "withdrawal id", ErrorCode::kInvalidWithdrawalId);
}

void add_list(CLI::App& parent, Context& ctx, Action& action) {
  struct Args {
    std::optional<std::string> status, wallet;
    std::string limit = "50";
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent.add_subcommand("list", "List withdrawals, newest first");
  example(cmd, {"walletctl withdrawals list --status needs_review"});
  cmd->add_option("--status", a->status, "pending, processing, needs_review, completed or failed");
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
  example(cmd, {"walletctl withdrawals show WITHDRAWAL_ID"});
  cmd->add_option("id", *id, "Withdrawal id")->required();
  cmd->callback([&ctx, &action, id] {
    action = [&ctx, id] {
      print_withdrawal(ctx, get_withdrawal(ctx.db(), withdrawal_id(*id)));
      return 0;
    };
  });
}

// Settles a withdrawal in needs_review: the operator has found out from the bank whether it paid.
void add_resolve(CLI::App& parent, Context& ctx, Action& action) {
  struct Args {
    std::string id, reason;
    bool paid = false, refund = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent.add_subcommand(
      "resolve", "Settle a withdrawal in needs_review: --paid (the bank paid it) or --refund (it did not)");
  example(cmd, {"walletctl withdrawals resolve WITHDRAWAL_ID --paid"});
  cmd->add_option("id", a->id, "Withdrawal id")->required();
  auto* paid = cmd->add_flag("--paid", a->paid, "The bank paid: complete it (clearing to payouts)");
  auto* refund = cmd->add_flag("--refund", a->refund, "The bank did not pay: refund the wallet");
  paid->excludes(refund);
  cmd->add_option("--reason", a->reason, "Why (recorded with it, 1-500 characters)")->required();
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      if (a->paid == a->refund) throw DomainError(ErrorCode::kInvalidInput, "give --paid or --refund");
      const auto id = withdrawal_id(a->id);
      const auto reason = parse_reason(a->reason);
      WithdrawalQueue queue(ctx.db(), ctx.settings(), ctx.cache());
      print_withdrawal(ctx, queue.resolve(id, a->paid ? WithdrawalResolution::kPaid : WithdrawalResolution::kRefund, reason));
      return 0;
    };
  });
}

void add_retry(CLI::App& parent, Context& ctx, Action& action) {
  auto id = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("retry", "Call the bank again now for a withdrawal in needs_review (or pending)");
  example(cmd, {"walletctl withdrawals retry WITHDRAWAL_ID"});
  cmd->add_option("id", *id, "Withdrawal id")->required();
  cmd->callback([&ctx, &action, id] {
    action = [&ctx, id] {
      print_withdrawal(ctx, WithdrawalQueue(ctx.db(), ctx.settings()).retry_now(withdrawal_id(*id)));
      return 0;
    };
  });
}

}  // namespace

void add_withdrawal_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* withdrawals = app.add_subcommand("withdrawals", "Inspect withdrawals, and settle those in needs_review");
  withdrawals->require_subcommand(1);
  add_list(*withdrawals, ctx, action);
  add_show(*withdrawals, ctx, action);
  add_resolve(*withdrawals, ctx, action);
  add_retry(*withdrawals, ctx, action);

  auto* worker = app.add_subcommand("worker", "Run the withdrawal worker pool alone until SIGTERM or SIGINT");
  example(worker, {"walletctl worker"});
  worker->callback([&ctx, &action] { action = [&ctx] { return daemon::run_worker(ctx.settings()); }; });
}

}  // namespace wallet::cli
