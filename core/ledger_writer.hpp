// The statements that write what a posted batch decided: one multi-row statement per table,
// sent together in one pipeline.
#pragma once

#include <vector>

#include "core/pg/connection.hpp"
#include "core/posting.hpp"

namespace wallet {

std::vector<pg::Statement> write_statements(const PostingWrites& writes);

}  // namespace wallet
