// Metrics every walletctl daemon exposes about itself, in the names Prometheus's client
// libraries use (process_*), and walletctl_build_info: what it was built from.
#pragma once

#include <ostream>
#include <string>

namespace wallet::daemon {

/// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_open_fds, process_max_fds, process_start_time_seconds (from getrusage, getrlimit and
/// /proc/self; a line whose source cannot be read is left out), and walletctl_build_info.
void render_process_metrics(std::ostream& out);

/// The `# HELP` and `# TYPE` lines of a metric family.
void metric_header(std::ostream& out, const char* name, const char* type, const char* help);

/// A sample value: integers as such, others in the shortest text that reads back as the same
/// double (a `_sum` of many short latencies keeps every digit).
std::string metric_value(double value);

}  // namespace wallet::daemon
