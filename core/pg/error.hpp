// PostgreSQL failures, sorted once by SQLSTATE into what callers do about them.
#pragma once

#include <stdexcept>
#include <string>

namespace wallet::pg {

enum class ErrorKind {
  kRetryable,        // serialization failure (40001) or deadlock (40P01): run the transaction again
  kUniqueViolation,  // 23505
  kCheckViolation,   // 23514: a CHECK constraint, the ledger's last line of defence
  kNoPrivilege,      // 42501: the role may not do this (e.g. migrate without the owner role)
  kConnection,       // the server is gone or unreachable: the caller reports "unavailable"
  kOther,
};

ErrorKind classify_sqlstate(const std::string& sqlstate);

/// A failed statement. what() holds the server's message, for logs only: clients never see it.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string sqlstate, const std::string& message)
      : std::runtime_error(message), kind_(kind), sqlstate_(std::move(sqlstate)) {}
  ErrorKind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  ErrorKind kind_;
  std::string sqlstate_;
};

}  // namespace wallet::pg
