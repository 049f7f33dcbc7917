// walletctl replay: settlement files through the batch write path, with a report per row.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/csv_writer.hpp"
#include "core/digest.hpp"
#include "core/errors.hpp"
#include "core/replay.hpp"
#include "core/settlement.hpp"

namespace wallet::cli {
namespace {

constexpr std::size_t kRowsShownOnStderr = 20;

struct ReplayArgs {
  std::string file;
  std::optional<std::string> report;
  std::optional<std::string> batch_size, key_scope;
  bool dry_run = false, stop_on_error = false, quiet = false;
  std::string progress = "auto";  // auto, bar, plain, none
  std::uint64_t progress_rows = 10'000;
};

enum class Progress { kNone, kBar, kPlain };

// auto: a bar on a terminal, nothing otherwise (a cron log gets no carriage returns).
Progress progress_mode(const ReplayArgs& args) {
  if (args.quiet || args.progress == "none") return Progress::kNone;
  if (args.progress == "plain") return Progress::kPlain;
  if (args.progress == "bar") return Progress::kBar;
  return isatty(STDERR_FILENO) != 0 ? Progress::kBar : Progress::kNone;
}

[[noreturn]] void unreadable(const std::string& message) { throw DomainError(ErrorCode::kInvalidInput, message); }

// The input as a seekable file: stdin is spooled to a temporary file (hashed on the way), so
// memory stays flat and the rows can be keyed by the content hash before any is applied.
class SettlementInput {
 public:
  explicit SettlementInput(const std::string& name) {
    if (name == "-") {
      char tmpl[] = "/tmp/walletctl-replay-XXXXXX";
      const int fd = mkstemp(tmpl);
      if (fd < 0) unreadable("cannot create a temporary file for standard input");
      close(fd);
      spool_ = tmpl;
      std::ofstream copy(spool_, std::ios::binary);
      hash_ = sha256_hex(std::cin, &copy);
      path_ = spool_;
    } else {
      path_ = name;
      std::ifstream in(path_, std::ios::binary);
      if (!in || std::filesystem::is_directory(path_)) unreadable("cannot read " + name);
      hash_ = sha256_hex(in);
    }
    std::error_code ec;
    size_ = std::filesystem::file_size(path_, ec);
    stream_.open(path_, std::ios::binary);
    if (!stream_) unreadable("cannot read " + name);
  }
  ~SettlementInput() {
    if (!spool_.empty()) std::filesystem::remove(spool_);
  }
  SettlementInput(const SettlementInput&) = delete;
  SettlementInput& operator=(const SettlementInput&) = delete;

  std::istream& stream() { return stream_; }
  const std::string& hash() const { return hash_; }
  std::uint64_t size() const { return size_; }

 private:
  std::string path_, spool_, hash_;
  std::uint64_t size_ = 0;
  std::ifstream stream_;
};

// Writes the report, names bad rows on stderr, and draws the progress bar on a terminal.
class ReplayPrinter : public ReplayObserver {
 public:
  ReplayPrinter(const ReplayArgs& args, std::uint64_t file_size)
      : file_size_(file_size), progress_(progress_mode(args)), progress_rows_(args.progress_rows) {
    if (args.report) {
      report_.open(*args.report, std::ios::trunc);
      if (!report_) unreadable("cannot write the report " + *args.report);
      report_ << "line,status,transaction_id,error_code,message\n";
    }
  }

  void on_row(const RowOutcome& o) override {
    if (report_.is_open()) {
      report_ << o.line << ',' << row_status_name(o.status) << ',' << o.transaction_id << ',' << o.error_code << ','
              << csv_field(o.message) << '\n';
    }
    if (o.status != RowStatus::kRefused && o.status != RowStatus::kInvalid) return;
    clear_progress();
    if (++bad_rows_ <= kRowsShownOnStderr) {
      std::cerr << "walletctl: line " << o.line << ": " << row_status_name(o.status) << ": " << o.error_code << ": "
                << o.message << '\n';
    }
  }

  void on_progress(std::uint64_t bytes, std::uint64_t rows) override {
    if (progress_ == Progress::kPlain) return plain_line(bytes, rows);
    if (progress_ != Progress::kBar) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(200) && bytes < file_size_) return;
    last_draw_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(rows) / seconds : 0;
    const double fraction = file_size_ ? static_cast<double>(bytes) / static_cast<double>(file_size_) : 0;
    const int width = 30, filled = static_cast<int>(fraction * width);
    const double eta = fraction > 0 ? seconds * (1 - fraction) / fraction : 0;
    std::fprintf(stderr, "\r[%s%s] %3d%%  %llu rows  %.0f rows/s  ETA %ds ",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), static_cast<int>(fraction * 100),
                 static_cast<unsigned long long>(rows), rate, static_cast<int>(eta));
    drawn_ = true;
  }

  void finish() {
    clear_progress();
    if (bad_rows_ > kRowsShownOnStderr) {
      std::cerr << "walletctl: ... and " << bad_rows_ - kRowsShownOnStderr << " more refused or invalid rows"
                << (report_.is_open() ? " (see the report)" : " (use --report OUT.csv)") << '\n';
    }
    if (report_.is_open()) report_.flush();
  }

 private:
  // One line each time another progress_rows_ rows are done (progress is told once a batch).
  void plain_line(std::uint64_t bytes, std::uint64_t rows) {
    if (rows / progress_rows_ == lines_ || rows == 0) return;
    lines_ = rows / progress_rows_;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double fraction = file_size_ ? static_cast<double>(bytes) / static_cast<double>(file_size_) : 0;
    std::fprintf(stderr, "replay: %llu rows, %d%% of the file, %.0f rows/s\n", static_cast<unsigned long long>(rows),
                 static_cast<int>(fraction * 100), seconds > 0 ? static_cast<double>(rows) / seconds : 0);
  }

  void clear_progress() {
    if (drawn_) std::fprintf(stderr, "\r%80s\r", "");
    drawn_ = false;
  }

  std::uint64_t file_size_;
  Progress progress_;
  std::uint64_t progress_rows_, lines_ = 0;
  bool drawn_ = false;
  std::uint64_t bad_rows_ = 0;
  std::ofstream report_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_draw_{};
};

void print_summary(Context& ctx, const ReplaySummary& s, const ReplayArgs& args, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(s.rows) / seconds : 0;
  if (ctx.json()) {
    print_json({{"rows", s.rows},
                {"applied", s.applied},
                {"replayed", s.replayed},
                {"refused", s.refused},
                {"invalid", s.invalid},
                {"valid", s.valid},
                {"dry_run", args.dry_run},
                {"stopped_early", s.stopped_early},
                {"duration_seconds", seconds},
                {"rows_per_second", rate}});
    return;
  }
  char timing[64];
  std::snprintf(timing, sizeof timing, " in %.2f s (%.0f rows/s)", seconds, rate);
  std::string line = "replay: " + std::to_string(s.rows) + " rows read: " + std::to_string(s.applied) + " applied, " +
                     std::to_string(s.replayed) + " replayed, " + std::to_string(s.refused) + " refused, " +
                     std::to_string(s.invalid) + " invalid";
  if (args.dry_run) line += ", " + std::to_string(s.valid) + " valid (dry run: nothing changed)";
  line += timing;
  if (s.stopped_early) line += "; stopped at the first error";
  std::cerr << line << '\n';
}

int run_replay(Context& ctx, const ReplayArgs& args) {
  ReplayOptions options;
  options.batch_size = static_cast<std::size_t>(ctx.settings().ledger.batch_size);
  if (args.batch_size) {
    const auto n = std::strtoll(args.batch_size->c_str(), nullptr, 10);
    if (args.batch_size->find_first_not_of("0123456789") != std::string::npos || n < 1 || n > 10000) {
      throw DomainError(ErrorCode::kInvalidInput, "--batch-size must be an integer from 1 to 10000");
    }
    options.batch_size = static_cast<std::size_t>(n);
  }
  if (args.key_scope) options.key_scope = replay_key_scope(*args.key_scope);
  options.dry_run = args.dry_run;
  options.stop_on_error = args.stop_on_error;
  options.cache = ctx.cache();
  SettlementInput input(args.file);
  ReplayPrinter printer(args, input.size());
  const auto start = std::chrono::steady_clock::now();
  const auto summary = replay_settlements(ctx.db(), ctx.settings(), input.stream(), input.hash(), options, printer);
  printer.finish();
  print_summary(ctx, summary, args, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return summary.all_good() ? 0 : 1;
}

}  // namespace

void add_replay_command(CLI::App& app, Context& ctx, Action& action) {
  auto a = std::make_shared<ReplayArgs>();
  auto* cmd = app.add_subcommand("replay", "Apply a settlement CSV file, each row at most once");
  example(cmd, {"walletctl replay settlements.csv --report report.csv --key-scope acme", "walletctl replay - --dry-run < settlements.csv"});
  cmd->add_option("file", a->file, "Settlement CSV file, or - for standard input")->required();
  cmd->add_flag("--dry-run", a->dry_run, "Validate every row and check wallets exist; change nothing");
  cmd->add_flag("--stop-on-error", a->stop_on_error, "Stop at the first invalid or refused row");
  cmd->add_option("--report", a->report, "Write one line per row: line,status,transaction_id,error_code,message");
  cmd->add_option("--batch-size", a->batch_size, "Rows per database transaction (default: ledger.batch_size)");
  cmd->add_option("--key-scope", a->key_scope,
                  "Whose idempotency keys the rows carry (e.g. the sender's name): rows of different scopes "
                  "never share a key");
  cmd->add_option("--progress", a->progress,
                  "auto (a bar on a terminal, else none), bar, plain (a line per --progress-rows rows, for logs) "
                  "or none")
      ->check(CLI::IsMember({"auto", "bar", "plain", "none"}));
  cmd->add_option("--progress-rows", a->progress_rows, "With --progress plain: rows per line (default 10000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  cmd->add_flag("--quiet", a->quiet, "No progress (the same as --progress none)");
  cmd->callback([&ctx, &action, a] { action = [&ctx, a] { return run_replay(ctx, *a); }; });
}

}  // namespace wallet::cli
