// README's quick start, run as written: the shell block under "## Quick start" is taken from
// README.md and run by bash from the checkout, against a `walletctl serve` on the stack's own
// database (what `scripts/up` serves). The one change is the address: the server listens on a
// free port instead of 8080. What it prints is what a reader would see.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;

std::string quick_start_block() {
  std::ifstream in(source_dir() + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const auto readme = text.str();
  const auto section = readme.find("\n## Quick start\n");
  if (section == std::string::npos) return "";
  const auto open = readme.find("```sh\n", section);
  const auto close = readme.find("\n```", open + 6);
  if (open == std::string::npos || close == std::string::npos) return "";
  return readme.substr(open + 6, close - open - 6);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ReadmeTest, QuickStartRunsAsWrittenAndAnswersWhatItSays) {
  auto block = quick_start_block();
  ASSERT_FALSE(block.empty()) << "README.md has no ```sh block under ## Quick start";
  const std::string documented = "http://127.0.0.1:8080";
  ASSERT_NE(block.find(documented), std::string::npos) << block;
  ServerProcess server(required_env("DATABASE_URL"));
  const std::string here = "http://127.0.0.1:" + std::to_string(server.port());
  for (auto at = block.find(documented); at != std::string::npos; at = block.find(documented, at + here.size())) {
    block.replace(at, documented.size(), here);
  }
  // (WALLET_* variables are settings to walletctl: the checkout's path goes by another name.)
  const auto run = run_process({"bash", "-euo", "pipefail", "-c", "cd \"$README_CHECKOUT\"\n" + block},
                               {{"README_CHECKOUT", source_dir()}});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  // The calls print, in order: the charge, the transfer, its retry, Alice's balance, Bob's
  // history filtered by metadata, then the audit's report.
  const auto lines = lines_of(run.out);
  ASSERT_GE(lines.size(), 6u) << run.out;
  const auto charge = json::parse(lines[0], nullptr, false);
  const auto transfer = json::parse(lines[1], nullptr, false);
  const auto retry = json::parse(lines[2], nullptr, false);
  ASSERT_TRUE(charge.is_object() && transfer.is_object() && retry.is_object()) << run.out;
  EXPECT_EQ(charge.value("amount", 0), 10000) << lines[0];
  EXPECT_EQ(transfer.value("amount", 0), 1250) << lines[1];
  EXPECT_EQ(retry["id"], transfer["id"]) << "the retry answers the same transfer: " << lines[2];
  EXPECT_EQ(lines[3], "8750") << "the balance the comment promises";
  const auto history = json::parse(lines[4], nullptr, false);
  ASSERT_TRUE(history.is_object()) << lines[4];
  ASSERT_EQ(history["items"].size(), 1u) << lines[4];
  EXPECT_EQ(history["items"][0]["id"], transfer["id"]) << lines[4];
  EXPECT_EQ(history["items"][0]["metadata"]["order_id"], "A17") << lines[4];
  EXPECT_EQ(lines.back(), "audit passed") << "every invariant holds, as the comment says: " << run.out;
}

}  // namespace
}  // namespace wallet::testing
