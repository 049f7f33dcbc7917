// ISO 4217 currency codes and their minor-unit digits.
#pragma once

#include <string>
#include <string_view>

namespace wallet {

/// Accepts an active ISO 4217 code (three letters, any case) and returns it upper-case.
/// Throws DomainError(kInvalidCurrency) otherwise.
std::string parse_currency(std::string_view text);

/// Digits after the decimal point of the currency's minor unit (2 for USD, 0 for JPY).
int currency_minor_digits(std::string_view code);

}  // namespace wallet
