// A whole column of a batch as one array parameter (`unnest($1::uuid[], $2::bigint[])`): one
// statement writes every row of a batch. How an array travels is core/pg/param.hpp's concern.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/pg/param.hpp"

namespace wallet::pg {

inline Param text_array(std::vector<std::optional<std::string>> values) { return Param::array(std::move(values)); }
inline Param text_array(const std::vector<std::string>& values) {
  return Param::array(Param::TextElements(values.begin(), values.end()));
}
inline Param int_array(std::vector<std::int64_t> values) { return Param::array(std::move(values)); }

}  // namespace wallet::pg
