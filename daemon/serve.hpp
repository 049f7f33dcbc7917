// `walletctl serve`: runs the HTTP server until SIGTERM or SIGINT, then shuts down gracefully.
#pragma once

#include "core/config.hpp"

namespace wallet::daemon {

/// Serves until a stop signal; returns the exit code (0 after a clean shutdown). Prints
/// "listening on http://HOST:PORT" on stdout once requests are accepted.
int serve(const Settings& settings);

}  // namespace wallet::daemon
