#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/audit.hpp"
#include "core/errors.hpp"
#include "core/migrations.hpp"
#include "core/privileges.hpp"

namespace wallet::cli {
namespace {

// Run as the owner (database.owner_url), migrate also grants the application role, the one
// database.url logs in as, what it needs and nothing more.
std::optional<std::string> grant_if_owner(Context& ctx) {
  const auto& db = ctx.settings().database;
  if (db.owner_url.empty()) return std::nullopt;
  require_same_database(db.owner_url, db.url);
  const auto role = pg::conninfo_value(db.url, "user");
  if (role.empty()) {
    throw DomainError(ErrorCode::kInvalidConfig, "database.url names no user: migrate cannot tell which role to grant");
  }
  if (current_role(ctx.owner_db()) == role) return std::nullopt;
  grant_application_role(ctx.owner_db(), role);
  return role;
}

void add_migrate(CLI::App& app, Context& ctx, Action& action) {
  auto cmd = app.add_subcommand("migrate", "Apply pending database migrations (up) or list them (status)");
  example(cmd, {"walletctl migrate", "walletctl migrate status"});
  auto mode = std::make_shared<std::string>("up");
  cmd->add_option("mode", *mode, "up (default) or status")->check(CLI::IsMember({"up", "status"}));
  cmd->callback([&ctx, &action, mode] {
    action = [&ctx, mode] {
      Migrator migrator(ctx.owner_db(), embedded_migrations());
      if (*mode == "status") {
        print_migrations(ctx, migrator.status());
        return 0;
      }
      const auto applied = migrator.up();
      const auto granted = grant_if_owner(ctx);
      if (ctx.json()) {
        print_json({{"applied", applied}, {"granted_to", granted ? nlohmann::json(*granted) : nlohmann::json()}});
      } else {
        for (const auto& name : applied) std::cout << "applied  " << name << '\n';
        if (applied.empty()) std::cout << "database is up to date\n";
        if (granted) std::cout << "granted  the application role " << *granted << " its privileges\n";
      }
      return 0;
    };
  });
}

void add_audit(CLI::App& app, Context& ctx, Action& action) {
  auto cmd = app.add_subcommand("audit", "Check every ledger invariant; exit 1 when one fails");
  example(cmd, {"walletctl audit", "walletctl --output json audit"});
  cmd->callback([&ctx, &action] {
    action = [&ctx] {
      const auto report = run_audit(ctx.db());
      print_audit(ctx, report);
      if (!report.passed()) {
        for (const auto& c : report.checks) {
          if (!c.passed()) std::cerr << "walletctl: audit failed: " << c.name << " (" << c.description << ")\n";
        }
      }
      return report.passed() ? 0 : 1;
    };
  });
}

void add_config(CLI::App& app, Context& ctx, Action& action) {
  auto cmd = app.add_subcommand("config", "Inspect the configuration");
  cmd->require_subcommand(1);
  auto show = cmd->add_subcommand("show", "Print every effective setting and where it came from");
  example(show, {"walletctl config show", "walletctl --config /etc/walletctl/wallet.toml config show"});
  show->callback([&ctx, &action] {
    action = [&ctx] {
      print_settings(ctx, ctx.loaded_settings());
      return 0;
    };
  });
}

}  // namespace

void add_admin_commands(CLI::App& app, Context& ctx, Action& action) {
  add_migrate(app, ctx, action);
  add_audit(app, ctx, action);
  add_config(app, ctx, action);
}

}  // namespace wallet::cli
