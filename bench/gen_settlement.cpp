// walletctl-gen-settlement: writes a realistic settlement file of N rows over M wallets,
// creating the wallets first, for the replay tests and benchmarks (not shipped to operators).
// Deterministic per seed. Connects to DATABASE_URL.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <random>

#include "core/csv_writer.hpp"
#include "core/currency.hpp"
#include "core/errors.hpp"
#include "core/pg/connection.hpp"
#include "core/pg/transaction.hpp"
#include "core/wallet_resolution.hpp"
#include "core/wallet_store.hpp"

namespace wallet {
namespace {

constexpr std::size_t kChunk = 1000;
constexpr std::int64_t kFunding = 1'000'000;

struct GenArgs {
  std::uint64_t rows = 1000, wallets = 100, seed = 1, variant = 0;
  std::string currency = "USD";
  std::optional<std::string> out;
};

// Creates (or finds) the wallets of users gen<seed>-0 .. gen<seed>-(n-1), in chunks.
std::vector<std::string> ensure_wallets(pg::Connection& conn, const GenArgs& a) {
  std::vector<std::string> ids;
  for (std::uint64_t start = 0; start < a.wallets; start += kChunk) {
    std::vector<std::pair<std::string, std::string>> users;
    for (std::uint64_t i = start; i < std::min(a.wallets, start + kChunk); ++i) {
      users.emplace_back("gen" + std::to_string(a.seed) + "-" + std::to_string(i), a.currency);
    }
    pg::in_transaction(conn, 5, [&] {
      WalletDirectory d = look_up_wallets(conn, {}, users);
      create_wallets(conn, d, users);
      for (const auto& u : users) ids.push_back(d.by_user.at(u));
    });
  }
  return ids;
}

void write_rows(std::ostream& out, const GenArgs& a, const std::vector<std::string>& ids) {
  std::mt19937_64 rng(a.seed * 1'000'003 + a.variant);
  auto pick = [&] { return ids[std::uniform_int_distribution<std::size_t>(0, ids.size() - 1)(rng)]; };
  auto amount = [&](std::int64_t max) { return std::uniform_int_distribution<std::int64_t>(1, max)(rng); };
  out << "op,wallet_id,to_wallet_id,amount,currency,idempotency_key,reference\n";
  for (std::uint64_t row = 0; row < a.rows; ++row) {
    const int dice = std::uniform_int_distribution<int>(0, 9)(rng);
    // Every wallet is funded first, so most later debits find money to spend.
    std::string key =
        dice == 0 ? "gen" + std::to_string(a.seed) + "-" + std::to_string(a.variant) + "-row" + std::to_string(row)
                  : "";
    std::string reference = dice == 1 ? csv_field("invoice " + std::to_string(row) + ", \"settled\"") : "";
    if (row < ids.size()) {
      out << "charge," << ids[row] << ",," << kFunding << ',' << a.currency << ',' << key << ",funding\n";
    } else if (dice < 6) {
      auto from = pick(), to = pick();
      while (ids.size() > 1 && to == from) to = pick();
      out << "transfer," << from << ',' << to << ',' << amount(5'000) << ',' << a.currency << ',' << key << ','
          << reference << '\n';
    } else if (dice < 9) {
      out << "charge," << pick() << ",," << amount(10'000) << ',' << a.currency << ',' << key << ',' << reference
          << '\n';
    } else {
      out << "withdraw," << pick() << ",," << amount(2'000) << ',' << a.currency << ',' << key << ",\n";
    }
  }
}

int run(const GenArgs& a, const std::string& database_url) {
  auto conn = pg::Connection::open(database_url, 10);
  const auto ids = ensure_wallets(conn, a);
  if (!a.out) {
    write_rows(std::cout, a, ids);
    return 0;
  }
  std::ofstream out(*a.out, std::ios::trunc);
  if (!out) throw DomainError(ErrorCode::kInvalidInput, "cannot write " + *a.out);
  write_rows(out, a, ids);
  return out.flush() ? 0 : 1;
}

}  // namespace
}  // namespace wallet

int main(int argc, char** argv) {
  wallet::GenArgs a;
  CLI::App app{"Write a settlement file for tests and benchmarks, creating its wallets (DATABASE_URL)"};
  app.add_option("--rows", a.rows, "Rows to write")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  app.add_option("--wallets", a.wallets, "Wallets to spread them over")
      ->check(CLI::Range(std::uint64_t{2}, std::uint64_t{1'000'000}));
  app.add_option("--seed", a.seed, "Random seed (also names the users)");
  app.add_option("--variant", a.variant, "Another file over the same wallets");
  app.add_option("--currency", a.currency, "Currency of the wallets");
  app.add_option("--out", a.out, "Output file (default: standard output)");
  CLI11_PARSE(app, argc, argv);
  const char* url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    std::cerr << "walletctl-gen-settlement: set DATABASE_URL\n";
    return 2;
  }
  try {
    a.currency = wallet::parse_currency(a.currency);
    return wallet::run(a, url);
  } catch (const std::exception& e) {
    std::cerr << "walletctl-gen-settlement: " << e.what() << '\n';
    return 1;
  }
}
