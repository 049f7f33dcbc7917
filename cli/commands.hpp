// Registration of walletctl's subcommands on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>
#include <initializer_list>

#include "cli/context.hpp"
#include "core/operations.hpp"

namespace wallet::cli {

/// create, balance, charge, withdraw, transfer, history
void add_ledger_commands(CLI::App& app, Context& ctx, Action& action);
/// capture, void, reverse, transfer-show: two-phase transfers and reversals
void add_two_phase_commands(CLI::App& app, Context& ctx, Action& action);
/// Applies one operation and prints what it made (a replay says so on stderr). Returns 0.
int run_operation(Context& ctx, const Operation& op);
/// --metadata KEY=VALUE, repeatable: the client's own pairs on what a command records.
void add_metadata_option(CLI::App* cmd, std::vector<std::string>& pairs);
/// The pairs of --metadata, validated together. Throws DomainError(kInvalidMetadata).
Metadata parse_metadata_options(const std::vector<std::string>& pairs);
/// wallet freeze|unfreeze
void add_wallet_commands(CLI::App& app, Context& ctx, Action& action);
/// batch: an NDJSON file of POST /batches operations
void add_batch_command(CLI::App& app, Context& ctx, Action& action);
/// replay
void add_replay_command(CLI::App& app, Context& ctx, Action& action);
/// withdrawals list|show, and worker (the withdrawal pool alone)
void add_withdrawal_commands(CLI::App& app, Context& ctx, Action& action);
/// events tail, notify, outbox status
void add_event_commands(CLI::App& app, Context& ctx, Action& action);
/// serve: the HTTP API
void add_serve_command(CLI::App& app, Context& ctx, Action& action);
/// apikey create|list|revoke
void add_apikey_commands(CLI::App& app, Context& ctx, Action& action);
/// migrate, audit, config show
void add_admin_commands(CLI::App& app, Context& ctx, Action& action);

/// completion bash|zsh: a script made from `app`'s commands and options
void add_completion_command(CLI::App& app, Action& action);

/// Ends the command's --help with how it is called (one example per line).
void example(CLI::App* cmd, std::initializer_list<const char*> lines);

}  // namespace wallet::cli
