#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/errors.hpp"
#include "core/outbox.hpp"
#include "daemon/events/event_consumers.hpp"

namespace wallet::cli {
namespace {

void add_tail(CLI::App& events, Context& ctx, Action& action) {
  struct Args {
    std::vector<std::string> bindings;
    std::optional<int> max;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = events.add_subcommand("tail", "Print events from wallet.events as they arrive (Ctrl-C stops)");
  example(cmd, {"walletctl events tail"});
  cmd->add_option("--binding", a->bindings, "Routing-key pattern, e.g. 'withdrawal.*' (repeatable; default '#')");
  cmd->add_option("--max", a->max, "Stop after this many events")->check(CLI::PositiveNumber);
  cmd->callback([&ctx, &action, a] {
    action = [&ctx, a] {
      daemon::TailOptions options;
      if (!a->bindings.empty()) options.bindings = a->bindings;
      for (const auto& b : options.bindings) {
        if (b.empty() || b.size() > 255)
          throw DomainError(ErrorCode::kInvalidInput, "--binding must be 1-255 characters");
      }
      options.json = ctx.json();
      options.max_events = a->max;
      return daemon::tail_events(ctx.settings(), options, std::cout);
    };
  });
}

}  // namespace

void add_event_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* events = app.add_subcommand("events", "Consume the event stream");
  events->require_subcommand(1);
  add_tail(*events, ctx, action);

  auto* notify = app.add_subcommand("notify", "Run the notification consumer until SIGTERM or SIGINT");
  example(notify, {"walletctl notify"});
  notify->callback([&ctx, &action] { action = [&ctx] { return daemon::run_notifier(ctx.settings()); }; });

  auto* outbox = app.add_subcommand("outbox", "The transactional outbox");
  outbox->require_subcommand(1);
  auto* status = outbox->add_subcommand("status", "Unpublished events, the oldest one's age, the last publish time");
  example(status, {"walletctl outbox status"});
  status->callback([&ctx, &action] {
    action = [&ctx] {
      print_outbox_status(ctx, outbox_status(ctx.db()));
      return 0;
    };
  });
}

}  // namespace wallet::cli
