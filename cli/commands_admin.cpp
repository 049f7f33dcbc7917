#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/audit.hpp"
#include "core/migrations.hpp"

namespace wallet::cli {
namespace {

void add_migrate(CLI::App& app, Context& ctx, Action& action) {
  auto cmd = app.add_subcommand("migrate", "Apply pending database migrations (up) or list them (status)");
  auto mode = std::make_shared<std::string>("up");
  cmd->add_option("mode", *mode, "up (default) or status")->check(CLI::IsMember({"up", "status"}));
  cmd->callback([&ctx, &action, mode] {
    action = [&ctx, mode] {
      Migrator migrator(ctx.db(), embedded_migrations());
      if (*mode == "status") {
        print_migrations(ctx, migrator.status());
        return 0;
      }
      const auto applied = migrator.up();
      if (ctx.json()) {
        print_json({{"applied", applied}});
      } else {
        for (const auto& name : applied) std::cout << "applied  " << name << '\n';
        if (applied.empty()) std::cout << "database is up to date\n";
      }
      return 0;
    };
  });
}

void add_audit(CLI::App& app, Context& ctx, Action& action) {
  auto cmd = app.add_subcommand("audit", "Check every ledger invariant; exit 1 when one fails");
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
