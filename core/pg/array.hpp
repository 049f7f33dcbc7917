// PostgreSQL array literals for passing a whole column of a batch as one parameter
// (`unnest($1::uuid[], $2::bigint[])`): one statement writes every row of a batch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wallet::pg {

/// {"a","b",NULL}: every element quoted, so any text (commas, quotes, braces) is safe.
std::string text_array(const std::vector<std::optional<std::string>>& values);
std::string text_array(const std::vector<std::string>& values);
std::string int_array(const std::vector<std::int64_t>& values);

}  // namespace wallet::pg
