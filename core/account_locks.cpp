#include "core/account_locks.hpp"

namespace wallet {

std::map<std::string, AccountState> locked_accounts(const pg::Result& res) {
  std::map<std::string, AccountState> out;
  for (int r = 0; r < res.rows(); ++r) {
    out[res.str(r, 0)] = {Money(res.int64(r, 1)), Money(0), res.str(r, 3), res.int64(r, 4), res.boolean(r, 5)};
  }
  return out;
}

}  // namespace wallet
