// Runs a unit of work in one database transaction, retrying serialization failures and
// deadlocks a bounded number of times; connection loss becomes DomainError(kUnavailable), and
// loss during COMMIT DomainError(kOutcomeUnknown).
#pragma once

#include <chrono>
#include <thread>

#include "core/errors.hpp"
#include "core/pg/connection.hpp"

namespace wallet::pg {

namespace detail {
inline void rollback_quietly(Connection& conn) {
  static constexpr const char* kRollback = "ROLLBACK";
  conn.discard_deferred();  // a BEGIN not sent yet needs no ROLLBACK, which is harmless anyway
  try {
    if (!conn.is_broken()) conn.exec(kRollback);
  } catch (const Error&) {
    // The transaction is gone either way; the original error is what matters.
  }
}
[[noreturn]] inline void unavailable(const Connection& conn) {
  throw DomainError(ErrorCode::kUnavailable, "lost the connection to PostgreSQL at " + conn.address());
}
// COMMIT went out and no answer came back: the transaction may or may not have committed.
// Nothing may treat that as "nothing happened": a client that retries with the same
// idempotency key gets the original result if it did commit, and applies it once if not.
inline void commit(Connection& conn) {
  static constexpr const char* kCommit = "COMMIT";
  try {
    conn.exec(kCommit);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kConnection && !conn.is_broken()) throw;
    throw DomainError(ErrorCode::kOutcomeUnknown,
                      "the connection to the database was lost while committing, so whether this request took "
                      "effect is unknown; retry it with the same Idempotency-Key");
  }
}
}  // namespace detail

/// Calls body() between BEGIN and COMMIT. body may run several times: it must not keep state
/// from a failed attempt.
template <class Body>
auto in_transaction(Connection& conn, int max_attempts, Body&& body) -> decltype(body()) {
  static constexpr const char* kBegin = "BEGIN";
  for (int attempt = 1;; ++attempt) {
    try {
      conn.defer({kBegin, {}});  // sent with the body's first statement: one round trip less
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        detail::commit(conn);
        return;
      } else {
        auto result = body();
        detail::commit(conn);
        return result;
      }
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kConnection || conn.is_broken()) detail::unavailable(conn);
      detail::rollback_quietly(conn);
      if (e.kind() != ErrorKind::kRetryable || attempt >= max_attempts) throw;
      // A short, growing pause lets the transaction we collided with finish first.
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt * 2));
    } catch (...) {
      detail::rollback_quietly(conn);
      throw;
    }
  }
}

}  // namespace wallet::pg
