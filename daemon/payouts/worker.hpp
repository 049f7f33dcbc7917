// `walletctl worker`: the withdrawal pool alone, so payouts scale apart from the API.
#pragma once

#include "core/config.hpp"

namespace wallet::daemon {

/// Runs the pool until SIGTERM or SIGINT; returns the exit code (0 after a clean stop).
int run_worker(const Settings& settings);

}  // namespace wallet::daemon
