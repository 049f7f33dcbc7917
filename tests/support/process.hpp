// Runs a program as a child process, feeding stdin and capturing stdout, stderr and the exit
// code: how e2e tests drive the real walletctl binary.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace wallet::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};

/// Runs argv with the current environment plus `env` (an empty value removes the variable).
ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
                          const std::string& input = "");

/// Runs argv with a terminal as its stdin, stdout and stderr; returns what it wrote there
/// and its exit code.
ProcessResult run_on_terminal(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

/// In a forked child: applies env and replaces the process with argv; never returns.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);

/// Runs this checkout's `scripts/stack ACTION SERVICE` (start, stop or kill one service of the
/// private stack).
ProcessResult run_stack(const std::string& action, const std::string& service);

/// Starts argv in the background with its output discarded; returns its pid.
int start_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
/// Waits for a started process; returns its exit code, or 128 + the signal that ended it.
int wait_process(int pid);

}  // namespace wallet::testing
