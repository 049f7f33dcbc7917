// Identifiers and free-text fields that come from outside: wallet ids (UUID), user ids,
// idempotency keys and references, each validated in one place.
#pragma once

#include <string>
#include <string_view>

#include "core/errors.hpp"

namespace wallet {

/// Accepts a UUID in its 8-4-4-4-12 hex form, any case; returns it lower-case.
/// Throws DomainError(code) naming `what` otherwise.
std::string parse_uuid(std::string_view text, std::string_view what = "wallet id",
                       ErrorCode code = ErrorCode::kInvalidWalletId);

/// A new time-ordered UUID (version 7): ids inserted together stay close in indexes.
std::string new_uuid();

/// A user id is an opaque string of 1–128 printable characters (no control characters).
std::string parse_user_id(std::string_view text);

/// An idempotency key is 1–255 printable ASCII characters (0x21–0x7E and space inside).
std::string parse_idempotency_key(std::string_view text);

/// A reference is free text for the client, at most 255 bytes of valid UTF-8 with no control
/// characters.
std::string parse_reference(std::string_view text);

/// Why an operator did something (recorded with it): 1 to 500 bytes of printable UTF-8.
/// Throws DomainError(code).
std::string parse_reason(std::string_view text, ErrorCode code = ErrorCode::kInvalidInput);

/// True when text is valid UTF-8.
bool valid_utf8(std::string_view text);
/// Whether the text holds a C0 control character or DEL (tabs and newlines included).
bool has_control_character(std::string_view text);

}  // namespace wallet
