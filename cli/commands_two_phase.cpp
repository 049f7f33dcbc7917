// Two-phase transfers and reversals: capture, void, reverse, transfer-status. Opening a pending
// transfer is `transfer --pending` (commands_ledger.cpp).
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/pending_transfers.hpp"

namespace wallet::cli {
namespace {

struct ActionArgs {
  std::string id;
  std::optional<std::string> amount, key, reference, reason;
  std::vector<std::string> metadata;
};

// The options capture, void and reverse share.
void add_key_options(CLI::App* cmd, ActionArgs& a) {
  cmd->add_option("--key", a.key, "Idempotency key: the same key and request apply once");
  cmd->add_option("--reference", a.reference, "Free text kept with what it records");
  add_metadata_option(cmd, a.metadata);
}

// An operation on the row `a.id` names; no AMOUNT means "all that remains".
Operation action_on(Context& ctx, OperationKind kind, const ActionArgs& a) {
  Operation op;
  op.kind = kind;
  op.target = kind == OperationKind::kReversal
                  ? parse_uuid(a.id, "transaction id", ErrorCode::kInvalidTransactionId)
                  : parse_uuid(a.id, "transfer id", ErrorCode::kInvalidTransferId);
  if (a.amount) op.amount = parse_amount(*a.amount, ctx.settings().ledger.max_amount);
  if (a.key) op.idempotency_key = parse_idempotency_key(*a.key);
  if (a.reference) op.reference = parse_reference(*a.reference);
  if (a.reason) op.reason = parse_reason(*a.reason, ErrorCode::kInvalidReason);
  op.metadata = parse_metadata_options(a.metadata);
  return op;
}

void add_capture(CLI::App& app, Context& ctx, Action& action) {
  auto a = std::make_shared<ActionArgs>();
  auto* cmd = app.add_subcommand("capture", "Post a pending transfer: move AMOUNT (default all) and release the rest");
  example(cmd, {"walletctl capture TRANSFER_ID 800 --key capture-42"});
  cmd->add_option("transfer", a->id, "Pending transfer id")->required();
  cmd->add_option("amount", a->amount, "Minor units, at most the pending amount");
  add_key_options(cmd, *a);
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] { return run_operation(ctx, action_on(ctx, OperationKind::kCapture, *a)); };
  });
}

void add_void(CLI::App& app, Context& ctx, Action& action) {
  auto a = std::make_shared<ActionArgs>();
  auto* cmd = app.add_subcommand("void", "Release a pending transfer; nothing moves");
  example(cmd, {"walletctl void TRANSFER_ID"});
  cmd->add_option("transfer", a->id, "Pending transfer id")->required();
  add_key_options(cmd, *a);
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] { return run_operation(ctx, action_on(ctx, OperationKind::kVoid, *a)); };
  });
}

void add_reverse(CLI::App& app, Context& ctx, Action& action) {
  auto a = std::make_shared<ActionArgs>();
  auto* cmd = app.add_subcommand("reverse", "Give back a charge or transfer, in whole or part (a reversal)");
  example(cmd, {"walletctl reverse TRANSACTION_ID 500 --reason \"damaged item\""});
  cmd->add_option("transaction", a->id, "Id of the charge or transfer")->required();
  cmd->add_option("amount", a->amount, "Minor units (default: all not yet reversed)");
  cmd->add_option("--reason", a->reason, "Why, kept with the reversal (1-500 bytes)");
  add_key_options(cmd, *a);
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] { return run_operation(ctx, action_on(ctx, OperationKind::kReversal, *a)); };
  });
}

void add_transfer_status(CLI::App& app, Context& ctx, Action& action) {
  auto id = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("transfer-status", "Show a pending transfer: state and amounts");
  example(cmd, {"walletctl transfer-status TRANSFER_ID"});
  cmd->add_option("transfer", *id, "Pending transfer id")->required();
  cmd->callback([&ctx, &action, id] {
    action = [&ctx, id] {
      print_transfer(ctx, get_transfer(ctx.db(), parse_uuid(*id, "transfer id", ErrorCode::kInvalidTransferId)).transfer);
      return 0;
    };
  });
}

}  // namespace

void add_two_phase_commands(CLI::App& app, Context& ctx, Action& action) {
  add_capture(app, ctx, action);
  add_void(app, ctx, action);
  add_reverse(app, ctx, action);
  add_transfer_status(app, ctx, action);
}

}  // namespace wallet::cli
