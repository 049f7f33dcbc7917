#include "cli/commands.hpp"
#include "daemon/serve.hpp"

namespace wallet::cli {

void add_serve_command(CLI::App& app, Context& ctx, Action& action) {
  auto* cmd = app.add_subcommand("serve", "Run the HTTP API until SIGTERM or SIGINT (see [http] in wallet.toml)");
  example(cmd, {"walletctl --config /etc/walletctl/wallet.toml serve"});
  cmd->callback([&ctx, &action] { action = [&ctx] { return daemon::serve(ctx.settings()); }; });
}

}  // namespace wallet::cli
