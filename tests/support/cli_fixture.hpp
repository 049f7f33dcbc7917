// A fresh database and `walletctl` run against it as a process: for tests of the CLI's output
// and exit codes.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {

class CliFixture : public ::testing::Test {
 protected:
  ProcessResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), walletctl_path());
    return run_process(args, {{"DATABASE_URL", db_.url()}});
  }
  /// `walletctl --output json ARGS`, which must succeed; its output parsed.
  nlohmann::json ok_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"--output", "json"});
    const auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  TestDatabase db_;
};

}  // namespace wallet::testing
