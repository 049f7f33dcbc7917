#include "core/backoff.hpp"

#include <algorithm>

namespace wallet {

std::chrono::milliseconds retry_delay(std::int64_t attempt, std::int64_t initial_ms, std::int64_t max_ms,
                                      std::uint64_t random) {
  std::int64_t delay = initial_ms;
  for (std::int64_t i = 1; i < attempt && delay < max_ms; ++i) delay *= 2;
  delay = std::min(delay, max_ms);
  const std::int64_t half = delay / 2;
  const auto spread = static_cast<std::uint64_t>(delay - half + 1);
  return std::chrono::milliseconds(half + static_cast<std::int64_t>(random % spread));
}

}  // namespace wallet
