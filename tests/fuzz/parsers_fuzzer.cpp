// The small parsers every CLI argument, CSV field, path segment and header goes through: money,
// ids, user ids, idempotency keys, references, currencies, timestamps and page limits. The
// first byte picks one; what a parser accepts must survive a round trip, and money arithmetic
// must agree with 128-bit arithmetic (an overflow is refused, never wrapped).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/currency.hpp"
#include "core/history.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/timestamp.hpp"
#include "daemon/http/requests.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace wallet;

namespace {

void money_arithmetic(const std::uint8_t* data, std::size_t size) {
  if (size < 16) return;
  std::int64_t a = 0, b = 0;
  std::memcpy(&a, data, 8);
  std::memcpy(&b, data + 8, 8);
  const __int128 sum = static_cast<__int128>(a) + b, difference = static_cast<__int128>(a) - b;
  const auto in_range = [](__int128 v) { return v >= INT64_MIN && v <= INT64_MAX; };
  const auto plus = Money(a).plus(Money(b));
  fuzz::check(plus.has_value() == in_range(sum), "plus refuses exactly the overflows");
  if (plus) fuzz::check(plus->minor() == static_cast<std::int64_t>(sum), "plus adds");
  const auto minus = Money(a).minus(Money(b));
  fuzz::check(minus.has_value() == in_range(difference), "minus refuses exactly the overflows");
  if (minus) fuzz::check(minus->minor() == static_cast<std::int64_t>(difference), "minus subtracts");
  const auto negated = Money(a).negated();
  fuzz::check(negated.has_value() == (a != INT64_MIN), "negation refuses only the minimum");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 9) {
    case 0: {
      Money m;
      if (fuzz::refused([&] { m = parse_amount(text, kDefaultMaxAmount); })) break;
      fuzz::check(m.minor() >= 1 && m.minor() <= kDefaultMaxAmount, "an accepted amount is within range");
      fuzz::check(parse_amount(std::to_string(m.minor()), kDefaultMaxAmount) == m, "an amount round-trips");
      break;
    }
    case 1: {
      std::string id;
      if (fuzz::refused([&] { id = parse_uuid(text); })) break;
      fuzz::check(parse_uuid(id) == id, "a UUID is accepted again as it was returned");
      break;
    }
    case 2: {
      std::string user;
      if (fuzz::refused([&] { user = parse_user_id(text); })) break;
      fuzz::check(user == text && valid_utf8(user), "a user id is kept as sent and is UTF-8");
      break;
    }
    case 3:
      fuzz::refused([&] { parse_idempotency_key(text); });
      fuzz::refused([&] { daemon::parse_idempotency_header(text); });
      break;
    case 4:
      fuzz::refused([&] { parse_reference(text); });
      break;
    case 5: {
      std::string code;
      if (fuzz::refused([&] { code = parse_currency(text); })) break;
      fuzz::check(parse_currency(code) == code, "a currency code is accepted again");
      const auto m = Money(static_cast<std::int64_t>(text.size()) * 12345 - 99999);
      fuzz::check(!format_major(m, code).empty(), "an amount formats in any accepted currency");
      break;
    }
    case 6: {
      Timestamp t;
      if (fuzz::refused([&] { t = parse_rfc3339(text); })) break;
      fuzz::check(parse_rfc3339(format_rfc3339(t)) == t, "a timestamp round-trips");
      break;
    }
    case 7: {
      int limit = 0;
      if (fuzz::refused([&] { limit = parse_limit(text); })) break;
      fuzz::check(limit >= 1 && limit <= 200, "a page limit is within range");
      break;
    }
    default:
      money_arithmetic(data + 1, size - 1);
      break;
  }
  return 0;
}
