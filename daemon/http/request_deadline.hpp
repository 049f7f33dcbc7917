// A total deadline for reading each request. cpp-httplib 0.11 bounds each read of a socket
// (http.read_timeout), not a request: a client that sends one byte just before each read
// would time out holds a request thread as long as it likes, and as many such clients as there
// are threads hold the whole service. Here every connection's task is watched: from its accept,
// or from the previous answer, the request must be read within http.request_timeout; past it,
// a watchdog shuts the socket down, which ends the library's read at once and frees the thread.
// The time the handler takes to answer does not count.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace wallet::daemon {

class RequestDeadline {
 public:
  struct Connection;  // a connection being served
  /// `on_cut` is called (on the watchdog's thread) for each connection cut.
  RequestDeadline(std::chrono::milliseconds limit, std::function<void()> on_cut);
  ~RequestDeadline();
  RequestDeadline(const RequestDeadline&) = delete;

  /// A task queue that runs each connection of `threads` request threads under the deadline
  /// (for httplib::Server::new_task_queue, which owns it).
  httplib::TaskQueue* task_queue(std::size_t threads);

  /// On a request thread, once the request is read: the handler's time does not count. False
  /// when the deadline cut the connection first (nothing can be answered on it).
  static bool request_read();
  /// On a request thread, once the answer is written: the next request's time starts.
  static void answered();
  /// On a request thread, once the answer is written: the library reads nothing more of this
  /// connection (a refused body's rest, or another request) and closes it. This library
  /// version has no other way to close a connection from a handler.
  static void stop_reading();

 private:
  class Queue;
  void serve(int socket, const std::function<void()>& task);
  void watch();

  const std::chrono::milliseconds limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::list<Connection*> open_;  // connections being served
  const std::function<void()> on_cut_;
  std::thread watchdog_;
};

}  // namespace wallet::daemon
