#include "daemon/service_manager.hpp"

#include <systemd/sd-daemon.h>

namespace wallet::daemon::service_manager {

void ready(const std::string& status) { sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str()); }

void stopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

std::optional<std::chrono::milliseconds> watchdog_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  // Twice per period: one ping late by scheduling never misses the deadline.
  return std::chrono::milliseconds(std::max<std::uint64_t>(usec / 2000, 1));
}

void watchdog() { sd_notify(0, "WATCHDOG=1"); }

}  // namespace wallet::daemon::service_manager
