// SHA-256, HMAC-SHA-256 and SHA-1 (OpenSSL), as lower-case hex or raw bytes.
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
/// SHA-1, only where a protocol names things by it (Redis scripts); never for security.
std::string sha1_hex(std::string_view data);

}  // namespace wallet
