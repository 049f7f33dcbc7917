#include "core/currency.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/errors.hpp"

namespace wallet {
namespace {

// Active ISO 4217 codes (list one, 2024). The minor-unit exponent is 2 except where listed below.
constexpr std::string_view kCodes =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP "
    "ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK "
    "JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK "
    "MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN "
    "PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB "
    "TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD "
    "XOF XPF YER ZAR ZMW ZWL";
constexpr std::string_view kZeroDigits = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
constexpr std::string_view kThreeDigits = "BHD IQD JOD KWD LYD OMR TND";
constexpr std::string_view kFourDigits = "CLF UYW";

bool listed(std::string_view list, std::string_view code) {
  for (std::size_t i = 0; i + 3 <= list.size(); i += 4) {
    if (list.substr(i, 3) == code) return true;
  }
  return false;
}

}  // namespace

std::string parse_currency(std::string_view text) {
  std::string code(text);
  const bool letters =
      code.size() == 3 && std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isalpha(c) != 0; });
  if (letters) {
    std::transform(code.begin(), code.end(), code.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  if (!letters || !listed(kCodes, code)) {
    throw DomainError(ErrorCode::kInvalidCurrency,
                      "currency must be an ISO 4217 code such as USD, got '" + std::string(text.substr(0, 16)) + "'");
  }
  return code;
}

int currency_minor_digits(std::string_view code) {
  if (listed(kZeroDigits, code)) return 0;
  if (listed(kThreeDigits, code)) return 3;
  if (listed(kFourDigits, code)) return 4;
  return 2;
}

}  // namespace wallet
