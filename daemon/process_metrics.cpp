#include "daemon/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "core/build_info.hpp"

namespace wallet::daemon {
namespace {

void sample(std::ostream& out, const char* name, const char* type, const char* help, const std::string& value) {
  metric_header(out, name, type, help);
  out << name << ' ' << value << '\n';
}

// Field `n` (1-based, as proc(5) numbers them) of /proc/self/stat; the second field, the
// command name in parentheses, may hold spaces, so counting starts after its closing ')'.
std::optional<unsigned long long> stat_field(int n) {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  std::string field;
  for (int i = 3; i <= n; ++i) {
    if (!(rest >> field)) return std::nullopt;
  }
  unsigned long long value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return value;
}

// The boot time (`btime` of /proc/stat), in seconds since the epoch.
std::optional<long long> boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      long long value = 0;
      if (in >> value) return value;
      return std::nullopt;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

std::optional<long long> open_fds() {
  std::error_code ec;
  long long n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
  if (ec) return std::nullopt;
  return n - 1;  // less the descriptor the listing itself held open
}

}  // namespace

void metric_header(std::ostream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

std::string metric_value(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

void render_process_metrics(std::ostream& out) {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    sample(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.",
           metric_value(cpu));
  }
  const auto page = sysconf(_SC_PAGESIZE);
  if (const auto rss = stat_field(24); rss && page > 0) {
    sample(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           std::to_string(*rss * static_cast<unsigned long long>(page)));
  }
  if (const auto vsize = stat_field(23)) {
    sample(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", std::to_string(*vsize));
  }
  if (const auto fds = open_fds()) {
    sample(out, "process_open_fds", "gauge", "Open file descriptors.", std::to_string(*fds));
  }
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    sample(out, "process_max_fds", "gauge", "Most file descriptors the process may open.",
           std::to_string(files.rlim_cur));
  }
  const auto ticks = sysconf(_SC_CLK_TCK);
  const auto started = stat_field(22);
  const auto boot = boot_time();
  if (started && boot && ticks > 0) {
    sample(out, "process_start_time_seconds", "gauge", "Start time of the process since the epoch, in seconds.",
           metric_value(static_cast<double>(*boot) + static_cast<double>(*started) / static_cast<double>(ticks)));
  }
  metric_header(out, "walletctl_build_info", "gauge", "The version and git commit walletctl was built from.");
  out << "walletctl_build_info{version=\"" << build_version() << "\",commit=\"" << build_commit() << "\"} 1\n";
}

}  // namespace wallet::daemon
