#include "daemon/http/request_deadline.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/logging.hpp"

// The library hands each accepted socket to its task queue inside a closure: the socket is not
// visible there. Its accept loop calls accept(2) on the same thread just before, so this
// process's accept records what it returned, for RequestDeadline's queue to pick up.
namespace {
thread_local int last_accepted = -1;
}  // namespace

extern "C" int accept(int fd, sockaddr* __restrict address, socklen_t* __restrict length) {
  using Accept = int (*)(int, sockaddr*, socklen_t*);
  static const auto real = reinterpret_cast<Accept>(dlsym(RTLD_NEXT, "accept"));
  last_accepted = real(fd, address, length);
  return last_accepted;
}

namespace wallet::daemon {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kHandling = 0;  // reading_since while the handler runs
constexpr std::int64_t kCut = -1;      // reading_since once the watchdog cut the connection

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

}  // namespace

// `socket` is this object's own descriptor of the connection (a dup): the library's may be
// closed and its number reused while the watchdog still looks, this one not.
struct RequestDeadline::Connection {
  int socket;
  std::atomic<std::int64_t> reading_since{now_ns()};
};

namespace {
thread_local RequestDeadline::Connection* current = nullptr;  // the request thread's connection
}  // namespace

class RequestDeadline::Queue : public httplib::TaskQueue {
 public:
  Queue(RequestDeadline& deadline, std::size_t threads) : deadline_(deadline), pool_(threads) {}

  // On the library's accept thread, right after accept().
  void enqueue(std::function<void()> task) override {
    const int socket = std::exchange(last_accepted, -1);
    const int own = socket < 0 ? -1 : fcntl(socket, F_DUPFD_CLOEXEC, 0);
    if (own < 0 && !warned_.exchange(true)) {
      log_event(spdlog::level::warn, "http.request_timeout: a connection's socket is unknown; it is not watched", {});
    }
    pool_.enqueue([this, own, task = std::move(task)] { deadline_.serve(own, task); });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  RequestDeadline& deadline_;
  httplib::ThreadPool pool_;
  std::atomic<bool> warned_{false};
};

RequestDeadline::RequestDeadline(std::chrono::milliseconds limit, std::function<void()> on_cut)
    : limit_(limit), on_cut_(std::move(on_cut)), watchdog_([this] { watch(); }) {}

RequestDeadline::~RequestDeadline() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  watchdog_.join();
}

httplib::TaskQueue* RequestDeadline::task_queue(std::size_t threads) { return new Queue(*this, threads); }

void RequestDeadline::serve(int socket, const std::function<void()>& task) {
  if (socket < 0) return task();
  Connection connection{socket};
  std::list<Connection*>::iterator at;
  {
    std::lock_guard lock(mutex_);
    at = open_.insert(open_.end(), &connection);
  }
  current = &connection;
  task();
  current = nullptr;
  {
    std::lock_guard lock(mutex_);
    open_.erase(at);
  }
  close(socket);
}

bool RequestDeadline::request_read() { return !current || current->reading_since.exchange(kHandling) != kCut; }

void RequestDeadline::answered() {
  if (!current) return;
  auto since = current->reading_since.load();
  // A cut connection stays cut; the library closes it once this answer is done.
  while (since != kCut && !current->reading_since.compare_exchange_weak(since, now_ns())) {
  }
}

// The library writes nothing more to a socket it can no longer read from.
void RequestDeadline::stop_reading() {
  if (current) ::shutdown(current->socket, SHUT_RD);
}

void RequestDeadline::watch() {
  const auto period = std::min(limit_ / 4, std::chrono::milliseconds(250));
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    const auto overdue = now_ns() - std::chrono::duration_cast<std::chrono::nanoseconds>(limit_).count();
    for (auto* c : open_) {
      auto since = c->reading_since.load();
      if (since <= kHandling || since > overdue) continue;
      // Only if the request is still being read: a handler that started meanwhile is left alone.
      if (!c->reading_since.compare_exchange_strong(since, kCut)) continue;
      ::shutdown(c->socket, SHUT_RDWR);
      on_cut_();
      log_event(spdlog::level::warn,
                "http: a request took longer than http.request_timeout to arrive; connection closed",
                {{"limit_ms", limit_.count()}});
    }
  }
}

}  // namespace wallet::daemon
