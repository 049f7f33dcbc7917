// Money in minor units (cents) with overflow-checked arithmetic, and amount parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace wallet {

/// The largest amount the default configuration accepts in one request (10^15 minor units).
inline constexpr std::int64_t kDefaultMaxAmount = 1'000'000'000'000'000;

/// A signed amount in minor units. Every arithmetic operation is checked: an overflow yields
/// nullopt rather than a wrapped value.
class Money {
 public:
  constexpr Money() = default;
  constexpr explicit Money(std::int64_t minor) : minor_(minor) {}
  constexpr std::int64_t minor() const { return minor_; }

  std::optional<Money> plus(Money other) const;
  std::optional<Money> minus(Money other) const;
  std::optional<Money> negated() const;

  friend constexpr auto operator<=>(Money, Money) = default;

 private:
  std::int64_t minor_ = 0;
};

/// The value of a checked operation whose overflow the ledger's invariants rule out (e.g. a
/// balance minus its holds): an overflow there means corrupt data, so it throws
/// std::overflow_error naming `what` (an internal error) instead of going on with a wrong sum.
Money must_fit(std::optional<Money> result, const char* what);

/// Minor units, as tests print them.
inline std::ostream& operator<<(std::ostream& out, Money m) { return out << m.minor(); }

/// Parses a request amount: a decimal integer from 1 to max_amount, no sign, no fraction, no
/// spaces. Throws DomainError(kInvalidAmount) naming what is wrong.
Money parse_amount(std::string_view text, std::int64_t max_amount);

/// Validates an amount already decoded as an integer (e.g. from JSON).
Money checked_amount(std::int64_t value, std::int64_t max_amount);

/// "12.34 USD" for 1234 minor units of a two-digit currency; "-0.05 EUR"; "100 JPY".
std::string format_major(Money amount, std::string_view currency);

}  // namespace wallet
