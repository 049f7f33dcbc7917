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
  std::future<OperationResult> result;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw DomainError(ErrorCode::kUnavailable, "the server is stopping");
    queue_.push_back({std::move(op), {}});
    result = queue_.back().done.get_future();
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
  wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) return {};
  if (queue_.size() < max_batch_ && linger_.count() > 0) {
    wake_.wait_for(lock, linger_, [&] { return stopping_ || queue_.size() >= max_batch_; });
  }
  std::vector<Pending> batch;
  const auto n = std::min(queue_.size(), max_batch_);
  batch.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
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
  ops.reserve(batch.size());
  for (auto& p : batch) ops.push_back(std::move(p.op));
  Completed done;
  std::int64_t retries = 0;
  try {
    auto& ledger = ledger_of(w);
    const auto before = ledger.retries();
    done.results = ledger.apply(ops);
    retries = ledger.retries() - before;
  } catch (const DomainError& e) {
    if (error_info(e.code()).error_class == ErrorClass::kUnavailable || ops.size() == 1) {
      done.failure = std::current_exception();
    }
  } catch (const std::exception& e) {
    if (ops.size() == 1) done.failure = std::current_exception();
    log_event(spdlog::level::err, "group commit failed", {{"operations", ops.size()}, {"error", e.what()}});
  }
  {
    std::lock_guard lock(mutex_);
    ++stats_.batches;
    stats_.operations += ops.size();
    stats_.retries += retries;
  }
  if (done.results.empty() && !done.failure) {
    // Something in the batch broke it for all (an error that is not the database being down,
    // raised before the commit): each operation is applied on its own, so one bad request
    // cannot fail the others.
    for (std::size_t i = 0; i < ops.size(); ++i) {
      std::vector<Pending> one;
      one.push_back({std::move(ops[i]), std::move(batch[i].done)});
      commit(w, one);
    }
    return;
  }
  done.batch = std::move(batch);
  answer(done);
}

void GroupCommitter::answer(Completed& done) {
  for (std::size_t i = 0; i < done.batch.size(); ++i) {
    if (done.failure) {
      done.batch[i].done.set_exception(done.failure);
    } else {
      done.batch[i].done.set_value(std::move(done.results[i]));
    }
  }
}

}  // namespace wallet::daemon
