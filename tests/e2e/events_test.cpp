// Events end to end: the outbox publisher of the real server delivering every committed
// operation to RabbitMQ, through crashes and a second daemon, and the notify consumer.
#include <signal.h>

#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/amqp_client.hpp"
#include "core/ids.hpp"
#include "core/outbox.hpp"
#include "core/timestamp.hpp"
#include "daemon/events/event_consumers.hpp"
#include "tests/support/event_collector.hpp"
#include "tests/support/openapi_schema.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class EventsTest : public ::testing::Test {
 protected:
  // The transactions of this test's database: id -> (kind, amount).
  std::map<std::string, std::pair<std::string, std::int64_t>> transactions() {
    static constexpr const char* kAll = "SELECT id, kind, amount FROM transactions";
    auto conn = db_.connect();
    auto res = conn.exec(kAll);
    std::map<std::string, std::pair<std::string, std::int64_t>> out;
    for (int r = 0; r < res.rows(); ++r) out[res.str(r, 0)] = {res.str(r, 1), res.int64(r, 2)};
    return out;
  }

  // The events of this database's transactions, by message id (other tests share the broker).
  std::map<std::string, std::vector<json>> ours(
      const std::vector<CollectedEvent>& events,
      const std::map<std::string, std::pair<std::string, std::int64_t>>& txs) {
    std::map<std::string, std::vector<json>> out;
    for (const auto& e : events) {
      const auto body = json::parse(e.body, nullptr, false);
      if (!body.is_object() || !body.contains("data") || !body["data"].is_object()) continue;
      const auto& data = body["data"];
      std::string tx = data.value("id", "");
      if (data.contains("transaction_id")) tx = data.value("transaction_id", "");  // withdrawal events
      if (txs.count(tx)) out[e.message_id].push_back(body);
    }
    return out;
  }

  // Sends `count` operations (charges and transfers, all accepted) from 8 threads.
  void operate(const ServerProcess& server, const std::vector<std::string>& wallets, int count) {
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        auto c = server.client();
        for (int i = t; i < count; i += 8) {
          const auto& a = wallets[static_cast<std::size_t>(i) % wallets.size()];
          const auto& b = wallets[static_cast<std::size_t>(i + 1) % wallets.size()];
          const json body = i % 2 ? json{{"sender_id", a}, {"receiver_id", b}, {"amount", 1}}
                                  : json{{"wallet_id", a}, {"amount", 100 + i}};
          const auto r = c->Post(i % 2 ? "/transfers" : "/charge", body.dump(), "application/json");
          if (!r || r->status != 201) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, 0);
  }

  std::vector<std::string> funded_wallets(const ServerProcess& server, int n) {
    auto c = server.client();
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      const auto r = to_reply(c->Post(
          "/charge", json{{"user_id", "ev-" + std::to_string(i)}, {"amount", 1'000'000}}.dump(), "application/json"));
      ids.push_back(r.body.value("destination_wallet_id", ""));
    }
    return ids;
  }

  // Every transaction's event arrived (at least once), and copies of one message are identical.
  void expect_every_event(EventCollector& collector, std::size_t expected) {
    std::map<std::string, std::pair<std::string, std::int64_t>> txs;
    const bool all = collector.wait_until(
        [&](const std::vector<CollectedEvent>& events) {
          txs = transactions();
          return ours(events, txs).size() >= txs.size() && txs.size() >= expected;
        },
        seconds(60));
    ASSERT_TRUE(all) << ours(collector.events(), txs).size() << " of " << txs.size() << " events arrived";
    const auto got = ours(collector.events(), txs);
    std::set<std::string> covered, checked_types;
    for (const auto& [id, copies] : got) {
      for (const auto& c : copies) EXPECT_EQ(c, copies.front()) << "message " << id << " differs between copies";
      const auto& body = copies.front();
      if (checked_types.insert(body.value("type", "")).second) expect_event_schema(body);
      EXPECT_EQ(body["id"], id);
      const std::string tx = body["data"]["id"];
      covered.insert(tx);
      EXPECT_EQ(body["type"], txs.at(tx).first + ".completed");
      EXPECT_EQ(body["data"]["amount"], txs.at(tx).second);
    }
    EXPECT_EQ(covered.size(), txs.size());
    EXPECT_EQ(got.size(), txs.size());  // one message id per transaction
  }

  TestDatabase db_;
};

// The two-phase and reversal events reach the broker with the same envelope as every other:
// one message each, its data the object the API returns.
TEST_F(EventsTest, PendingTransfersAndReversalsArriveWithTheirTypes) {
  EventCollector collector;
  ServerProcess server(db_.url(), {"withdrawals.enabled=false", "ledger.pending_sweep_interval_ms=100"});
  const auto wallets = funded_wallets(server, 2);
  auto c = server.client();
  const auto post = [&](const std::string& path, const json& body) {
    return to_reply(c->Post(path, body.dump(), "application/json"));
  };
  const json open{{"sender_id", wallets[0]}, {"receiver_id", wallets[1]}, {"amount", 500}, {"pending", true}};
  const std::string captured = post("/transfers", open).body["id"];
  const auto capture = post("/transfers/" + captured + "/capture", {{"amount", 200}});
  ASSERT_EQ(capture.status, 200) << capture.text;
  const std::string voided = post("/transfers", open).body["id"];
  ASSERT_EQ(post("/transfers/" + voided + "/void", json::object()).status, 200);
  auto expiring = open;
  expiring["expires_at"] = format_rfc3339(now_utc() + std::chrono::seconds(2));
  const std::string expired = post("/transfers", expiring).body["id"];
  const std::string capture_tx = capture.body["capture_transaction_id"];
  const auto reversal = post("/transactions/" + capture_tx + "/reversals", {{"amount", 50}});
  ASSERT_EQ(reversal.status, 201) << reversal.text;
  const std::string reversal_id = reversal.body["id"];

  // transfer id or transaction id -> the types of the events about it
  std::map<std::string, std::multiset<std::string>> types;
  const auto about = [&](const std::vector<CollectedEvent>& events) {
    types.clear();
    for (const auto& e : events) {
      const auto body = json::parse(e.body, nullptr, false);
      if (!body.is_object() || !body.contains("data")) continue;
      const std::string type = body.value("type", "");
      if (type.rfind("transfer.", 0) == 0 || type == "transaction.reversed") {
        EXPECT_EQ(e.routing_key, type);
        EXPECT_EQ(body["id"], e.message_id);
        types[body["data"].value("id", "")].insert(type);
      }
    }
  };
  const bool all = collector.wait_until(
      [&](const std::vector<CollectedEvent>& events) {
        about(events);
        return types[expired].count("transfer.expired") > 0 && types[reversal_id].size() > 0;
      },
      seconds(30));
  ASSERT_TRUE(all) << "the expiry or the reversal event never arrived";
  EXPECT_EQ(types[captured], (std::multiset<std::string>{"transfer.pending", "transfer.posted"}));
  EXPECT_EQ(types[voided], (std::multiset<std::string>{"transfer.pending", "transfer.voided"}));
  EXPECT_EQ(types[expired], (std::multiset<std::string>{"transfer.pending", "transfer.expired"}));
  EXPECT_EQ(types[reversal_id], std::multiset<std::string>{"transaction.reversed"});
  for (const auto& e : collector.events()) {  // other tests' events come too: only ours
    const auto body = json::parse(e.body, nullptr, false);
    if (!body.is_object() || !body.contains("data")) continue;
    const std::string id = body["data"].value("id", "");
    if (types.count(id)) expect_event_schema(body);  // the document's Event schemas, by type
    if (id != captured && id != reversal_id) continue;
    if (body.value("type", "") == "transfer.posted") {
      EXPECT_EQ(body["data"]["transaction"]["id"], capture_tx);
      EXPECT_EQ(body["data"]["captured_amount"], 200);
    }
    if (body.value("type", "") == "transaction.reversed") {
      EXPECT_EQ(body["data"]["original"]["id"], capture_tx);
    }
  }
}

TEST_F(EventsTest, TwoThousandApiOperationsArriveWithOneMessageIdEach) {
  EventCollector collector;
  ServerProcess server(db_.url(), {"withdrawals.enabled=false"});
  const auto wallets = funded_wallets(server, 20);
  operate(server, wallets, 1980);
  ASSERT_EQ(transactions().size(), 2000u);
  expect_every_event(collector, 2000);
  // Each arrived exactly once here (no crash), with the message properties set.
  std::map<std::string, int> deliveries;
  const auto txs = transactions();
  for (const auto& [id, copies] : ours(collector.events(), txs)) deliveries[id] = static_cast<int>(copies.size());
  for (const auto& [id, n] : deliveries) EXPECT_EQ(n, 1) << id;
  auto conn = db_.connect();
  EXPECT_EQ(outbox_status(conn).unpublished, 0);
}

TEST_F(EventsTest, KilledMidRunThenRestartedEveryEventArrives) {
  EventCollector collector;
  std::vector<std::string> wallets;
  {
    ServerProcess first(db_.url(), {"withdrawals.enabled=false", "rabbitmq.publish_batch=20"});
    wallets = funded_wallets(first, 10);
    operate(first, wallets, 490);
    first.send_signal(SIGKILL);  // the publisher is most likely mid-batch
    EXPECT_EQ(first.wait_exit(seconds(10)), 128 + SIGKILL);
  }
  ServerProcess second(db_.url(), {"withdrawals.enabled=false"});
  operate(second, wallets, 500);
  expect_every_event(collector, 1000);
}

TEST_F(EventsTest, TwoDaemonsOneRelaysAndTheOtherTakesOverWhenItDies) {
  EventCollector collector;
  auto first = std::make_unique<ServerProcess>(db_.url(), std::vector<std::string>{"withdrawals.enabled=false"});
  const auto wallets = funded_wallets(*first, 10);
  expect_every_event(collector, 10);  // the first daemon relays
  ServerProcess second(db_.url(), {"withdrawals.enabled=false"});
  operate(second, wallets, 200);
  first->send_signal(SIGKILL);  // the active relay dies
  EXPECT_EQ(first->wait_exit(seconds(10)), 128 + SIGKILL);
  first.reset();
  operate(second, wallets, 200);
  expect_every_event(collector, 410);
}

TEST_F(EventsTest, TailPrintsMatchingEventsAsJsonLinesAndOutboxStatusIsClear) {
  ServerProcess tail(db_.url(), {}, "--output json events tail --binding charge.*", true);
  ServerProcess one(db_.url(), {}, "events tail --max 1", true);
  ServerProcess server(db_.url(), {"withdrawals.enabled=false"});
  auto c = server.client();
  const auto w = to_reply(c->Post("/charge", json{{"user_id", "tess"}, {"amount", 500}}.dump(), "application/json"));
  ASSERT_EQ(w.status, 201);
  const std::string wallet = w.body["destination_wallet_id"];
  c->Post("/withdraw", json{{"wallet_id", wallet}, {"amount", 100}}.dump(), "application/json");  // not a charge.*
  c->Post("/charge", json{{"wallet_id", wallet}, {"amount", 7}}.dump(), "application/json");
  // Other tests' charges share the exchange: read until this test's two have been printed.
  std::vector<std::int64_t> amounts;
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (amounts.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    auto line = tail.next_stdout_line(std::chrono::milliseconds(500));
    if (!line) continue;
    const auto event = json::parse(*line);  // every line is one JSON event
    EXPECT_EQ(event["type"], "charge.completed");
    if (event["data"]["destination_wallet_id"] == wallet) amounts.push_back(event["data"]["amount"]);
  }
  EXPECT_EQ(amounts, (std::vector<std::int64_t>{500, 7}));
  EXPECT_EQ(one.wait_exit(seconds(10)), 0);  // --max 1: stopped by itself after one event
  tail.send_signal(SIGINT);
  EXPECT_EQ(tail.wait_exit(seconds(10)), 0);
  // Rows are marked published just after the broker confirmed them: wait for the mark.
  json s;
  const auto marked_by = std::chrono::steady_clock::now() + seconds(10);
  do {
    const auto status =
        run_process({walletctl_path(), "--output", "json", "outbox", "status"}, {{"DATABASE_URL", db_.url()}});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    s = json::parse(status.out);
  } while (s["unpublished"] != 0 && std::chrono::steady_clock::now() < marked_by);
  EXPECT_EQ(s["unpublished"], 0);
  EXPECT_TRUE(s["last_published_at"].is_string());
}

// Publishing is mandatory: an event that no queue takes comes back from RabbitMQ and waits in
// the outbox (it was dropped before: marked published, delivered nowhere). Once the events
// queue is declared, the next attempt delivers it there. The test has an exchange of its own:
// other tests' queues on the shared one take every event.
TEST_F(EventsTest, AnEventNoQueueTakesWaitsInTheOutboxUntilTheEventsQueueExists) {
  const auto exchange = "walletctl-test." + new_uuid();
  const auto queue = exchange + ".all";
  const auto outbox = [&] {
    const auto r = run_process({walletctl_path(), "--output", "json", "outbox", "status"}, {{"DATABASE_URL", db_.url()}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  };
  const auto until = [&](const std::function<bool(const json&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(60);
    json s = outbox();
    while (!done(s) && std::chrono::steady_clock::now() < deadline) s = outbox();
    return s;
  };
  std::string transaction;
  {
    ServerProcess server(db_.url(),
                         {"withdrawals.enabled=false", "rabbitmq.exchange=" + exchange, "rabbitmq.events_queue="});
    const auto r = to_reply(
        server.client()->Post("/charge", json{{"user_id", "rita"}, {"amount", 42}}.dump(), "application/json"));
    ASSERT_EQ(r.status, 201);
    transaction = r.body.value("id", "");
    const auto s = until([](const json& now) { return now["returned"] == 2; });  // the wallet's event and the charge's
    EXPECT_EQ(s["returned"], 2);
    EXPECT_EQ(s["unpublished"], 2);
  }
  ServerProcess server(
      db_.url(), {"withdrawals.enabled=false", "rabbitmq.exchange=" + exchange, "rabbitmq.events_queue=" + queue});
  const auto s = until([](const json& now) { return now["unpublished"] == 0; });
  EXPECT_EQ(s["unpublished"], 0);
  EXPECT_EQ(s["returned"], 0);
  EventCollector collector(queue, exchange);  // the queue the server declared, with what it holds
  EXPECT_TRUE(collector.wait_until(
      [&](const std::vector<CollectedEvent>& events) {
        return std::any_of(events.begin(), events.end(), [&](const CollectedEvent& e) {
          return e.routing_key == "charge.completed" && e.body.find(transaction) != std::string::npos;
        });
      },
      seconds(30)));
}

TEST_F(EventsTest, NotifyTellsOwnersOnceAndDeadLettersWhatItCannotRead) {
  // Its queue exists before any event below; its metrics port counts what it does.
  ServerProcess notify(db_.url(), {"notify.metrics_listen=127.0.0.1:0"}, "notify");
  ASSERT_GT(notify.port(), 0) << "the ready line names the metrics port";
  ServerProcess server(db_.url(), {"withdrawals.enabled=false"});
  auto c = server.client();
  const auto charge =
      to_reply(c->Post("/charge", json{{"user_id", "nora"}, {"amount", 1234}}.dump(), "application/json"));
  ASSERT_EQ(charge.status, 201);
  auto mq = AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000));
  // The same event twice (a redelivery after a publisher crash), then a body nobody can read.
  const json event = {{"id", "injected-" + charge.body["id"].get<std::string>()},
                      {"type", "charge.completed"},
                      {"occurred_at", "2026-11-22T00:00:00Z"},
                      {"data", charge.body}};
  const std::string id = event["id"];
  for (int i = 0; i < 2; ++i)
    mq.publish(Settings{}.rabbitmq.exchange, {"charge.completed", event.dump(), id, "charge.completed", 0});
  const std::string bad_id = "bad-" + id;
  mq.publish(Settings{}.rabbitmq.exchange, {"charge.completed", "{not json", bad_id, "charge.completed", 0});

  // The server's own relay sends the real charge.completed too (another message id): nora is
  // told of 12.34 USD once per distinct message. Other tests' events share the queue and are
  // worked through first, so the waits are for outcomes, with generous deadlines.
  const std::string expected = "notify nora: you received 12.34 USD (top-up)";
  int told = 0;
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (told < 2 && std::chrono::steady_clock::now() < deadline) {
    if (auto line = notify.next_stdout_line(std::chrono::milliseconds(500)); line && *line == expected) ++told;
  }
  EXPECT_EQ(told, 2);
  const auto dropped = [&] {
    return notify.log().find("duplicate message dropped message_id=" + id) != std::string::npos;
  };
  while (!dropped() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(dropped());
  // The duplicate was handled after both deliveries: no third line for nora is waiting.
  while (auto line = notify.next_stdout_line(std::chrono::milliseconds(200))) EXPECT_NE(*line, expected);

  // What an operator's Prometheus sees (other tests' events share the queue: at least ours).
  // The dead-letter depth is asked of the broker at most every few seconds: wait for it.
  httplib::Client ops("127.0.0.1", notify.port());
  const auto sample = [](const std::string& text, const std::string& name) -> long long {
    const auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + name.size() + 2));
  };
  std::string metrics;
  while (sample(metrics, "walletctl_notifications_dead_letter_depth") < 1 &&
         std::chrono::steady_clock::now() < deadline) {
    const auto r = ops.Get("/metrics");
    ASSERT_TRUE(r);
    metrics = r->body;
    if (sample(metrics, "walletctl_notifications_dead_letter_depth") < 1)
      std::this_thread::sleep_for(std::chrono::milliseconds(250));  // polls the broker's count
  }
  EXPECT_GE(sample(metrics, "walletctl_notifications_dead_letter_depth"), 1) << metrics;
  EXPECT_GE(sample(metrics, "walletctl_notifications_total{outcome=\"delivered\"}"), 2) << metrics;
  EXPECT_GE(sample(metrics, "walletctl_notifications_total{outcome=\"duplicate\"}"), 1) << metrics;
  EXPECT_GE(sample(metrics, "walletctl_notifications_total{outcome=\"dead_lettered\"}"), 1) << metrics;
  EXPECT_EQ(sample(metrics, "walletctl_notify_consuming"), 1) << metrics;
  const auto health = ops.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  auto dlq = AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000));
  dlq.consume(daemon::notify_queues(Settings{}).dead_letters, true);
  bool dead_lettered = false;
  while (!dead_lettered && std::chrono::steady_clock::now() < deadline) {
    auto d = dlq.next_delivery(std::chrono::milliseconds(500));
    if (!d) continue;
    dlq.ack(d->delivery_tag);
    dead_lettered = d->message_id == bad_id;
  }
  EXPECT_TRUE(dead_lettered);
  notify.send_signal(SIGTERM);
  EXPECT_EQ(notify.wait_exit(seconds(10)), 0);
  // Leave the shared broker as we found it: no durable queue collecting other tests' events.
  mq.delete_queue(daemon::notify_queues(Settings{}).queue);
}

// A batch whose last message is dead-lettered: notify acknowledged the batch up to that
// message's tag, which the broker no longer held, so the broker closed the channel and notify
// reconnected (aa22ef3). The test has its own exchange and notify queue: nothing another test
// publishes lands behind the bad message, so it is the last of whatever batch it arrives in.
TEST_F(EventsTest, NotifyKeepsItsChannelWhenTheLastMessageOfABatchIsDeadLettered) {
  const auto exchange = "walletctl-test." + new_uuid();
  Settings own;  // notify's names for a queue of the test's own
  own.notify.queue = exchange + ".notify";
  const auto names = daemon::notify_queues(own);
  const auto& queue = names.queue;
  auto mq = AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000));
  mq.declare_exchange(exchange, "topic", true);
  std::vector<json> charges;
  {
    ServerProcess server(db_.url(), {"withdrawals.enabled=false", "rabbitmq.enabled=false"});
    for (const char* user : {"uma", "vic", "wes", "xia"}) {
      const auto r =
          to_reply(server.client()->Post("/charge", json{{"user_id", user}, {"amount", 100}}.dump(), "application/json"));
      ASSERT_EQ(r.status, 201);
      charges.push_back(r.body);
    }
  }
  const auto publish = [&](const json& charge) {
    const std::string id = "evt-" + charge["id"].get<std::string>();
    const json event = {
        {"id", id}, {"type", "charge.completed"}, {"occurred_at", "2026-12-07T00:00:00Z"}, {"data", charge}};
    mq.publish(exchange, {"charge.completed", event.dump(), id, "charge.completed", 0});
  };
  ServerProcess notify(db_.url(), {"rabbitmq.exchange=" + exchange, "notify.queue=" + queue}, "notify");
  for (std::size_t i = 0; i < 3; ++i) publish(charges[i]);
  mq.publish(exchange, {"charge.completed", "{not json", "bad-" + new_uuid(), "charge.completed", 0});
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  int told = 0;
  const auto wait_told = [&](int n) {
    while (told < n && std::chrono::steady_clock::now() < deadline) {
      if (auto line = notify.next_stdout_line(std::chrono::milliseconds(500)); line && line->starts_with("notify ")) ++told;
    }
  };
  wait_told(3);
  EXPECT_EQ(told, 3);
  while (mq.queue_depth(names.dead_letters) < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls the broker's count
  }
  EXPECT_EQ(mq.queue_depth(names.dead_letters), 1);
  // One more message once the bad one is settled: notify reads the channel again after the
  // batch's acknowledgement, where a refused tag would have closed it.
  publish(charges[3]);
  wait_told(4);
  EXPECT_EQ(told, 4);
  notify.send_signal(SIGTERM);
  EXPECT_EQ(notify.wait_exit(seconds(10)), 0);
  EXPECT_EQ(notify.log().find("notify lost a service"), std::string::npos) << notify.log();
  EXPECT_NE(notify.log().find("undecodable message dead-lettered"), std::string::npos) << notify.log();
  EXPECT_EQ(mq.queue_depth(queue), 0) << "every told message was acknowledged";
  mq.delete_queue(queue);
  mq.delete_queue(names.dead_letters);
}

// A webhook that refuses a notification for good (a 4xx that is not "try later") used to be
// retried forever, holding up every notification behind it. It is dead-lettered instead.
TEST_F(EventsTest, NotifyDeadLettersWhatTheWebhookRefusesAndGoesOn) {
  httplib::Server webhook;
  std::mutex mutex;
  std::vector<std::string> taken;
  webhook.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    const auto body = json::parse(req.body, nullptr, false);
    const std::string user = body.is_object() ? body.value("user_id", "") : "";
    if (user == "ivan") {
      res.status = 400;  // e.g. an unknown recipient: retrying cannot help
      return;
    }
    std::lock_guard lock(mutex);
    taken.push_back(user);
  });
  const int port = webhook.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { webhook.listen_after_bind(); });
  ServerProcess notify(db_.url(), {"notify.webhook_url=http://127.0.0.1:" + std::to_string(port) + "/hook"}, "notify");
  ServerProcess server(db_.url(), {"withdrawals.enabled=false"});
  auto c = server.client();
  const auto refused =
      to_reply(c->Post("/charge", json{{"user_id", "ivan"}, {"amount", 5}}.dump(), "application/json"));
  ASSERT_EQ(refused.status, 201);
  ASSERT_EQ(to_reply(c->Post("/charge", json{{"user_id", "olga"}, {"amount", 6}}.dump(), "application/json")).status,
            201);
  const auto olga_told = [&] {
    std::lock_guard lock(mutex);
    return std::find(taken.begin(), taken.end(), "olga") != taken.end();
  };
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (!olga_told() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls what the webhook received
  }
  EXPECT_TRUE(olga_told()) << notify.log();
  // Ivan's notification waits in the dead-letter queue, not in front of olga's.
  auto dlq = AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000));
  dlq.consume(daemon::notify_queues(Settings{}).dead_letters, true);
  bool dead_lettered = false;
  const auto ivan_tx = refused.body["id"].get<std::string>();
  while (!dead_lettered && std::chrono::steady_clock::now() < deadline) {
    auto d = dlq.next_delivery(std::chrono::milliseconds(500));
    if (!d) continue;
    dlq.ack(d->delivery_tag);
    dead_lettered = d->body.find(ivan_tx) != std::string::npos;
  }
  EXPECT_TRUE(dead_lettered);
  EXPECT_NE(notify.log().find("refused by the webhook; dead-lettered"), std::string::npos);
  notify.send_signal(SIGTERM);
  EXPECT_EQ(notify.wait_exit(seconds(10)), 0);
  webhook.stop();
  serving.join();
  auto mq = AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000));
  mq.delete_queue(daemon::notify_queues(Settings{}).queue);
}


// With a backlog waiting, notify calls a slow webhook on several lanes at once, and still tells
// each owner in the order the events happened, each once.
TEST_F(EventsTest, NotifyTellsOwnersInOrderWithWebhookCallsInFlightAtOnce) {
  constexpr int kUsers = 8, kEach = 6;
  httplib::Server webhook;
  std::mutex mutex;
  std::map<std::string, std::vector<std::string>> told;  // user -> texts, in arrival order
  std::atomic<int> in_flight{0}, most_in_flight{0};
  webhook.Post("/hook", [&](const httplib::Request& req, httplib::Response&) {
    const int now = ++in_flight;
    for (int seen = most_in_flight; now > seen && !most_in_flight.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a slow receiver: its latency, not a wait for us
    const auto body = json::parse(req.body, nullptr, false);
    {
      std::lock_guard lock(mutex);
      told[body.value("user_id", "")].push_back(body.value("text", ""));
    }
    --in_flight;
  });
  const int port = webhook.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { webhook.listen_after_bind(); });
  struct StopServing {  // also when an assertion ends the test early
    httplib::Server& server;
    std::thread& thread;
    ~StopServing() {
      server.stop();
      thread.join();
    }
  } stop_serving{webhook, serving};
  const std::vector<std::string> settings = {"notify.webhook_url=http://127.0.0.1:" + std::to_string(port) + "/hook",
                                             "notify.concurrency=8", "notify.prefetch=100"};
  auto mq = AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000));
  {
    ServerProcess declare(db_.url(), settings, "notify");  // declares and binds the queue, then stops
    declare.send_signal(SIGTERM);
    ASSERT_EQ(declare.wait_exit(seconds(10)), 0);
  }
  // The backlog: each user's charges of 1, 2, ... cents, one after another.
  {
    ServerProcess server(db_.url(), {"withdrawals.enabled=false"});
    auto c = server.client();
    for (int n = 1; n <= kEach; ++n) {
      for (int u = 0; u < kUsers; ++u) {
        const auto r = c->Post("/charge", json{{"user_id", "order-" + std::to_string(u)}, {"amount", n}}.dump(),
                               "application/json");
        ASSERT_TRUE(r && r->status == 201);
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + seconds(60);
    // Other tests' servers publish to the same exchange: the queue holds their events too.
    while (mq.queue_depth(daemon::notify_queues(Settings{}).queue) < kUsers * kEach && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls the broker for the relayed backlog
    }
    ASSERT_GE(mq.queue_depth(daemon::notify_queues(Settings{}).queue), kUsers * kEach);
    auto conn = db_.connect();
    while (conn.exec("SELECT count(*) FROM outbox WHERE published_at IS NULL").int64(0, 0) > 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls for our own events relayed
    }
  }
  ServerProcess notify(db_.url(), settings, "notify");
  const auto all_told = [&] {
    std::lock_guard lock(mutex);
    std::size_t n = 0;
    for (const auto& [user, texts] : told) n += texts.size();
    return n >= static_cast<std::size_t>(kUsers * kEach);
  };
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (!all_told() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls what the webhook received
  }
  ASSERT_TRUE(all_told()) << notify.log();
  EXPECT_GE(most_in_flight.load(), 2) << "the backlog was told one call at a time";
  std::lock_guard lock(mutex);
  ASSERT_EQ(told.size(), static_cast<std::size_t>(kUsers));
  for (const auto& [user, texts] : told) {
    ASSERT_EQ(texts.size(), static_cast<std::size_t>(kEach)) << user;
    for (int n = 1; n <= kEach; ++n) {
      EXPECT_NE(texts[n - 1].find("0.0" + std::to_string(n) + " USD"), std::string::npos) << user << ": " << texts[n - 1];
    }
  }
  notify.send_signal(SIGTERM);
  EXPECT_EQ(notify.wait_exit(seconds(10)), 0);
  mq.delete_queue(daemon::notify_queues(Settings{}).queue);
}

}  // namespace
}  // namespace wallet::testing
