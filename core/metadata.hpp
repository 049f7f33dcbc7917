// A client's own data on a money movement or a wallet: up to 16 string pairs, validated in one
// place, kept in one canonical form (keys sorted) for the database, the idempotency hash,
// events and every representation.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json_fwd.hpp>

namespace wallet {

inline constexpr std::size_t kMaxMetadataKeys = 16;
inline constexpr std::size_t kMaxMetadataKeyBytes = 64;
inline constexpr std::size_t kMaxMetadataValueBytes = 512;
inline constexpr std::size_t kMaxMetadataBytes = 4096;  // keys and values together

/// Keys sorted byte-wise: two maps with the same pairs are equal and encode the same.
using Metadata = std::map<std::string, std::string>;

/// A JSON object of up to 16 keys (1–64 characters of [A-Za-z0-9_.-]) with string values of at
/// most 512 bytes of printable UTF-8, keys and values 4096 bytes at most together. Throws
/// DomainError(kInvalidMetadata) naming the problem.
Metadata parse_metadata(const nlohmann::json& value);
/// The same from JSON text (a CSV column). Empty text is no metadata.
Metadata parse_metadata_text(std::string_view text);
/// One `key=value` pair (a history filter, a CLI option), validated as one pair of metadata.
std::pair<std::string, std::string> parse_metadata_pair(std::string_view text);
/// A pair given apart (a `metadata.KEY=VALUE` query parameter), validated the same way.
std::pair<std::string, std::string> checked_metadata_pair(std::string key, std::string value);
/// Validates the pairs as a whole (count and size); throws DomainError(kInvalidMetadata).
void check_metadata(const Metadata& metadata);

/// The canonical JSON text (`{}` when empty).
std::string metadata_text(const Metadata& metadata);
/// The metadata as stored: JSON text, or none when empty.
std::optional<std::string> metadata_column(const Metadata& metadata);
/// Decodes what the database holds (none: no metadata); trusted, it was validated on the way in.
Metadata metadata_from_column(const std::optional<std::string>& text);

}  // namespace wallet
