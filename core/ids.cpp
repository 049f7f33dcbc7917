#include "core/ids.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

#include "core/errors.hpp"

namespace wallet {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string clip(std::string_view text) { return std::string(text.substr(0, 64)); }

// Random bytes for ids from OpenSSL's generator, drawn in blocks: one RAND_bytes call per id
// cost about 5% of `serve`'s CPU under write load (locks and provider lookups on every call).
// Per thread, so threads never share a byte; walletctl never forks, so no block is inherited.
void random_bytes(unsigned char* out, std::size_t n) {
  static constexpr std::size_t kBlock = 4096;
  thread_local std::array<unsigned char, kBlock> block{};
  thread_local std::size_t used = kBlock;
  if (used + n > kBlock) {
    if (RAND_bytes(block.data(), static_cast<int>(kBlock)) != 1) {
      throw DomainError(ErrorCode::kInternal, "random number generator failed");
    }
    used = 0;
  }
  std::copy_n(block.begin() + static_cast<std::ptrdiff_t>(used), n, out);
  std::fill_n(block.begin() + static_cast<std::ptrdiff_t>(used), n, 0);  // handed out once only
  used += n;
}

}  // namespace

bool has_control_character(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string parse_uuid(std::string_view text, std::string_view what, ErrorCode code) {
  bool ok = text.size() == 36;
  for (std::size_t i = 0; ok && i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    ok = dash_position ? text[i] == '-' : is_hex(text[i]);
  }
  if (!ok) {
    throw DomainError(code, std::string(what) + " must be a UUID, got '" + clip(text) + "'");
  }
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string new_uuid() {
  std::array<unsigned char, 16> bytes{};
  random_bytes(bytes.data() + 6, 10);  // the first six bytes are the time
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x70);  // version 7
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0f]);
  }
  return out;
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else
      return false;
    if (i + len > text.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    // Reject overlong forms, surrogates and code points past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string parse_user_id(std::string_view text) {
  if (text.empty() || text.size() > 128 || has_control_character(text) || !valid_utf8(text)) {
    throw DomainError(ErrorCode::kInvalidUserId,
                      "user id must be 1 to 128 printable characters, got '" + clip(text) + "'");
  }
  return std::string(text);
}

std::string parse_idempotency_key(std::string_view text) {
  bool ok = !text.empty() && text.size() <= 255 && text.front() != ' ' && text.back() != ' ';
  for (unsigned char c : text) ok = ok && c >= 0x20 && c <= 0x7e;
  if (!ok) {
    throw DomainError(ErrorCode::kInvalidIdempotencyKey,
                      "idempotency key must be 1 to 255 printable ASCII characters, got '" + clip(text) + "'");
  }
  return std::string(text);
}

std::string parse_reference(std::string_view text) {
  if (text.size() > 255 || has_control_character(text) || !valid_utf8(text)) {
    throw DomainError(ErrorCode::kInvalidReference, "reference must be at most 255 bytes of printable UTF-8 text");
  }
  return std::string(text);
}

std::string parse_reason(std::string_view text, ErrorCode code) {
  if (text.empty() || text.size() > 500 || has_control_character(text) || !valid_utf8(text)) {
    throw DomainError(code, "reason must be 1 to 500 bytes of printable UTF-8 text");
  }
  return std::string(text);
}

}  // namespace wallet
