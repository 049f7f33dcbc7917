#include "cli/app.hpp"

#include <csignal>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/pg/error.hpp"

namespace wallet::cli {
namespace {

int exit_code_for(ErrorClass c) {
  switch (c) {
    case ErrorClass::kInvalidInput:
      return kExitUsage;
    case ErrorClass::kUnavailable:
      return kExitUnavailable;
    case ErrorClass::kNotFound:
    case ErrorClass::kConflict:
    case ErrorClass::kRefused:
    case ErrorClass::kInternal:
      return kExitRefused;
  }
  return kExitRefused;
}

int fail(int code, const std::string& message) {
  std::cerr << "walletctl: " << message << '\n';
  return code;
}

// The one place where errors become what the user sees.
int run_action(const Action& action) {
  try {
    return action();
  } catch (const DomainError& e) {
    return fail(exit_code_for(error_info(e.code()).error_class), std::string(e.name()) + ": " + e.what());
  } catch (const pg::Error& e) {
    if (e.kind() == pg::ErrorKind::kConnection) {
      return fail(kExitUnavailable, "unavailable: lost the connection to PostgreSQL");
    }
    spdlog::error("database error {}: {}", e.sqlstate(), e.what());
    if (e.kind() == pg::ErrorKind::kNoPrivilege) {
      return fail(kExitRefused,
                  "forbidden: the database role lacks a privilege (SQLSTATE 42501); migrate needs the owner "
                  "role: set database.owner_url");
    }
    return fail(kExitRefused, "internal: the database refused the operation (SQLSTATE " + e.sqlstate() + ")");
  } catch (const std::exception& e) {
    spdlog::error("unexpected error: {}", e.what());
    return fail(kExitRefused, "internal: unexpected error");
  }
}

}  // namespace

int run(int argc, char** argv) {
  // A peer that hangs up (a webhook, the bank, Redis, a TLS client, a closed stdout pipe) is an
  // error where the write happens, never a signal that ends the process.
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::set_default_logger(spdlog::stderr_color_mt("walletctl"));
  spdlog::set_level(spdlog::level::warn);

  CLI::App app{"walletctl: a double-entry digital wallet ledger on PostgreSQL"};
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions options;
  app.add_option("--config", options.config_file, "Configuration file (default: $WALLET_CONFIG, ./wallet.toml)");
  app.add_option("--output", options.output, "Output format: text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_option("--set", options.settings_overrides, "Override a setting: section.key=value (repeatable)");

  Context ctx(options);
  Action action;
  add_ledger_commands(app, ctx, action);
  add_two_phase_commands(app, ctx, action);
  add_wallet_commands(app, ctx, action);
  add_replay_command(app, ctx, action);
  add_admin_commands(app, ctx, action);
  add_apikey_commands(app, ctx, action);
  add_serve_command(app, ctx, action);
  add_withdrawal_commands(app, ctx, action);
  add_event_commands(app, ctx, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(kExitUsage, std::string("usage: ") + e.what() + " (see walletctl --help)");
  }
  if (!action) return fail(kExitUsage, "usage: no command given (see walletctl --help)");
  return run_action(action);
}

}  // namespace wallet::cli
