// Log output on stderr through spdlog: human-readable lines, or JSON lines for log shippers
// (`[log] format`), with structured events that carry named fields.
#pragma once

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/config.hpp"

namespace wallet {

/// Installs the process-wide loggers with the configured level and format.
void configure_logging(const Settings::Log& log);

/// Whether an event at `level` is written: callers ask first where building the fields costs.
bool log_enabled(spdlog::level::level_enum level);

/// Logs `message` with fields: `message key=value ...` as text, one object per line as JSON.
/// Callers pass only what is safe to keep: never secrets or request bodies.
void log_event(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields);

}  // namespace wallet
