// batch: the operations of an NDJSON file (one POST /batches operation object a line) applied
// in one database transaction, independent or atomic, each answered as POST /batches answers it.
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/errors.hpp"
#include "core/ledger.hpp"
#include "daemon/http/batch_request.hpp"
#include "daemon/http/operation_answer.hpp"

namespace wallet::cli {
namespace {

[[noreturn]] void unreadable(const std::string& message) { throw DomainError(ErrorCode::kInvalidInput, message); }

struct BatchLine {
  std::size_t number;  // in the file, from 1
  daemon::BatchItem item;
};

// The file's operation lines (blank lines skipped), bounded as a POST /batches body is.
std::vector<BatchLine> read_lines(const std::string& path, const Settings& settings) {
  std::ifstream in(path, std::ios::binary);
  if (!in) unreadable("cannot read '" + path + "'");
  const auto max_bytes = static_cast<std::size_t>(settings.http.max_batch_body_bytes);
  const auto max_operations = static_cast<std::size_t>(settings.http.max_batch_operations);
  std::vector<BatchLine> out;
  std::string line;
  std::size_t number = 0, bytes = 0;
  while (std::getline(in, line)) {
    ++number;
    bytes += line.size() + 1;
    if (bytes > max_bytes) {
      unreadable("'" + path + "' is larger than http.max_batch_body_bytes (" + std::to_string(max_bytes) + " bytes)");
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (out.size() == max_operations) {
      unreadable("'" + path + "' holds more than http.max_batch_operations (" + std::to_string(max_operations) +
                 ") operations");
    }
    out.push_back({number, daemon::decode_batch_line(line, settings)});
  }
  if (out.empty()) unreadable("'" + path + "' holds no operation");
  return out;
}

int run_batch(Context& ctx, const std::string& path, bool atomic) {
  auto lines = read_lines(path, ctx.settings());
  std::vector<daemon::BatchItem> items;
  for (auto& line : lines) items.push_back(std::move(line.item));
  Ledger ledger(ctx.db(), ctx.settings(), ctx.cache());
  const auto outcome = daemon::apply_batch_items(
      items, atomic ? BatchMode::kAtomic : BatchMode::kIndependent,
      [&ledger](std::vector<Operation> ops, BatchMode mode) { return ledger.apply(ops, mode); });
  std::size_t refused = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& r = outcome.results[i];
    JsonWriter written;
    daemon::write_batch_result(written, outcome.kinds[i].value_or(OperationKind::kCharge), r, "",
                               "line " + std::to_string(lines[i].number));
    auto entry = nlohmann::json::parse(written.text());
    entry["line"] = lines[i].number;
    if (r.error) ++refused;
    if (ctx.json()) {
      std::cout << entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else if (r.error) {
      std::cout << "line " << lines[i].number << ": " << entry["status"] << ' ' << r.error->name() << ": "
                << r.error->detail() << '\n';
    } else {
      std::cout << "line " << lines[i].number << ": " << entry["status"] << (r.replayed ? " replayed " : " applied ")
                << entry["body"].value("id", "") << '\n';
    }
  }
  std::cerr << "walletctl: batch: " << lines.size() - refused << " of " << lines.size()
            << " operations applied or replayed" << (atomic && refused ? "; atomic: nothing was applied" : "") << '\n';
  return refused ? 1 : 0;
}

}  // namespace

void add_batch_command(CLI::App& app, Context& ctx, Action& action) {
  struct Args {
    std::string file;
    bool atomic = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "batch", "Apply the operations of an NDJSON file (those of POST /batches, one a line) in one transaction");
  example(cmd, {"walletctl batch payouts.ndjson", "walletctl --output json batch --atomic month-end.ndjson"});
  cmd->add_option("file", a->file, "One operation object a line: {\"op\": \"transfer\", ..., \"idempotency_key\": \"...\"}")
      ->required();
  cmd->add_flag("--atomic", a->atomic, "All or none: when one line is refused or invalid, nothing is applied");
  cmd->callback([&ctx, &action, a] { action = [&ctx, a] { return run_batch(ctx, a->file, a->atomic); }; });
}

}  // namespace wallet::cli
