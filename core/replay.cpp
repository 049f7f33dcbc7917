#include "core/replay.hpp"

#include <optional>
#include <vector>

#include "core/csv_reader.hpp"
#include "core/errors.hpp"
#include "core/ledger.hpp"
#include "core/replay_lanes.hpp"
#include "core/settlement.hpp"
#include "core/wallet_controls.hpp"
#include "core/worker_thread.hpp"

namespace wallet {
namespace {

// Rows read but not yet reported: an operation waiting for its batch, an invalid row that
// keeps its place in file order, or a control on a wallet (which ends its chunk, so it applies
// after the operations before it and before those after it).
struct PendingRow {
  std::uint64_t line;
  std::optional<RowOutcome> invalid;
  std::optional<ControlRow> control;
};

// One batch as read from the file.
struct Chunk {
  std::vector<Operation> ops;
  std::vector<PendingRow> rows;
  std::uint64_t bytes_read = 0;  // file position after the chunk, for progress
  bool last = false;             // the file ends with this chunk
};

// Reads the file a batch at a time. Only one read runs at a time (each starts after the last
// one's result was taken), so the reader needs no lock.
class ChunkReader {
 public:
  ChunkReader(std::istream& file, const std::string& file_hash, std::int64_t max_amount, const ReplayOptions& options)
      : reader_(file), file_hash_(file_hash), max_amount_(max_amount), options_(options) {
    CsvRecord record;
    if (!reader_.next(record)) {
      throw DomainError(ErrorCode::kInvalidInput, "the file is empty: a header row is required");
    }
    header_ = SettlementHeader::parse(record);
  }

  Chunk next() {
    Chunk chunk;
    CsvRecord record;
    while (chunk.ops.size() < options_.batch_size) {
      if (!reader_.next(record)) {
        chunk.last = true;
        break;
      }
      try {
        auto row = parse_settlement_row(*header_, record, max_amount_, file_hash_, options_.key_scope);
        if (auto* control = std::get_if<ControlRow>(&row)) {
          chunk.rows.push_back({record.line, std::nullopt, std::move(*control)});
          break;
        }
        chunk.ops.push_back(std::move(std::get<Operation>(row)));
        chunk.rows.push_back({record.line, std::nullopt, std::nullopt});
      } catch (const DomainError& e) {
        chunk.rows.push_back(
            {record.line, RowOutcome{record.line, RowStatus::kInvalid, "", std::string(e.name()), e.what()}, {}});
        if (options_.stop_on_error) break;  // what came before it is applied, then the replay stops
      }
    }
    chunk.bytes_read = reader_.bytes_read();
    return chunk;
  }

 private:
  CsvReader reader_;
  std::optional<SettlementHeader> header_;
  const std::string& file_hash_;
  std::int64_t max_amount_;
  const ReplayOptions& options_;
};

class Replay {
 public:
  Replay(pg::Connection& conn, const Settings& settings, const ReplayOptions& options, ReplayObserver& observer)
      : conn_(conn), settings_(settings), ledger_(conn, settings, options.cache), options_(options),
        observer_(observer) {}

  // While one batch is applied, the next is read and parsed on another thread, so the client's
  // parsing overlaps the database's work.
  ReplaySummary run(std::istream& file, const std::string& file_hash, std::int64_t max_amount) {
    ChunkReader reader(file, file_hash, max_amount, options_);
    WorkerThread reading;  // after the reader: it finishes its task before the reader goes
    auto ahead = reading.submit([&] { return reader.next(); });
    for (;;) {
      Chunk chunk = ahead.get();  // not const: its operations are moved into the lanes
      if (!chunk.last) ahead = reading.submit([&] { return reader.next(); });
      apply(chunk);
      observer_.on_progress(chunk.bytes_read, summary_.rows);
      if (chunk.last || summary_.stopped_early) break;
    }
    return summary_;
  }

 private:
  BatchMode mode() const {
    if (options_.dry_run) return BatchMode::kValidateOnly;
    return options_.stop_on_error ? BatchMode::kStopAtFirstError : BatchMode::kIndependent;
  }

  // A lane holds at least this many operations, else the batch runs as one transaction.
  static constexpr std::size_t kMinLane = 32;

  // The batch on one connection, or split into two lanes applied at once on two (see
  // core/replay_lanes.hpp: neither lane waits for the other, and every row sees the balances
  // it would in file order). Only a batch that applies what it can: --stop-on-error must stop
  // at the first refusal in file order, and --dry-run writes nothing worth overlapping.
  std::vector<OperationResult> apply_operations(std::vector<Operation>& ops) {
    if (ops.empty()) return {};
    const auto lanes = mode() == BatchMode::kIndependent ? split_into_lanes(ops, kMinLane) : std::nullopt;
    Ledger* second = lanes ? second_ledger() : nullptr;
    if (!second) return ledger_.apply(ops, mode());
    const auto take = [&](const std::vector<std::size_t>& lane) {
      std::vector<Operation> out;
      out.reserve(lane.size());
      for (auto i : lane) out.push_back(std::move(ops[i]));
      return out;
    };
    const auto system_ops = take(lanes->system), plain_ops = take(lanes->plain);
    auto plain = second_lane_->submit([&] { return second->apply(plain_ops, mode()); });
    std::vector<OperationResult> system_results;
    std::exception_ptr system_failed;
    try {
      system_results = ledger_.apply(system_ops, mode());
    } catch (...) {
      system_failed = std::current_exception();  // thrown once the other lane has ended too
    }
    std::vector<OperationResult> plain_results;
    try {
      plain_results = plain.get();
    } catch (...) {
      if (!system_failed) throw;
    }
    if (system_failed) std::rethrow_exception(system_failed);
    std::vector<OperationResult> results(ops.size());
    for (std::size_t k = 0; k < lanes->system.size(); ++k) results[lanes->system[k]] = std::move(system_results[k]);
    for (std::size_t k = 0; k < lanes->plain.size(); ++k) results[lanes->plain[k]] = std::move(plain_results[k]);
    return results;
  }

  // The second lane's connection, opened when a batch first splits; none when the server
  // refuses a second connection (max_connections reached): the replay goes on with one.
  Ledger* second_ledger() {
    if (!second_ledger_ && !second_refused_) {
      try {
        second_conn_.emplace(
            pg::Connection::open(settings_.database.url, static_cast<int>(settings_.database.connect_timeout)));
        second_ledger_.emplace(*second_conn_, settings_, options_.cache);
        second_lane_.emplace();
      } catch (const DomainError&) {
        second_refused_ = true;
      }
    }
    return second_ledger_ ? &*second_ledger_ : nullptr;
  }

  void apply(Chunk& chunk) {
    summary_.rows += chunk.rows.size();
    const auto results = apply_operations(chunk.ops);
    std::size_t next = 0;
    for (const auto& row : chunk.rows) {
      std::optional<RowOutcome> outcome = row.invalid;
      if (row.control) {
        outcome = apply_control(row.line, *row.control);
      } else if (!outcome) {
        const auto& result = results[next++];
        if (!result.attempted) break;  // after the first refusal, with --stop-on-error
        outcome = outcome_of(row.line, result);
      }
      count(outcome->status);
      observer_.on_row(*outcome);
      if (options_.stop_on_error &&
          (outcome->status == RowStatus::kInvalid || outcome->status == RowStatus::kRefused)) {
        summary_.stopped_early = true;
        break;
      }
    }
  }

  // A control row: its own transaction, reported with the wallet's id when it applied.
  RowOutcome apply_control(std::uint64_t line, const ControlRow& row) {
    try {
      const auto r = apply_wallet_control(conn_, static_cast<int>(settings_.database.max_retries),
                                          settings_.ledger.default_currency, row.control, row.key, options_.dry_run);
      if (options_.dry_run && !r.replayed) return RowOutcome{line, RowStatus::kValid, "", "", ""};
      return RowOutcome{line, r.replayed ? RowStatus::kReplayed : RowStatus::kApplied, r.wallet.id, "", ""};
    } catch (const DomainError& e) {
      // The database gone (or the outcome unknown) ends the replay as it does for a batch.
      const auto error_class = error_info(e.code()).error_class;
      if (error_class == ErrorClass::kUnavailable || error_class == ErrorClass::kInternal) throw;
      return RowOutcome{line, RowStatus::kRefused, "", std::string(e.name()), e.what()};
    }
  }

  RowOutcome outcome_of(std::uint64_t line, const OperationResult& r) const {
    // The transaction a row made; a pending or void row makes none: its transfer's id instead.
    const std::string made = r.transaction ? r.transaction->id : r.transfer ? r.transfer->id : "";
    RowOutcome o{line, RowStatus::kApplied, made, "", ""};
    if (r.error) {
      o.status = RowStatus::kRefused;
      o.error_code = std::string(r.error->name());
      o.message = r.error->what();
    } else if (r.replayed) {
      o.status = RowStatus::kReplayed;
    } else if (options_.dry_run) {
      o.status = RowStatus::kValid;
    }
    return o;
  }

  void count(RowStatus s) {
    switch (s) {
      case RowStatus::kApplied:
        ++summary_.applied;
        break;
      case RowStatus::kReplayed:
        ++summary_.replayed;
        break;
      case RowStatus::kRefused:
        ++summary_.refused;
        break;
      case RowStatus::kInvalid:
        ++summary_.invalid;
        break;
      case RowStatus::kValid:
        ++summary_.valid;
        break;
    }
  }

  pg::Connection& conn_;
  const Settings& settings_;
  Ledger ledger_;
  std::optional<pg::Connection> second_conn_;
  std::optional<Ledger> second_ledger_;
  bool second_refused_ = false;
  std::optional<WorkerThread> second_lane_;  // applies the second lane; stopped before its ledger
  const ReplayOptions& options_;
  ReplayObserver& observer_;
  ReplaySummary summary_;
};

}  // namespace

const char* row_status_name(RowStatus status) {
  switch (status) {
    case RowStatus::kApplied:
      return "applied";
    case RowStatus::kReplayed:
      return "replayed";
    case RowStatus::kRefused:
      return "refused";
    case RowStatus::kInvalid:
      return "invalid";
    case RowStatus::kValid:
      return "valid";
  }
  return "unknown";
}

ReplaySummary replay_settlements(pg::Connection& conn, const Settings& settings, std::istream& file,
                                 const std::string& file_hash, const ReplayOptions& options, ReplayObserver& observer) {
  return Replay(conn, settings, options, observer).run(file, file_hash, settings.ledger.max_amount);
}

}  // namespace wallet
