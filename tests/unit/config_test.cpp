#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/pg/connection.hpp"
#include "tests/support/paths.hpp"

namespace wallet {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("wallet-config-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml");
    std::ofstream(path_) << text;
    return path_.string();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::string error_of(const ConfigInputs& in) {
    try {
      load_settings(in);
    } catch (const DomainError& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidConfig);
      return e.what();
    }
    return "no error";
  }

  static std::string source_of(const LoadedSettings& s, const std::string& key) {
    for (const auto& v : s.views) {
      if (v.key == key) return v.source;
    }
    return "missing";
  }

  std::filesystem::path path_;
};

TEST_F(ConfigTest, DefaultsWhenNothingIsGiven) {
  ConfigInputs in;
  in.config_flag = write("");
  const auto s = load_settings(in);
  EXPECT_EQ(s.settings.ledger.default_currency, "USD");
  EXPECT_EQ(s.settings.ledger.max_amount, 1'000'000'000'000'000);
  EXPECT_EQ(source_of(s, "ledger.max_amount"), "default");
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlagsEachWinsOverTheLast) {
  ConfigInputs in;
  in.config_flag = write("[ledger]\ndefault_currency = \"EUR\"\nbatch_size = 100\nmax_amount = 5000\n");
  in.environment = {{"WALLET_LEDGER_BATCH_SIZE", "200"},
                    {"WALLET_LEDGER_MAX_AMOUNT", "7000"},
                    {"DATABASE_URL", "postgresql://app:s3cret@db.example:5432/ledger"}};
  in.flags = {{"ledger.max_amount", "9000"}};
  const auto s = load_settings(in);
  EXPECT_EQ(s.settings.ledger.default_currency, "EUR");
  EXPECT_EQ(s.settings.ledger.batch_size, 200);
  EXPECT_EQ(s.settings.ledger.max_amount, 9000);
  EXPECT_EQ(s.settings.database.url, "postgresql://app:s3cret@db.example:5432/ledger");
  EXPECT_EQ(source_of(s, "ledger.default_currency"), in.config_flag.value() + ":2");
  EXPECT_EQ(source_of(s, "ledger.batch_size"), "env WALLET_LEDGER_BATCH_SIZE");
  EXPECT_EQ(source_of(s, "ledger.max_amount"), "flag --set");
  EXPECT_EQ(source_of(s, "database.url"), "env DATABASE_URL");
}

TEST_F(ConfigTest, SecretsAreMaskedInTheViews) {
  ConfigInputs in;
  in.config_flag = write("");
  in.environment = {{"DATABASE_URL", "postgresql://app:s3cret@db:5432/ledger"}};
  for (const auto& v : load_settings(in).views) EXPECT_EQ(v.value.find("s3cret"), std::string::npos) << v.key;
  EXPECT_EQ(mask_url_password("amqp://guest:pw@host:5672/"), "amqp://guest:****@host:5672/");
  EXPECT_EQ(mask_url_password("postgresql://host/db"), "postgresql://host/db");
  // Reproduced in review: a password holding '@' was shown from its '@' on.
  EXPECT_EQ(mask_url_password("postgresql://app:p@ss@w0rd@db.example:5432/ledger"),
            "postgresql://app:****@db.example:5432/ledger");
  EXPECT_EQ(mask_url_password("amqp://guest:a@b@host/vhost?x=@"), "amqp://guest:****@host/vhost?x=@");
  EXPECT_EQ(mask_url_password("postgresql://host/db?user=a@b"), "postgresql://host/db?user=a@b");
  EXPECT_EQ(mask_url_password("host=db user=app password=s3cret dbname=ledger"),
            "host=db user=app password=**** dbname=ledger");
  EXPECT_EQ(mask_url_password("host=db password='two words'"), "host=db password=****");
  EXPECT_EQ(mask_url_password("postgresql://db/ledger?user=app&password=s3cret&sslmode=require"),
            "postgresql://db/ledger?user=app&password=****&sslmode=require");
}

TEST_F(ConfigTest, WalletConfigEnvironmentVariableNamesTheFile) {
  ConfigInputs in;
  in.environment = {{"WALLET_CONFIG", write("[ledger]\ndefault_currency = \"GBP\"\n")}};
  EXPECT_EQ(load_settings(in).settings.ledger.default_currency, "GBP");
}

TEST_F(ConfigTest, ErrorsNameTheKeyAndTheSource) {
  ConfigInputs in;
  in.config_flag = write("[ledger]\nbatch_size = 0\n");
  EXPECT_NE(error_of(in).find(":2: ledger.batch_size must be an integer from 1 to 10000"), std::string::npos)
      << error_of(in);

  in.config_flag = write("[ledger]\nbogus = 1\n");
  EXPECT_NE(error_of(in).find("unknown key ledger.bogus"), std::string::npos) << error_of(in);

  in.config_flag = write("[nosuch]\nx = 1\n");
  EXPECT_NE(error_of(in).find("unknown key nosuch.x"), std::string::npos) << error_of(in);

  in.config_flag = write("[ledger]\ndefault_currency = 5\n");
  EXPECT_NE(error_of(in).find("ledger.default_currency must be"), std::string::npos) << error_of(in);

  in.config_flag = write("[ledger\n");
  EXPECT_NE(error_of(in).find(path_.string() + ":1"), std::string::npos) << error_of(in);

  in.config_flag = write("");
  in.environment = {{"WALLET_LEDGER_BATCH_SIZE", "lots"}};
  EXPECT_NE(error_of(in).find("env WALLET_LEDGER_BATCH_SIZE: ledger.batch_size must be"), std::string::npos);
  in.environment = {{"WALLET_NO_SUCH_THING", "1"}};
  EXPECT_NE(error_of(in).find("env WALLET_NO_SUCH_THING: unknown setting"), std::string::npos);
  in.environment = {{"REDIS_ADDR", "nohostport"}};
  EXPECT_NE(error_of(in).find("env REDIS_ADDR: redis.addr must be host:port"), std::string::npos);
  in.environment = {{"WALLET_REDIS_ENABLED", "maybe"}};
  EXPECT_NE(error_of(in).find("must be true or false"), std::string::npos);
  in.environment = {{"DATABASE_URL", "postgresql://u:topsecret@h:notaport/db"}};
  EXPECT_EQ(error_of(in).find("topsecret"), std::string::npos);
  in.environment = {};
  in.flags = {{"ledger.nope", "1"}};
  EXPECT_NE(error_of(in).find("flag --set ledger.nope: unknown key"), std::string::npos);
}

TEST_F(ConfigTest, MissingExplicitFileIsAnError) {
  ConfigInputs in;
  in.config_flag = "/nonexistent/wallet.toml";
  EXPECT_NE(error_of(in).find("does not exist"), std::string::npos);
}

TEST_F(ConfigTest, ShippedWalletTomlLoadsAndHoldsTheDefaults) {
  ConfigInputs in;
  in.config_flag = testing::source_dir() + "/wallet.toml";
  const auto s = load_settings(in);
  const Settings defaults;
  EXPECT_EQ(s.settings.ledger.max_amount, defaults.ledger.max_amount);
  EXPECT_EQ(s.settings.ledger.batch_size, defaults.ledger.batch_size);
  EXPECT_EQ(s.settings.database.connect_timeout, defaults.database.connect_timeout);
}

TEST_F(ConfigTest, HttpAndPoolSettingsAreBounded) {
  ConfigInputs in;
  in.flags = {{"http.listen", "127.0.0.1:0"},
              {"http.threads", "8"},
              {"database.pool_size", "4"},
              {"log.format", "json"},
              {"http.max_body_bytes", "1024"}};
  const auto s = load_settings(in).settings;
  EXPECT_EQ(s.http.listen, "127.0.0.1:0");
  EXPECT_EQ(s.http.threads, 8);
  EXPECT_EQ(s.database.pool_size, 4);
  EXPECT_EQ(s.log.format, "json");
  EXPECT_EQ(s.http.max_body_bytes, 1024);
  EXPECT_EQ(s.withdrawals.metrics_listen, "") << "no operations port unless asked for";

  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{{"http.listen", "8080"},
                                                                                   {"http.listen", ":8080"},
                                                                                   {"http.listen", "host:70000"},
                                                                                   {"http.listen", "host:"},
                                                                                   {"http.threads", "0"},
                                                                                   {"http.threads", "100000"},
                                                                                   {"http.read_timeout", "0"},
                                                                                   {"http.max_body_bytes", "10"},
                                                                                   {"http.shutdown_timeout", "-1"},
                                                                                   {"database.url", ""},
                                                                                   {"database.pool_size", "0"},
                                                                                   {"database.pool_timeout_ms", "x"},
                                                                                   {"log.format", "xml"},
                                                                                   // Reproduced in review: it was
                                                                                   // spoken as plain AMQP.
                                                                                   {"rabbitmq.url", "amqps://h:5671/"},
                                                                                   {"http.max_headers", "2"},
                                                                                   {"auth.failure_burst", "0"},
                                                                                   {"withdrawals.review_retry_seconds",
                                                                                    "0"},
                                                                                   {"withdrawals.metrics_listen", "9101"},
                                                                                   {"notify.metrics_listen", "h:99999"}}) {
    ConfigInputs bad;
    bad.flags = {{key, value}};
    EXPECT_NE(error_of(bad).find(key), std::string::npos) << key << "=" << value;
  }
  ConfigInputs env;
  env.environment = {{"WALLET_HTTP_LISTEN", "0.0.0.0:9000"}};
  EXPECT_EQ(load_settings(env).settings.http.listen, "0.0.0.0:9000");
}

TEST_F(ConfigTest, CacheSettingsAreBoundedAndThePrefixFollowsTheDatabase) {
  ConfigInputs in;
  in.environment = {{"REDIS_ADDR", "10.0.0.5:6380"}, {"WALLET_REDIS_TIMEOUT_MS", "20"}};
  in.flags = {{"redis.key_prefix", "ledger-a:"}};
  const auto s = load_settings(in).settings;
  EXPECT_EQ(s.redis.addr, "10.0.0.5:6380");
  EXPECT_EQ(s.redis.timeout_ms, 20);
  EXPECT_EQ(s.redis.key_prefix, "ledger-a:");
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"redis.timeout_ms", "0"},
                                                        {"redis.timeout_ms", "60000"},
                                                        {"redis.ttl_seconds", "5"},
                                                        {"redis.breaker_failures", "0"},
                                                        {"redis.breaker_cooldown_ms", "1"},
                                                        {"redis.key_prefix", "has space"},
                                                        {"redis.key_prefix", std::string(65, 'k')},
                                                        {"redis.addr", "redis"}}) {
    ConfigInputs bad;
    bad.flags = {{key, value}};
    EXPECT_NE(error_of(bad).find(key), std::string::npos) << key << "=" << value;
  }
  EXPECT_EQ(pg::database_name("postgresql://wallet@127.0.0.1:5432/ledger_a"), "ledger_a");
  EXPECT_EQ(pg::database_name("host=db user=wallet"), "wallet");  // libpq's default database
}

TEST_F(ConfigTest, EventNamesAreAmqpNamesAndTheEventsQueueMayBeTurnedOff) {
  ConfigInputs in;
  in.flags = {{"rabbitmq.exchange", "ledger-a.events"}, {"rabbitmq.events_queue", ""},
              {"notify.queue", std::string(251, 'n')}};
  const auto s = load_settings(in).settings;
  EXPECT_EQ(s.rabbitmq.exchange, "ledger-a.events");
  EXPECT_EQ(s.rabbitmq.events_queue, "");
  EXPECT_EQ(s.notify.queue, std::string(251, 'n'));
  EXPECT_EQ(Settings{}.rabbitmq.events_queue, "wallet.events.all");
  EXPECT_EQ(Settings{}.notify.queue, "wallet.notifications");
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"rabbitmq.exchange", ""},
           {"rabbitmq.exchange", "amq.topic"},
           {"rabbitmq.exchange", "has space"},
           {"rabbitmq.events_queue", std::string(256, 'q')},
           {"rabbitmq.events_queue", "caf\xc3\xa9"},
           {"notify.queue", ""},
           {"notify.queue", "amq.notify"},
           {"notify.queue", std::string(252, 'n')}}) {
    ConfigInputs bad;
    bad.flags = {{key, value}};
    EXPECT_NE(error_of(bad).find(key), std::string::npos) << key << "=" << value;
  }
}

TEST_F(ConfigTest, WithdrawalSettingsAreCheckedTogether) {
  ConfigInputs ok;
  ok.flags = {{"withdrawals.gateway", "http"},
              {"withdrawals.bank_url", "https://bank.example:8443/payouts"},
              {"withdrawals.workers", "10"}};
  EXPECT_EQ(load_settings(ok).settings.withdrawals.workers, 10);
  ConfigInputs short_lease;
  short_lease.flags = {
      {"withdrawals.gateway", "http"}, {"withdrawals.bank_timeout_ms", "5000"}, {"withdrawals.lease_seconds", "5"}};
  EXPECT_NE(error_of(short_lease).find("withdrawals.lease_seconds"), std::string::npos);
  ConfigInputs backoff;
  backoff.flags = {{"withdrawals.backoff_initial_ms", "5000"}, {"withdrawals.backoff_max_ms", "100"}};
  EXPECT_NE(error_of(backoff).find("withdrawals.backoff_max_ms"), std::string::npos);
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"withdrawals.gateway", "carrier-pigeon"},
                                                        {"withdrawals.bank_url", "ftp://bank"},
                                                        {"withdrawals.bank_url", "http:///payouts"},
                                                        {"withdrawals.workers", "0"},
                                                        {"withdrawals.simulated_failure_percent", "101"},
                                                        {"withdrawals.max_attempts", "0"}}) {
    ConfigInputs bad;
    bad.flags = {{key, value}};
    EXPECT_NE(error_of(bad).find(key), std::string::npos) << key << "=" << value;
  }
}

}  // namespace
}  // namespace wallet
