// The walletctl command line: builds the CLI11 app, runs the chosen command, and turns every
// error into one line on stderr and a documented exit code.
#pragma once

namespace wallet::cli {

/// Exit codes of ARCHITECTURE section 6.
enum ExitCode : int { kExitOk = 0, kExitRefused = 1, kExitUsage = 2, kExitUnavailable = 3 };

int run(int argc, char** argv);

}  // namespace wallet::cli
