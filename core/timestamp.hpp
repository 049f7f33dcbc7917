// RFC 3339 times: parsing what clients send and formatting what PostgreSQL returns.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/errors.hpp"

namespace wallet {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

/// Parses "2026-11-22T10:00:00Z", with optional fraction (up to 6 digits) and a Z or ±HH:MM
/// offset. Throws DomainError(code) naming the problem (the field's own code).
Timestamp parse_rfc3339(std::string_view text, ErrorCode code = ErrorCode::kInvalidReleaseAt);

/// "2026-11-22T10:00:00.123456Z" (fraction only when non-zero).
std::string format_rfc3339(Timestamp t);

/// Converts PostgreSQL's ISO output of a timestamptz in UTC ("2026-11-22 10:00:00.12+00")
/// to RFC 3339.
std::string pg_timestamp_to_rfc3339(std::string_view pg_text);

Timestamp now_utc();

}  // namespace wallet
