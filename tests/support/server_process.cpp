#include "tests/support/server_process.hpp"

#include "core/api_keys.hpp"
#include "core/pg/connection.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

constexpr std::string_view kReadyPrefix = "walletctl: ";
constexpr std::string_view kListening = "listening on ";  // http:// or https://
constexpr std::string_view kMetricsOn = "metrics on http://";  // worker's and notify's own port

// Reads the child's stdout until its ready line; returns the port it names (serve's, or the
// metrics port of a worker or notify; 0 for a process that listens on none), or -1 when it never got ready. What follows the line stays in `rest`.
int read_port(int fd, std::chrono::seconds limit, std::string& rest) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;  // the server exited before it was ready
    seen.append(buf, static_cast<std::size_t>(n));
    const auto at = seen.find(kReadyPrefix);
    const auto eol = seen.find('\n', at == std::string::npos ? 0 : at);
    if (at != std::string::npos && eol != std::string::npos) {
      const auto line = seen.substr(at + kReadyPrefix.size(), eol - at - kReadyPrefix.size());
      rest = seen.substr(eol + 1);
      if (!line.starts_with(kListening) && line.find(kMetricsOn) == std::string::npos) return 0;
      return std::stoi(line.substr(line.rfind(':') + 1));
    }
  }
  return -1;
}

// An admin API key on the database, when its schema has the table (a test may serve an
// unmigrated database on purpose).
std::string admin_secret(const std::string& database_url) {
  try {
    auto conn = pg::Connection::open(database_url, 5);
    return ApiKeyStore(conn).create("test", ApiScope::kAdmin, std::nullopt).secret;
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

ServerProcess::ServerProcess(const std::string& database_url, const std::vector<std::string>& settings,
                             const std::string& command, bool ready_on_stderr, const Launch& launch) {
  char log_template[] = "/tmp/walletctl-serve-XXXXXX";
  const int log_fd = mkstemp(log_template);
  if (log_fd < 0) throw std::runtime_error("mkstemp failed");
  log_path_ = log_template;
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  // Tests talk as an admin key without a rate limit unless their settings say otherwise.
  api_secret_ = admin_secret(database_url);
  std::vector<std::string> argv = {
      launch.binary.empty() ? walletctl_path() : launch.binary,
      "--set",
      "http.listen=127.0.0.1:0",
      "--set",
      "auth.rate_per_second=1000000",
      "--set",
      "auth.rate_burst=1000000"};
  for (const auto& s : settings) argv.insert(argv.end(), {"--set", s});
  std::istringstream words(command);
  for (std::string w; words >> w;) argv.push_back(w);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out[1], 1);
    dup2(log_fd, 2);
    close(out[0]);
    auto env = launch.env;
    env["DATABASE_URL"] = database_url;
    struct stat log_stat {};
    if (launch.stderr_is_journal && fstat(2, &log_stat) == 0) {
      env["JOURNAL_STREAM"] = std::to_string(log_stat.st_dev) + ":" + std::to_string(log_stat.st_ino);
    }
    exec_child(argv, env);
  }
  close(out[1]);
  close(log_fd);
  stdout_fd_ = out[0];
  if (ready_on_stderr) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    port_ = -1;
    while (port_ < 0 && std::chrono::steady_clock::now() < deadline) {
      if (log().find(kReadyPrefix) != std::string::npos) port_ = 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polls the log file the child writes
    }
  } else {
    port_ = read_port(stdout_fd_, std::chrono::seconds(30), stdout_buffer_);
  }
  if (port_ < 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw std::runtime_error("walletctl serve did not start; its log:\n" + log());
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    // Every test ends with a graceful stop, so a server that cannot shut down cleanly (or a
    // sanitizer report, which turns the exit code non-zero) fails the test that ran it.
    kill(pid_, SIGTERM);
    const int code = wait_exit(std::chrono::seconds(30));
    if (code != 0) {
      ADD_FAILURE() << "walletctl serve did not stop cleanly (exit " << code << "); its log:\n"
                    << log().substr(0, 20000);
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
  unlink(log_path_.c_str());
}

std::unique_ptr<httplib::Client> ServerProcess::client() const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_keep_alive(true);
  c->set_connection_timeout(5);
  c->set_read_timeout(30);
  c->set_write_timeout(30);
  if (!api_secret_.empty()) c->set_bearer_token_auth(api_secret_);
  return c;
}

void ServerProcess::send_signal(int sig) const {
  if (pid_ > 0) kill(pid_, sig);
}

int ServerProcess::wait_exit(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    // Polls the child's state: there is no descriptor to wait on for another process's exit.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<std::string> ServerProcess::next_stdout_line(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (const auto eol = stdout_buffer_.find('\n'); eol != std::string::npos) {
      auto line = stdout_buffer_.substr(0, eol);
      stdout_buffer_.erase(0, eol + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    stdout_buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

std::string ServerProcess::log() const {
  std::ifstream in(log_path_);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace wallet::testing
