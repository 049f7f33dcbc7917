#include "core/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace wallet {
namespace {

std::atomic<bool> g_json{false};
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%fZ %l %v";

// `%*`: the message as the inside of a JSON string, so every JSON line stays valid whatever
// a message holds.
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string text(msg.payload.data(), msg.payload.size());
    const std::string quoted = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(quoted.data() + 1, quoted.data() + quoted.size() - 1);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonEscapedMessage>(); }
};

// `%&`: the line's syslog priority as sd-daemon(3) reads it, e.g. `<4>` for a warning, so the
// journal files each line at its level.
class JournalPriority : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr std::array<const char*, 7> kPriority = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    const char* p = kPriority.at(static_cast<std::size_t>(msg.level));
    dest.append(p, p + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JournalPriority>(); }
};

// Whether stderr is the journal: systemd names the stream it connected in JOURNAL_STREAM
// ("device:inode"), which stays set in children whose stderr went elsewhere, so both must match.
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  struct stat st {};
  if (stream == nullptr || fstat(STDERR_FILENO, &st) != 0) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  return device == static_cast<unsigned long long>(st.st_dev) && inode == static_cast<unsigned long long>(st.st_ino);
}

std::unique_ptr<spdlog::formatter> make_formatter(const char* pattern) {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  static const bool journal = stderr_is_journal();
  f->add_flag<JsonEscapedMessage>('*').add_flag<JournalPriority>('&');
  f->set_pattern(journal ? std::string("%&") + pattern : std::string(pattern));
  return f;
}

// Each logger gets its own stderr sink: a sink holds one formatter, and the two loggers format
// differently. stdio locks stderr per write, so lines never interleave.
std::shared_ptr<spdlog::logger> make_logger(const char* name, const char* pattern, spdlog::level::level_enum level) {
  auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(make_formatter(pattern));
  logger->set_level(level);
  return logger;
}

// A text value stays bare when it is one plain word; otherwise it is quoted and escaped, so a
// path or id holding spaces or newlines cannot forge a log line.
std::string text_value(const nlohmann::json& value) {
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  if (!value.is_string()) return value.dump(-1, ' ', false, kReplace);
  const auto& s = value.get_ref<const std::string&>();
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && c != '"' && c != '=' && c != 0x7f;
  });
  return plain ? s : value.dump(-1, ' ', false, kReplace);
}

std::shared_ptr<spdlog::logger> events_logger() {
  auto logger = spdlog::get("events");
  return logger ? logger : spdlog::default_logger();
}

}  // namespace

void configure_logging(const Settings::Log& log) {
  const bool json = log.format == "json";
  g_json = json;
  const auto level = spdlog::level::from_str(log.level);
  spdlog::drop("events");
  // Events arrive already shaped as JSON members; plain messages are wrapped and escaped.
  auto events =
      make_logger("events", json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})" : kTextPattern, level);
  spdlog::register_logger(events);
  spdlog::set_default_logger(make_logger(
      "walletctl", json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%*"})" : kTextPattern, level));
}

bool log_enabled(spdlog::level::level_enum level) { return events_logger()->should_log(level); }

void log_event(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields) {
  auto logger = events_logger();
  if (!logger->should_log(level)) return;
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  if (g_json) {
    std::string members = "\"msg\":" + nlohmann::json(message).dump(-1, ' ', false, kReplace);
    for (const auto& [key, value] : fields.items()) {
      members += "," + nlohmann::json(key).dump() + ":" + value.dump(-1, ' ', false, kReplace);
    }
    logger->log(level, "{}", members);
    return;
  }
  std::string line(message);
  for (const auto& [key, value] : fields.items()) {
    line += " " + key + "=" + text_value(value);
  }
  logger->log(level, "{}", line);
}

}  // namespace wallet
