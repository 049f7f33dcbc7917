#include "cli/app.hpp"

#include <csignal>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/build_info.hpp"
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
    case ErrorClass::kInternal:
      return kExitInternal;
    case ErrorClass::kNotFound:
    case ErrorClass::kConflict:
    case ErrorClass::kRefused:
      return kExitRefused;
  }
  return kExitInternal;
}

// The one way an error reaches the user: a line on stderr, `walletctl: CODE: MESSAGE`, or with
// --output json one JSON object, {"error": {"code", "message", "exit_code"}}, so a script
// reads both streams the same way.
class Failure {
 public:
  explicit Failure(const GlobalOptions& options) : options_(options) {}
  int operator()(int exit_code, std::string_view code, const std::string& message) const {
    if (options_.output == "json") {
      std::cerr << nlohmann::json{{"error", {{"code", code}, {"message", message}, {"exit_code", exit_code}}}}.dump()
                << '\n';
    } else {
      std::cerr << "walletctl: " << code << ": " << message << '\n';
    }
    return exit_code;
  }

 private:
  const GlobalOptions& options_;
};

// The one place where errors become what the user sees.
int run_action(const Action& action, const Failure& fail) {
  try {
    return action();
  } catch (const DomainError& e) {
    return fail(exit_code_for(error_info(e.code()).error_class), e.name(), e.what());
  } catch (const pg::Error& e) {
    if (e.kind() == pg::ErrorKind::kConnection) {
      return fail(kExitUnavailable, "unavailable", "lost the connection to PostgreSQL");
    }
    spdlog::error("database error {}: {}", e.sqlstate(), e.what());
    if (e.kind() == pg::ErrorKind::kNoPrivilege) {
      // A role without the grants it needs is a matter of configuration.
      return fail(kExitUsage, "forbidden",
                  "the database role lacks a privilege (SQLSTATE 42501); migrate needs the owner role: set "
                  "database.owner_url");
    }
    return fail(kExitInternal, "internal", "the database refused the operation (SQLSTATE " + e.sqlstate() + ")");
  } catch (const std::exception& e) {
    spdlog::error("unexpected error: {}", e.what());
    return fail(kExitInternal, "internal", "unexpected error");
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
  app.set_version_flag("--version", version_line(), "Print the version and the git commit, then exit");

  Context ctx(options);
  Action action;
  add_ledger_commands(app, ctx, action);
  add_two_phase_commands(app, ctx, action);
  add_wallet_commands(app, ctx, action);
  add_batch_command(app, ctx, action);
  add_replay_command(app, ctx, action);
  add_admin_commands(app, ctx, action);
  add_apikey_commands(app, ctx, action);
  add_serve_command(app, ctx, action);
  add_withdrawal_commands(app, ctx, action);
  add_event_commands(app, ctx, action);
  add_completion_command(app, action);

  const Failure fail(options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(kExitUsage, "usage", std::string(e.what()) + " (see walletctl --help)");
  }
  if (!action) return fail(kExitUsage, "usage", "no command given (see walletctl --help)");
  return run_action(action, fail);
}

}  // namespace wallet::cli
