// Combines the reads of concurrent callers into shared round trips: the first caller to find
// no round trip under way sends every read queued so far, the others wait for its answers.
// Under load one network exchange then serves many requests, which is what lets Redis reads
// keep up with the HTTP stack in front of them.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

namespace wallet {

template <class Read>
class ReadBatcher {
 public:
  /// `send` performs one batch (at most `max_batch` reads) and must not throw.
  ReadBatcher(std::function<void(std::vector<Read*>&)> send, std::size_t max_batch)
      : send_(std::move(send)), max_batch_(max_batch) {}

  /// Returns once `read` was performed, by this thread or another.
  void perform(Read& read) {
    Waiter me(&read);
    std::unique_lock lock(mutex_);
    queue_.push_back(&me);
    if (sending_) {
      me.woken.wait(lock, [&] { return me.state != State::kQueued; });
      if (me.state == State::kDone) return;
    }
    sending_ = true;  // this thread leads the next round trip; its read is at the queue's front
    lead(lock);
  }

 private:
  enum class State { kQueued, kDone, kLead };
  struct Waiter {
    explicit Waiter(Read* r) : read(r) {}
    Read* read;
    State state = State::kQueued;
    std::condition_variable woken;  // one per waiter: only the threads concerned wake up
  };

  void lead(std::unique_lock<std::mutex>& lock) {
    const auto take = static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_batch_));
    std::vector<Waiter*> batch(queue_.begin(), queue_.begin() + take);
    queue_.erase(queue_.begin(), queue_.begin() + take);
    lock.unlock();
    std::vector<Read*> reads;
    reads.reserve(batch.size());
    for (auto* w : batch) reads.push_back(w->read);
    send_(reads);
    lock.lock();
    // Under the lock, so no waiter can return and destroy its Waiter before being notified.
    for (auto* w : batch) {
      w->state = State::kDone;
      w->woken.notify_one();
    }
    if (queue_.empty()) {
      sending_ = false;
      return;
    }
    queue_.front()->state = State::kLead;  // reads queued meanwhile go out next, led by their first
    queue_.front()->woken.notify_one();
  }

  const std::function<void(std::vector<Read*>&)> send_;
  const std::size_t max_batch_;
  std::mutex mutex_;
  std::vector<Waiter*> queue_;  // not empty only while a round trip is under way
  bool sending_ = false;
};

}  // namespace wallet
