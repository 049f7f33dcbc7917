// walletctl apikey create|list|revoke: the keys HTTP clients authenticate with.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/api_keys.hpp"

namespace wallet::cli {
namespace {

void add_create(CLI::App& parent, Context& ctx, Action& action) {
  struct Args {
    std::string name, scope;
    std::optional<std::string> user;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent.add_subcommand("create", "Make a key and print its secret, once");
  example(cmd, {"walletctl apikey create --name checkout --scope write", "walletctl apikey create --name alice-app --scope read --user alice"});
  cmd->add_option("--name", a->name, "What the key is for (1-100 characters)")->required();
  cmd->add_option("--scope", a->scope, "read, write, charge (may also charge: money in from outside) or admin")->required();
  cmd->add_option("--user", a->user, "Bind the key to this user's wallets, withdrawals and transactions");
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      const auto made = ApiKeyStore(ctx.db()).create(a->name, parse_api_scope(a->scope), a->user);
      print_new_api_key(ctx, made);
      return 0;
    };
  });
}

void add_list(CLI::App& parent, Context& ctx, Action& action) {
  auto* cmd = parent.add_subcommand("list", "List keys (never their secrets)");
  example(cmd, {"walletctl apikey list"});
  cmd->callback([&ctx, &action] {
    action = [&ctx] {
      print_api_keys(ctx, ApiKeyStore(ctx.db()).list());
      return 0;
    };
  });
}

void add_revoke(CLI::App& parent, Context& ctx, Action& action) {
  auto id = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("revoke", "Revoke a key: requests with it are refused from then on");
  example(cmd, {"walletctl apikey revoke KEY_ID"});
  cmd->add_option("id", *id, "API key id")->required();
  cmd->callback([&ctx, &action, id] {
    action = [&ctx, id] {
      print_api_keys(ctx, {ApiKeyStore(ctx.db()).revoke(*id)});
      return 0;
    };
  });
}

}  // namespace

void add_apikey_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* apikey = app.add_subcommand("apikey", "Manage the API keys of HTTP clients");
  apikey->require_subcommand(1);
  add_create(*apikey, ctx, action);
  add_list(*apikey, ctx, action);
  add_revoke(*apikey, ctx, action);
}

}  // namespace wallet::cli
