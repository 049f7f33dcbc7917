#include "core/money.hpp"

#include <charconv>
#include <stdexcept>

#include "core/currency.hpp"
#include "core/errors.hpp"

namespace wallet {

std::optional<Money> Money::plus(Money other) const {
  std::int64_t out = 0;
  if (__builtin_add_overflow(minor_, other.minor_, &out)) return std::nullopt;
  return Money(out);
}

std::optional<Money> Money::minus(Money other) const {
  std::int64_t out = 0;
  if (__builtin_sub_overflow(minor_, other.minor_, &out)) return std::nullopt;
  return Money(out);
}

std::optional<Money> Money::negated() const { return Money(0).minus(*this); }

Money must_fit(std::optional<Money> result, const char* what) {
  if (!result) throw std::overflow_error(std::string("money overflow: ") + what);
  return *result;
}

Money checked_amount(std::int64_t value, std::int64_t max_amount) {
  if (value < 1) {
    throw DomainError(ErrorCode::kInvalidAmount, "amount must be a positive integer of minor units");
  }
  if (value > max_amount) {
    throw DomainError(ErrorCode::kInvalidAmount,
                      "amount must not exceed " + std::to_string(max_amount) + " minor units");
  }
  return Money(value);
}

Money parse_amount(std::string_view text, std::int64_t max_amount) {
  const bool digits_only = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits_only) {
    throw DomainError(ErrorCode::kInvalidAmount,
                      "amount must be a whole number of minor units (e.g. 1250 for 12.50), got '" +
                          std::string(text.substr(0, 40)) + "'");
  }
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw DomainError(ErrorCode::kInvalidAmount,
                      "amount must not exceed " + std::to_string(max_amount) + " minor units");
  }
  return checked_amount(value, max_amount);
}

std::string format_major(Money amount, std::string_view currency) {
  const int digits = currency_minor_digits(currency);
  const std::int64_t minor = amount.minor();
  // Work on the magnitude as unsigned so INT64_MIN formats correctly.
  const bool negative = minor < 0;
  std::uint64_t magnitude =
      negative ? std::uint64_t{0} - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude / scale);
  if (digits > 0) {
    std::string frac = std::to_string(magnitude % scale);
    out += "." + std::string(static_cast<std::size_t>(digits) - frac.size(), '0') + frac;
  }
  out += " ";
  out += currency;
  return out;
}

}  // namespace wallet
