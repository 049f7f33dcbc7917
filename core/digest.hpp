// SHA-256 and HMAC-SHA-256 (OpenSSL), as lower-case hex or raw bytes.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <string_view>

namespace wallet {

std::string sha256_hex(std::string_view data);
/// SHA-256 of everything left in a stream, read in chunks; also copies it to `copy` if given.
std::string sha256_hex(std::istream& in, std::ostream* copy = nullptr);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes

}  // namespace wallet
