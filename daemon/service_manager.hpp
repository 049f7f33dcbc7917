// What the long-running commands tell systemd (sd_notify, libsystemd): READY when they serve,
// STOPPING when a stop signal arrives, and WATCHDOG pings from the main loop while the process
// is healthy. Each call does nothing outside a `Type=notify` unit (no NOTIFY_SOCKET).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace wallet::daemon::service_manager {

/// READY=1, with a STATUS line shown by `systemctl status`.
void ready(const std::string& status);
/// STOPPING=1: the shutdown began.
void stopping();
/// How often to ping: half the unit's WatchdogSec, or nullopt without a watchdog.
std::optional<std::chrono::milliseconds> watchdog_interval();
/// WATCHDOG=1: the main loop is alive.
void watchdog();

}  // namespace wallet::daemon::service_manager
