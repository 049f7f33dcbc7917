#include "core/replay.hpp"

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

class Replay {
 public:
  Replay(pg::Connection& conn, const Settings& settings, const ReplayOptions& options, ReplayObserver& observer)
      : ledger_(conn, settings), options_(options), observer_(observer) {}

  ReplaySummary run(std::istream& file, const std::string& file_hash, std::int64_t max_amount) {
    CsvReader reader(file);
    CsvRecord record;
    if (!reader.next(record))
      throw DomainError(ErrorCode::kInvalidInput, "the file is empty: a header row is required");
    const auto header = SettlementHeader::parse(record);
    while (!summary_.stopped_early && reader.next(record)) {
      ++summary_.rows;
      try {
        ops_.push_back(parse_settlement_row(header, record, max_amount, file_hash));
        pending_.push_back({record.line, std::nullopt});
      } catch (const DomainError& e) {
        pending_.push_back(
            {record.line, RowOutcome{record.line, RowStatus::kInvalid, "", std::string(e.name()), e.what()}});
        if (options_.stop_on_error) flush();
      }
      if (ops_.size() >= options_.batch_size) flush();
      if (pending_.empty()) observer_.on_progress(reader.bytes_read(), summary_.rows);
    }
    flush();
    observer_.on_progress(reader.bytes_read(), summary_.rows);
    return summary_;
  }

 private:
  BatchMode mode() const {
    if (options_.dry_run) return BatchMode::kValidateOnly;
    return options_.stop_on_error ? BatchMode::kStopAtFirstError : BatchMode::kIndependent;
  }

  void flush() {
    const auto results = ledger_.apply(ops_, "", mode());
    std::size_t next = 0;
    for (const auto& row : pending_) {
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
    ops_.clear();
    pending_.clear();
  }

  RowOutcome outcome_of(std::uint64_t line, const OperationResult& r) const {
    RowOutcome o{line, RowStatus::kApplied, r.transaction ? r.transaction->id : "", "", ""};
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
  std::vector<Operation> ops_;
  std::vector<PendingRow> pending_;
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
