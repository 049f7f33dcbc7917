#include "core/pg/error.hpp"

namespace wallet::pg {

ErrorKind classify_sqlstate(const std::string& sqlstate) {
  if (sqlstate == "40001" || sqlstate == "40P01") return ErrorKind::kRetryable;
  if (sqlstate == "23505") return ErrorKind::kUniqueViolation;
  if (sqlstate == "23514") return ErrorKind::kCheckViolation;
  if (sqlstate == "42501") return ErrorKind::kNoPrivilege;
  // Class 08 is connection exceptions; 57P01-57P03 are shutdowns and "cannot connect now".
  if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
    return ErrorKind::kConnection;
  }
  return ErrorKind::kOther;
}

}  // namespace wallet::pg
