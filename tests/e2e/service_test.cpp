// walletctl as a service: what systemd hears from it (sd_notify over a real datagram socket,
// as systemd listens), its version, its exit codes and its shell completion.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/build_info.hpp"
#include "tests/support/cli_fixture.hpp"
#include "tests/support/server_process.hpp"

namespace wallet::testing {
namespace {

using namespace std::chrono_literals;

// The socket systemd gives a Type=notify service (NOTIFY_SOCKET): datagrams of KEY=VALUE lines.
class NotifySocket {
 public:
  NotifySocket() {
    path_ = (std::filesystem::temp_directory_path() / ("walletctl-notify-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(counter_++)))
                .string();
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    unlink(path_.c_str());
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot bind " + path_);
    }
  }
  ~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

  /// The next message holding `needle`, within `limit`; what came before it is skipped.
  std::optional<std::string> wait_for(const std::string& needle, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const auto n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      std::string message(buf, static_cast<std::size_t>(n));
      if (message.find(needle) != std::string::npos) return message;
    }
    return std::nullopt;
  }

 private:
  static inline int counter_ = 0;
  std::string path_;
  int fd_ = -1;
};

class ServiceTest : public CliFixture {};

TEST_F(ServiceTest, ServeTellsSystemdItIsReadyPingsTheWatchdogAndSaysWhenItStops) {
  NotifySocket systemd;
  ServerProcess server(db_.url(), {}, "serve", false,
                       Launch{"", {{"NOTIFY_SOCKET", systemd.path()}, {"WATCHDOG_USEC", "400000"}}});
  const auto ready = systemd.wait_for("READY=1", 10s);
  ASSERT_TRUE(ready.has_value()) << server.log();
  EXPECT_NE(ready->find("STATUS=listening on http://127.0.0.1:" + std::to_string(server.port())), std::string::npos)
      << *ready;
  // WatchdogSec=0.4 s: a ping every 0.2 s, so several within a second or two.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(systemd.wait_for("WATCHDOG=1", 2s).has_value()) << "ping " << i;
  server.send_signal(SIGTERM);
  EXPECT_TRUE(systemd.wait_for("STOPPING=1", 10s).has_value()) << server.log();
  EXPECT_EQ(server.wait_exit(30s), 0) << server.log();
}

// With stderr connected to the journal, each line starts with its syslog priority, so
// journalctl -p filters by level; anywhere else lines stay as they were.
TEST_F(ServiceTest, LogLinesCarryTheirPriorityWhenStderrIsTheJournal) {
  {
    ServerProcess server(db_.url(), {"log.level=debug"}, "serve", false, Launch{"", {}, true});
    server.client()->Get("/healthz");
    server.send_signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(30s), 0);
    const auto log = server.log();
    EXPECT_NE(log.find("<6>"), std::string::npos) << log;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      EXPECT_TRUE(line.rfind("<6>", 0) == 0 || line.rfind("<7>", 0) == 0 || line.rfind("<4>", 0) == 0) << line;
    }
  }
  ServerProcess plain(db_.url());
  EXPECT_EQ(plain.log().find("<6>"), std::string::npos) << plain.log();
  EXPECT_NE(plain.log().find(" info "), std::string::npos) << plain.log();
}

TEST_F(ServiceTest, WorkerTellsSystemdItIsReadyWithoutAWatchdogToo) {
  NotifySocket systemd;
  ServerProcess worker(db_.url(), {}, "worker", false, Launch{"", {{"NOTIFY_SOCKET", systemd.path()}}});
  const auto ready = systemd.wait_for("READY=1", 10s);
  ASSERT_TRUE(ready.has_value()) << worker.log();
  EXPECT_NE(ready->find("STATUS=running"), std::string::npos) << *ready;
  EXPECT_FALSE(systemd.wait_for("WATCHDOG=1", 1s).has_value()) << "no WatchdogSec, no pings";
}

TEST_F(ServiceTest, VersionNamesTheBuildsVersionAndCommit) {
  const auto r = cli({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, version_line() + "\n");
  EXPECT_NE(r.out.find(" (commit "), std::string::npos);
}

// The exit codes README's table promises, and errors as JSON on stderr with --output json.
TEST_F(ServiceTest, ExitCodesTellRefusalUsageOutageAndInternalErrorsApart) {
  const std::string wallet = "0190a5e4-8c1e-7c3a-9f00-000000000001";
  const auto refused = cli({"--output", "json", "balance", wallet});
  EXPECT_EQ(refused.exit_code, 1);
  const auto problem = nlohmann::json::parse(refused.err, nullptr, false);
  ASSERT_TRUE(problem.is_object()) << refused.err;
  EXPECT_EQ(problem["error"]["code"], "wallet_not_found");
  EXPECT_EQ(problem["error"]["exit_code"], 1);
  EXPECT_TRUE(refused.out.empty()) << refused.out;

  const auto usage = cli({"--output", "json", "charge", wallet, "12.50"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(nlohmann::json::parse(usage.err, nullptr, false)["error"]["code"], "invalid_amount") << usage.err;
  EXPECT_EQ(nlohmann::json::parse(cli({"--output", "json", "no-such-command"}).err, nullptr, false)["error"]["code"],
            "usage");

  const auto down = run_process({walletctl_path(), "--set", "database.connect_timeout=1", "balance", wallet},
                                {{"DATABASE_URL", "postgresql://wallet@127.0.0.1:1/walletctl"}});
  EXPECT_EQ(down.exit_code, 3) << down.err;

  // A database without the schema is nothing a user did wrong with this command: the database
  // refused a statement walletctl sent, which is walletctl's (or its operator's) bug.
  TestDatabase bare(false);
  const auto internal = run_process({walletctl_path(), "balance", wallet}, {{"DATABASE_URL", bare.url()}});
  EXPECT_EQ(internal.exit_code, 70) << internal.err;
  EXPECT_NE(internal.err.find("walletctl: internal: "), std::string::npos) << internal.err;
}

// The completion script, sourced in a real bash, completes commands, subcommands and options.
TEST_F(ServiceTest, BashCompletionCompletesCommandsSubcommandsAndOptions) {
  const auto script = cli({"completion", "bash"});
  ASSERT_EQ(script.exit_code, 0) << script.err;
  const auto complete = [&](const std::string& line) {
    const auto r = run_process({"bash", "-c",
                                "source /dev/stdin; COMP_WORDS=(" + line + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                                "_walletctl; printf '%s\\n' \"${COMPREPLY[@]}\""},
                               {}, script.out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  EXPECT_NE(complete("walletctl tra").find("transfer\n"), std::string::npos);
  EXPECT_NE(complete("walletctl tra").find("transfer-status\n"), std::string::npos);
  EXPECT_EQ(complete("walletctl wallet f"), "freeze\n");
  EXPECT_EQ(complete("walletctl wallet freeze W --r"), "--reason\n");
  EXPECT_EQ(complete("walletctl --output j"), "json\n");
  EXPECT_NE(complete("walletctl replay settlements.csv --"), "");
  EXPECT_NE(complete("walletctl replay settlements.csv --").find("--key-scope\n"), std::string::npos);
  const auto zsh = cli({"completion", "zsh"});
  EXPECT_EQ(zsh.exit_code, 0);
  EXPECT_EQ(zsh.out.rfind("autoload -U +X bashcompinit && bashcompinit\n", 0), 0u);
  EXPECT_EQ(cli({"completion", "fish"}).exit_code, 2);
}

}  // namespace
}  // namespace wallet::testing
