#include "daemon/http/group_commit.hpp"

#include "core/errors.hpp"
#include "core/logging.hpp"

namespace wallet::daemon {

GroupCommitter::GroupCommitter(const Settings& settings, BalanceCache* cache)
    : settings_(settings),
      cache_(cache),
      max_batch_(static_cast<std::size_t>(settings.group_commit.max_batch)),
      linger_(settings.group_commit.linger_us) {
  for (std::int64_t i = 0; i < settings.group_commit.writers; ++i) writers_.emplace_back([this] { run_writer(); });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : writers_) t.join();
}

OperationResult GroupCommitter::apply(Operation op) {
  Pending pending;
  pending.ops.push_back(std::move(op));
  return std::move(enqueue(std::move(pending)).front());
}

std::vector<OperationResult> GroupCommitter::apply_batch(std::vector<Operation> ops, BatchMode mode) {
  if (ops.empty()) return {};
  return enqueue({std::move(ops), mode, true, {}});
}

std::vector<OperationResult> GroupCommitter::enqueue(Pending pending) {
  std::future<std::vector<OperationResult>> result;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw DomainError(ErrorCode::kUnavailable, "the server is stopping");
    result = pending.done.get_future();
    queue_.push_back(std::move(pending));
  }
  wake_.notify_one();
  return result.get();
}

GroupCommitStats GroupCommitter::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::size_t GroupCommitter::waiting() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

// Waits for work; when less than a full batch waits, lingers for more (bounded by linger_us),
// since a transaction costs about the same for one operation as for a hundred.
std::vector<GroupCommitter::Pending> GroupCommitter::take_batch() {
  std::unique_lock lock(mutex_);
  std::vector<Pending> batch;
  // Another writer may take what was waiting while this one lingers: it then waits again
  // (an empty batch means stopping).
  while (batch.empty()) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return {};
    if (queue_.front().alone) {  // a client's batch goes on its own
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
      break;
    }
    if (queue_.size() < max_batch_ && linger_.count() > 0) {
      wake_.wait_for(lock, linger_, [&] { return stopping_ || queue_.size() >= max_batch_; });
    }
    while (!queue_.empty() && !queue_.front().alone && batch.size() < max_batch_) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  // More is waiting than this batch takes: another writer can start on it now.
  if (!queue_.empty()) wake_.notify_one();
  return batch;
}

void GroupCommitter::run_writer() {
  Writer w;
  for (;;) {
    auto batch = take_batch();
    if (batch.empty()) return;  // stopping, and nothing is left
    commit(w, batch);
  }
}

Ledger& GroupCommitter::ledger_of(Writer& w) {
  // As the pool does: a connection the server closed while idle (a restart) is replaced
  // before a batch trips over it.
  if (w.conn && !w.conn->idle_and_alive()) {
    w.ledger.reset();
    w.conn.reset();
  }
  if (!w.conn) {
    w.conn.emplace(pg::Connection::open(settings_.database.url, static_cast<int>(settings_.database.connect_timeout)));
    w.ledger.emplace(*w.conn, settings_, cache_);
  }
  return *w.ledger;
}

void GroupCommitter::commit(Writer& w, std::vector<Pending>& batch) {
  std::vector<Operation> ops;
  for (auto& p : batch) std::move(p.ops.begin(), p.ops.end(), std::back_inserter(ops));
  const BatchMode mode = batch.size() == 1 ? batch.front().mode : BatchMode::kIndependent;
  // An error of one operation alone, or of an all-or-nothing batch, is its answer.
  const bool answers_itself = ops.size() == 1 || mode == BatchMode::kAtomic;
  std::vector<OperationResult> results;
  std::exception_ptr failure;
  std::int64_t retries = 0;
  try {
    auto& ledger = ledger_of(w);
    const auto before = ledger.retries();
    results = ledger.apply(ops, mode);
    retries = ledger.retries() - before;
  } catch (const DomainError& e) {
    if (error_info(e.code()).error_class == ErrorClass::kUnavailable || answers_itself) {
      failure = std::current_exception();
    }
  } catch (const std::exception& e) {
    if (answers_itself) failure = std::current_exception();
    log_event(spdlog::level::err, "group commit failed", {{"operations", ops.size()}, {"error", e.what()}});
  }
  {
    std::lock_guard lock(mutex_);
    ++stats_.batches;
    stats_.operations += ops.size();
    stats_.retries += retries;
  }
  if (results.empty() && !failure) return commit_one_by_one(w, batch, ops);
  auto next = std::make_move_iterator(results.begin());
  for (auto& p : batch) {
    if (failure) {
      p.done.set_exception(failure);
    } else {
      p.done.set_value(std::vector<OperationResult>(next, next + static_cast<std::ptrdiff_t>(p.ops.size())));
      next += static_cast<std::ptrdiff_t>(p.ops.size());
    }
  }
}

// Something in the batch broke it for all (an error that is not the database being down,
// raised before the commit): each operation is applied on its own, so one bad request cannot
// fail the others.
void GroupCommitter::commit_one_by_one(Writer& w, std::vector<Pending>& batch, std::vector<Operation>& ops) {
  std::size_t first = 0;  // the request's first operation in ops
  for (auto& p : batch) {
    try {
      std::vector<OperationResult> results;
      for (std::size_t i = 0; i < p.ops.size(); ++i) {
        std::vector<Pending> one(1);
        one.front().ops.push_back(std::move(ops[first + i]));
        auto answer = one.front().done.get_future();
        commit(w, one);
        results.push_back(std::move(answer.get().front()));
      }
      p.done.set_value(std::move(results));
    } catch (...) {
      p.done.set_exception(std::current_exception());
    }
    first += p.ops.size();
  }
}

}  // namespace wallet::daemon
