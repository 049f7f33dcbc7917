// `walletctl audit`: checks every invariant of the ledger on one consistent snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/pg/connection.hpp"

namespace wallet {

struct AuditCheck {
  std::string name;         // stable identifier, e.g. "transactions_balanced"
  std::string description;  // the invariant in words
  std::int64_t violations = 0;
  std::vector<std::string> examples;  // up to five offending ids
  bool passed() const { return violations == 0; }
};

struct AuditReport {
  std::vector<AuditCheck> checks;
  bool passed() const;
};

AuditReport run_audit(pg::Connection& conn);

}  // namespace wallet
