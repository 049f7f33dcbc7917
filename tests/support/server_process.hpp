// A real `walletctl serve` started by a test on a free port, the way users run it: the test
// waits for the address it prints, talks HTTP to it, and signals it to stop.
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wallet::testing {

/// How to start the process beyond the defaults: another binary (an installed one), more
/// environment (NOTIFY_SOCKET for the systemd notification tests).
struct Launch {
  std::string binary;  // empty: this build's walletctl
  std::map<std::string, std::string> env;
  /// Sets JOURNAL_STREAM to the log file's device and inode, as systemd does when it connects
  /// a service's stderr to the journal.
  bool stderr_is_journal = false;
};

class ServerProcess {
 public:
  /// Starts `walletctl COMMAND` (serve, or worker) on `database_url` with extra `--set
  /// section.key=value` settings and waits (at most 30 s) until it says it is ready: port() is
  /// the address it listens on for serve, its metrics port for a worker or notify that has one.
  /// `command` may hold several words ("--output json events tail"). A process that writes its
  /// results on stdout says it is ready on stderr instead (`ready_on_stderr`).
  explicit ServerProcess(const std::string& database_url, const std::vector<std::string>& settings = {},
                         const std::string& command = "serve", bool ready_on_stderr = false,
                         const Launch& launch = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;

  int port() const { return port_; }
  int pid() const { return pid_; }
  /// The secret of the admin API key made for this server's clients.
  const std::string& api_secret() const { return api_secret_; }
  /// A keep-alive client of this server with generous timeouts, sending the admin key.
  std::unique_ptr<httplib::Client> client() const;
  void send_signal(int sig) const;
  /// Waits for the process to exit, at most `limit`; returns its exit code, or -1 when it is
  /// still running at the limit.
  int wait_exit(std::chrono::milliseconds limit);
  /// The next line the process writes on stdout, if one comes within `limit`.
  std::optional<std::string> next_stdout_line(std::chrono::milliseconds limit);
  /// What the server logged on stderr so far.
  std::string log() const;

 private:
  int pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;
  std::string log_path_;
  std::string stdout_buffer_;  // read but not yet returned
  std::string api_secret_;
};

}  // namespace wallet::testing
