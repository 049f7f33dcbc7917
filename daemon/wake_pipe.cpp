#include "daemon/wake_pipe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <stdexcept>

namespace wallet::daemon {

WakePipe::WakePipe() {
  if (pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
}

WakePipe::~WakePipe() {
  close(fds_[0]);
  close(fds_[1]);
}

void WakePipe::wake() {
  const char byte = 1;
  (void)!write(fds_[1], &byte, 1);
}

bool WakePipe::wait(int socket, std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{fds_[0], POLLIN, 0}, {socket, POLLIN, 0}};
  if (poll(fds, socket >= 0 ? 2 : 1, static_cast<int>(timeout.count())) <= 0) return false;
  if (fds[0].revents != 0) {
    char buf[256];
    while (read(fds_[0], buf, sizeof buf) > 0) {
    }
  }
  return socket >= 0 && fds[1].revents != 0;
}

}  // namespace wallet::daemon
