#include "core/account_locks.hpp"

namespace wallet {

std::map<std::string, AccountState> locked_accounts(const pg::Result& res) {
  std::map<std::string, AccountState> out;
  for (int r = 0; r < res.rows(); ++r) {
    AccountState& a = out[res.str(r, 0)];
    a.balance = Money(res.int64(r, 1));
    a.pending_out = Money(res.int64(r, 6));
    a.pending_in = Money(res.int64(r, 7));
    a.chain_head = res.str(r, 3);
    a.version = res.int64(r, 4);
    a.user = res.boolean(r, 5);
    a.frozen = res.boolean(r, 8);
    a.overdraft_limit = Money(res.int64(r, 9));
  }
  return out;
}

}  // namespace wallet
