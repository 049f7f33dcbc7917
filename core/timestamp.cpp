#include "core/timestamp.hpp"

#include <charconv>
#include <cstdio>

#include "core/errors.hpp"

namespace wallet {
namespace {

[[noreturn]] void bad_time(std::string_view text, std::string_view why, ErrorCode code) {
  throw DomainError(code, "time must be RFC 3339 such as 2026-01-31T12:00:00Z (" +
                                                      std::string(why) + "), got '" + std::string(text.substr(0, 40)) +
                                                      "'");
}

int digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

Timestamp parse_rfc3339(std::string_view text, ErrorCode code) {
  using namespace std::chrono;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    bad_time(text, "layout", code);
  }
  const int y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const int h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) {
    bad_time(text, "field out of range", code);
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) bad_time(text, "no such date", code);
  std::size_t pos = 19;
  long long micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n < 6) micros = micros * 10 + (text[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0 || n > 9) bad_time(text, "fraction", code);
    for (std::size_t k = std::min<std::size_t>(n, 6); k < 6; ++k) micros *= 10;
  }
  long long offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int oh = digits(text, pos + 1, 2), om = digits(text, pos + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59 || pos + 3 >= text.size() || text[pos + 3] != ':') {
      bad_time(text, "offset", code);
    }
    offset_minutes = (text[pos] == '+' ? 1 : -1) * (oh * 60LL + om);
    pos += 6;
  } else {
    bad_time(text, "missing Z or offset", code);
  }
  if (pos != text.size()) bad_time(text, "trailing characters", code);
  const auto local = sys_days(date) + hours(h) + minutes(mi) + seconds(s) + microseconds(micros);
  return Timestamp(local - minutes(offset_minutes));
}

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  const auto day_point = floor<days>(t);
  const year_month_day date(day_point);
  const hh_mm_ss<microseconds> tod(t - day_point);
  char buf[40];
  const auto us = tod.subseconds().count();
  if (us == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lldZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<long>(tod.hours().count()), static_cast<long>(tod.minutes().count()),
                  static_cast<long long>(tod.seconds().count()));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lld.%06lldZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<long>(tod.hours().count()), static_cast<long>(tod.minutes().count()),
                  static_cast<long long>(tod.seconds().count()), static_cast<long long>(us));
  }
  return buf;
}

std::string pg_timestamp_to_rfc3339(std::string_view pg_text) {
  // The session runs with TimeZone=UTC and DateStyle=ISO, so the text is
  // "YYYY-MM-DD HH:MM:SS[.ffffff]+00"; re-formatting gives every time one spelling.
  std::string text(pg_text);
  if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
  if (text.size() > 3 && text.compare(text.size() - 3, 3, "+00") == 0) text.resize(text.size() - 3);
  text.push_back('Z');
  return format_rfc3339(parse_rfc3339(text));
}

Timestamp now_utc() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

}  // namespace wallet
