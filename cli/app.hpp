// The walletctl command line: builds the CLI11 app, runs the chosen command, and turns every
// error into one line on stderr and a documented exit code.
#pragma once

namespace wallet::cli {

/// Exit codes of ARCHITECTURE section 6.
/// The exit codes, README's table: cron jobs tell them apart. 70 is sysexits.h's EX_SOFTWARE.
enum ExitCode : int { kExitOk = 0, kExitRefused = 1, kExitUsage = 2, kExitUnavailable = 3, kExitInternal = 70 };

int run(int argc, char** argv);

}  // namespace wallet::cli
