// Least privilege: the owner role runs migrations and owns the schema; the application role
// (the one database.url logs in as) gets exactly what walletctl's commands need, and in
// particular cannot UPDATE or DELETE ledger entries or transactions, nor alter the schema.
#pragma once

#include <string>

#include "core/pg/connection.hpp"

namespace wallet {

/// Throws DomainError(kInvalidConfig) unless both URLs name the same host, port and database:
/// migrating one database and granting on another would leave the application locked out.
void require_same_database(const std::string& owner_url, const std::string& app_url);

/// Revokes every table privilege `role` holds on walletctl's schema and grants the needed
/// ones, in one transaction, as the owner. Throws DomainError(kInvalidConfig) when the schema
/// holds a table this list does not know (a migration added it without saying what the
/// application may do with it).
void grant_application_role(pg::Connection& owner, const std::string& role);
/// The role `conn` is logged in as.
std::string current_role(pg::Connection& conn);

}  // namespace wallet
