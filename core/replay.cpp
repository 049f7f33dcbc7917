#include "core/replay.hpp"

#include <future>
#include <optional>
#include <vector>

#include "core/csv_reader.hpp"
#include "core/errors.hpp"
#include "core/ledger.hpp"
#include "core/settlement.hpp"

namespace wallet {
namespace {

// Rows read but not yet reported: an operation waiting for its batch, or an invalid row that
// keeps its place in file order.
struct PendingRow {
  std::uint64_t line;
  std::optional<RowOutcome> invalid;
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
        chunk.ops.push_back(parse_settlement_row(*header_, record, max_amount_, file_hash_, options_.key_scope));
        chunk.rows.push_back({record.line, std::nullopt});
      } catch (const DomainError& e) {
        chunk.rows.push_back(
            {record.line, RowOutcome{record.line, RowStatus::kInvalid, "", std::string(e.name()), e.what()}});
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
      : ledger_(conn, settings, options.cache), options_(options), observer_(observer) {}

  // While one batch is applied, the next is read and parsed on another thread, so the client's
  // parsing overlaps the database's work.
  ReplaySummary run(std::istream& file, const std::string& file_hash, std::int64_t max_amount) {
    ChunkReader reader(file, file_hash, max_amount, options_);
    auto ahead = std::async(std::launch::async, [&] { return reader.next(); });
    for (;;) {
      Chunk chunk = ahead.get();
      if (!chunk.last) ahead = std::async(std::launch::async, [&] { return reader.next(); });
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

  void apply(const Chunk& chunk) {
    summary_.rows += chunk.rows.size();
    const auto results = ledger_.apply(chunk.ops, mode());
    std::size_t next = 0;
    for (const auto& row : chunk.rows) {
      std::optional<RowOutcome> outcome = row.invalid;
      if (!outcome) {
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

  Ledger ledger_;
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
