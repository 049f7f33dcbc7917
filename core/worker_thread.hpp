// One long-lived thread that runs the tasks handed to it, one at a time, in order: for work a
// caller overlaps with its own batch after batch (replay's read-ahead and second lane), where a
// thread started per batch costs its creation and, under jemalloc, the purge of its cache.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

namespace wallet {

class WorkerThread {
 public:
  WorkerThread() : thread_([this] { run(); }) {}
  /// Runs what was handed over first: a task may refer to its caller's locals, so declare the
  /// worker after them.
  ~WorkerThread() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  /// `task` runs on the worker; its result or exception arrives through the future.
  template <class F>
  std::future<std::invoke_result_t<F>> submit(F task) {
    auto packaged = std::make_shared<std::packaged_task<std::invoke_result_t<F>()>>(std::move(task));
    auto result = packaged->get_future();
    {
      std::lock_guard lock(mutex_);
      tasks_.emplace_back([packaged] { (*packaged)(); });
    }
    wake_.notify_one();
    return result;
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();  // a packaged task: what it throws goes to its future
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest exists
};

}  // namespace wallet
