#include "tests/chaos/clients.hpp"

#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "core/ids.hpp"
#include "core/timestamp.hpp"
#include "tests/support/process.hpp"
#include "tests/support/paths.hpp"

namespace wallet::chaos {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// How long a client keeps retrying one operation with its key before it records the outcome
// as unknown: longer than any outage the fault scheduler makes.
constexpr auto kRetryFor = 60s;
constexpr auto kFirstBackoff = 50ms, kLongestBackoff = 1000ms;

struct Answer {
  int status = 0;  // 0: no answer (refused connection, reset, timeout)
  json body;
  bool replayed = false;  // Idempotent-Replayed: true
};

bool ambiguous(int status) { return status == 0 || status >= 500 || status == 429; }

// Backoff between retries of one operation: doubles up to a second.
class Backoff {
 public:
  void wait() {
    std::this_thread::sleep_for(next_);  // a pause before the retry, as a client gives a service
    next_ = std::min(next_ * 2, std::chrono::milliseconds(kLongestBackoff));
  }

 private:
  std::chrono::milliseconds next_{kFirstBackoff};
};

std::int64_t between(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

// Talks to whichever serve is up, starting from a random one, over keep-alive connections.
class ServeClient {
 public:
  ServeClient(const ClientContext& ctx, std::mt19937_64& rng) : ctx_(ctx), rng_(rng) {}

  Answer send(const std::string& method, const std::string& path, const std::string& body = "",
              const std::string& key = "") {
    const int first = static_cast<int>(rng_() % Cluster::kServes);
    int port = 0;
    for (int k = 0; k < Cluster::kServes && port == 0; ++k)
      port = ctx_.cluster.serve_port((first + k) % Cluster::kServes);
    if (port == 0) return {};
    auto& client = client_for(port);
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Idempotency-Key", key);
    const auto res = method == "POST" ? client.Post(path, headers, body, "application/json") : client.Get(path);
    if (!res) {
      clients_.erase(port);  // a broken connection: the next request opens a new one
      return {};
    }
    return {res->status, json::parse(res->body, nullptr, false),
            res->get_header_value("Idempotent-Replayed") == "true"};
  }

 private:
  httplib::Client& client_for(int port) {
    if (clients_.size() > 2 * Cluster::kServes) clients_.clear();  // ports of serves since restarted
    auto& c = clients_[port];
    if (!c) {
      c = std::make_unique<httplib::Client>("127.0.0.1", port);
      c->set_keep_alive(true);
      c->set_connection_timeout(1);
      c->set_read_timeout(5);
      c->set_write_timeout(5);
      c->set_bearer_token_auth(ctx_.api_secret);
    }
    return *c;
  }

  const ClientContext& ctx_;
  std::mt19937_64& rng_;
  std::map<int, std::unique_ptr<httplib::Client>> clients_;
};

struct Request {
  std::string kind, path;
  json body;
  std::int64_t amount = 0;
  std::string debits;  // the wallet it takes money from, if any
};

struct Acknowledged {
  Request request;
  std::string key;
  int status = 0;
  std::string id;
};

class HttpClient {
 public:
  HttpClient(const ClientContext& ctx, std::uint64_t seed) : ctx_(ctx), rng_(seed), serve_(ctx, rng_) {}

  void run() {
    while (!ctx_.stop) {
      const auto dice = rng_() % 100;
      if (dice < 25) {
        write(charge());
      } else if (dice < 48) {
        write(transfer());
      } else if (dice < 55) {
        two_phase();
      } else if (dice < 65) {
        write(withdraw());
      } else if (dice < 68) {
        batch();
      } else if (dice < 70 && last_) {
        dice % 2 ? replay_last() : reuse_key_of_last();
      } else {
        read();
      }
    }
  }

 private:
  const std::string& wallet() { return ctx_.wallets.ids[rng_() % ctx_.wallets.ids.size()]; }

  Request charge() {
    const auto amount = between(rng_, 100, 50'000);
    const auto& user = ctx_.wallets.users[rng_() % ctx_.wallets.users.size()];
    return {"charge", "/charge", {{"user_id", user}, {"amount", amount}}, amount, ""};
  }
  Request transfer() {
    // One transfer in a hundred asks for more than any wallet holds: a refusal.
    const auto amount = rng_() % 100 == 0 ? 1'000'000'000 : between(rng_, 1, 20'000);
    std::string from = wallet(), to = wallet();
    while (to == from) to = wallet();
    return {"transfer", "/transfers", {{"sender_id", from}, {"receiver_id", to}, {"amount", amount}}, amount, from};
  }
  // A pending transfer, then a capture of part of it, a void, or nothing: left to the server's
  // expiry sweep, which must close it within the run (checks.cpp).
  void two_phase() {
    const auto amount = between(rng_, 1, 20'000);
    std::string from = wallet(), to = wallet();
    while (to == from) to = wallet();
    const auto expires = format_rfc3339(now_utc() + std::chrono::seconds(between(rng_, 2, 8)));
    const auto opened = write({"pending",
                               "/transfers",
                               {{"sender_id", from}, {"receiver_id", to}, {"amount", amount}, {"pending", true},
                                {"expires_at", expires}},
                               amount,
                               from});
    if (!opened) return;
    const auto then = rng_() % 3;
    if (then == 0) {
      const auto part = between(rng_, 1, amount);
      write({"transfer", "/transfers/" + *opened + "/capture", {{"amount", part}}, part, from});
    } else if (then == 1) {
      write({"void", "/transfers/" + *opened + "/void", json::object(), 0, ""});
    } else {
      ctx_.journal.count("pending transfers left to expire");
    }
  }
  Request withdraw() {
    const auto amount = between(rng_, 100, 10'000);
    const auto& from = wallet();
    return {"withdrawal", "/withdraw", {{"wallet_id", from}, {"amount", amount}}, amount, from};
  }

  // Sends until answered (or out of time); records the outcome. Returns the id of what an
  // acknowledged request made or acted on.
  std::optional<std::string> write(Request req) {
    OperationRecord record{new_uuid(), req.kind, req.amount, Channel::kHttp, Outcome::kUnknown, false};
    // Each request carries its key as metadata: checks.cpp finds the pairs on what it made.
    req.body["metadata"] = {{"chaos_key", record.key}};
    const auto sent = post_until_answered(req.path, req.body.dump(), record.key);
    record.retried = sent.attempts > 1;
    if (sent.answer) settle(req, record, *sent.answer);
    // A void makes no transaction: checks.cpp has nothing to find it by, so it is counted.
    if (req.kind == "void") {
      ctx_.journal.count(record.outcome == Outcome::kAcknowledged ? "pending transfers voided" : "voids unanswered or refused");
    } else {
      ctx_.journal.record(record);
    }
    if (record.outcome != Outcome::kAcknowledged) return std::nullopt;
    return last_->id;
  }

  struct Sent {
    std::optional<Answer> answer;  // none: still ambiguous when kRetryFor ran out
    int attempts = 0;
  };

  // POSTs the same body (under the same key, if any) to whichever serve is up until it gets an
  // answer that is not ambiguous, backing off between attempts, for up to kRetryFor.
  Sent post_until_answered(const std::string& path, const std::string& body, const std::string& key = "") {
    const auto deadline = Clock::now() + kRetryFor;
    Backoff backoff;
    for (int attempts = 1;; ++attempts) {
      auto a = serve_.send("POST", path, body, key);
      if (a.status == 500) ctx_.journal.anomaly("500 on POST " + path + ": " + a.body.dump());
      if (!ambiguous(a.status)) return {std::move(a), attempts};
      ctx_.journal.count("http ambiguous answers");
      if (Clock::now() >= deadline) return {std::nullopt, attempts};
      backoff.wait();
    }
  }

  // Records what an answered request got: applied, or refused for a reason the run expects
  // (anything else is an anomaly).
  void settle(const Request& req, OperationRecord& record, const Answer& a) {
    if (a.status >= 200 && a.status < 300) {
      record.outcome = Outcome::kAcknowledged;
      // An attempt that got no answer had applied it: the retry proves the key did its job.
      if (a.replayed) ctx_.journal.count("http retries answered as a replay (an unanswered attempt had applied)");
      last_ = Acknowledged{req, record.key, a.status, a.body.value("id", "")};
      if (req.kind == "withdrawal") withdrawals_.push_back(last_->id);
      return;
    }
    record.outcome = Outcome::kRefused;
    const auto code = a.body.value("code", "");
    // A capture or void may lose the race with the expiry sweep: its transfer is closed.
    const bool closer = req.path.find("/transfers/") == 0;
    if (closer && a.status == 409 && code == "transfer_not_pending") {
      ctx_.journal.count("captures and voids after the transfer expired");
    } else if (req.kind == "pending" && code == "invalid_expires_at" &&
               parse_rfc3339(req.body.value("expires_at", "")) <= now_utc()) {
      // Faults held the request (unanswered, retried) until its own expiry had passed.
      ctx_.journal.count("pending transfers that reached the ledger only after their expiry (refused)");
    } else if (a.status == 409 && code == "wallet_frozen" && ctx_.frozen.may_be_frozen(req.debits)) {
      ctx_.journal.count("debits refused: wallet frozen by a settlement file");
    } else if (a.status != 422 || code != "insufficient_funds") {
      ctx_.journal.anomaly(std::to_string(a.status) + " " + code + " on POST " + req.path + " " + req.body.dump());
    }
  }

  // Two to six charges, transfers and withdrawals in one POST /batches, each under its own key
  // (and with it as metadata, as a single request carries it): each result is recorded as its
  // single route's answer would be. An unanswered batch is sent again whole; the keys make that
  // safe, and what an earlier attempt applied comes back marked as replayed.
  void batch() {
    const auto n = between(rng_, 2, 6);
    std::vector<Request> requests;
    std::vector<OperationRecord> records;
    json operations = json::array();
    for (std::int64_t i = 0; i < n; ++i) {
      const auto dice = rng_() % 3;
      Request req = dice == 0 ? charge() : dice == 1 ? transfer() : withdraw();
      OperationRecord record{new_uuid(), req.kind, req.amount, Channel::kHttp, Outcome::kUnknown, false};
      req.body["metadata"] = {{"chaos_key", record.key}};
      json op = req.body;
      op["op"] = req.kind == "withdrawal" ? "withdraw" : req.kind;
      op["idempotency_key"] = record.key;
      operations.push_back(std::move(op));
      requests.push_back(std::move(req));
      records.push_back(std::move(record));
    }
    const auto sent =
        post_until_answered("/batches", json{{"mode", "independent"}, {"operations", operations}}.dump());
    for (auto& record : records) record.retried = sent.attempts > 1;
    if (sent.answer) settle_batch(requests, records, *sent.answer);
    for (auto& record : records) ctx_.journal.record(std::move(record));
  }

  // Each result of an answered batch, as its single request's answer would be settled.
  void settle_batch(const std::vector<Request>& requests, std::vector<OperationRecord>& records, const Answer& a) {
    const auto results = a.body.is_object() ? a.body.value("results", json::array()) : json::array();
    if (a.status != 200 || results.size() != requests.size()) {
      ctx_.journal.anomaly(std::to_string(a.status) + " on POST /batches: " + a.body.dump());
      return;
    }
    for (std::size_t i = 0; i < requests.size(); ++i) {
      settle(requests[i], records[i],
             {results[i].value("status", 0), results[i].value("body", json::object()),
              results[i].value("replayed", false)});
    }
    ctx_.journal.count("http batches answered");
  }

  // The same request again under its key: the original answer, marked as a replay.
  void replay_last() {
    const auto a = serve_.send("POST", last_->request.path, last_->request.body.dump(), last_->key);
    if (ambiguous(a.status)) return;
    ctx_.journal.count("deliberate replays");
    if (a.status != last_->status || !a.replayed || a.body.value("id", "") != last_->id) {
      ctx_.journal.anomaly("a replay of key " + last_->key + " got " + std::to_string(a.status) +
                           (a.replayed ? " (replayed) " : " (not marked replayed) ") + a.body.dump());
    }
  }

  // The key of an applied request with another amount: refused, nothing changes.
  void reuse_key_of_last() {
    if (last_->request.kind == "void") return replay_last();  // a void has no amount to change
    auto body = last_->request.body;
    body["amount"] = last_->request.amount + 1;
    const auto a = serve_.send("POST", last_->request.path, body.dump(), last_->key);
    if (ambiguous(a.status)) return;
    ctx_.journal.count("deliberate key conflicts");
    if (a.status != 409 || a.body.value("code", "") != "idempotency_conflict") {
      ctx_.journal.anomaly("key " + last_->key + " reused for another amount got " + std::to_string(a.status) + " " +
                           a.body.dump());
    }
  }

  void read() {
    const auto dice = rng_() % 6;
    std::string path;
    if (dice == 0) {
      path = "/wallets/" + wallet();
    } else if (dice == 4) {  // the balance a moment ago
      path = "/wallets/" + wallet() + "?at=" + format_rfc3339(now_utc() - std::chrono::seconds(between(rng_, 1, 30)));
    } else if (dice == 5 && last_ && !last_->request.debits.empty()) {
      return find_last_by_metadata();
    } else if (dice == 1) {
      path = "/wallets/" + wallet() + "/transactions?limit=5";
    } else if (dice == 2) {
      path = "/balance/" + ctx_.wallets.users[rng_() % ctx_.wallets.users.size()];
    } else if (!withdrawals_.empty()) {
      path = "/withdrawals/" + withdrawals_[rng_() % withdrawals_.size()];
    } else {
      return;
    }
    const auto a = serve_.send("GET", path);
    ctx_.journal.count("http reads");
    if (a.status == 200) return;
    if (a.status == 0 || a.status == 503) {
      ctx_.journal.count("http reads unanswered");
      return;
    }
    ctx_.journal.anomaly(std::to_string(a.status) + " on GET " + path + ": " + a.body.dump());
  }

  // The last acknowledged request's wallet history filtered by the pairs it carried: a plain
  // transfer or withdrawal is found there, exactly once.
  void find_last_by_metadata() {
    const auto path = "/wallets/" + last_->request.debits + "/transactions?metadata.chaos_key=" + last_->key;
    const auto a = serve_.send("GET", path);
    ctx_.journal.count("http reads");
    if (a.status == 0 || a.status == 503) return ctx_.journal.count("http reads unanswered");
    const bool made_a_transaction = last_->request.path == "/transfers" && last_->request.kind == "transfer";
    const auto items = a.body.is_object() ? a.body.value("items", json::array()) : json::array();
    const bool found = items.size() == 1 && items[0].value("id", "") == last_->id;
    if (a.status != 200 || (made_a_transaction && !found)) {
      ctx_.journal.anomaly(std::to_string(a.status) + " on GET " + path + " (expected " + last_->id + "): " +
                           a.body.dump());
    } else if (made_a_transaction) {
      ctx_.journal.count("transfers found again by their metadata");
    }
  }

  const ClientContext& ctx_;
  std::mt19937_64 rng_;
  ServeClient serve_;
  std::optional<Acknowledged> last_;
  std::vector<std::string> withdrawals_;
};

std::map<std::string, std::string> cli_env(const ClientContext& ctx) { return {{"DATABASE_URL", ctx.database_url}}; }

std::vector<std::string> cli(std::initializer_list<std::string> args) {
  std::vector<std::string> argv = {testing::walletctl_path(), "--output", "json", "--set", "database.connect_timeout=2"};
  argv.insert(argv.end(), args);
  return argv;
}

// Exit codes: 0 done, 1 refused, 3 unreachable (ambiguous for a write); anything else is a bug.
// `debits`: the wallet the command takes money from, if any (it may be frozen by a settlement file).
void cli_write(const ClientContext& ctx, OperationRecord record, const std::vector<std::string>& argv,
               const std::string& debits = "") {
  const auto deadline = Clock::now() + kRetryFor;
  Backoff backoff;
  for (int sent = 1;; ++sent) {
    const auto r = testing::run_process(argv, cli_env(ctx));
    record.retried = sent > 1;
    if (r.exit_code == 0 || r.exit_code == 1) {
      record.outcome = r.exit_code == 0 ? Outcome::kAcknowledged : Outcome::kRefused;
      const bool expected = r.err.find("insufficient") != std::string::npos ||
                            (r.err.find("wallet_frozen") != std::string::npos && ctx.frozen.may_be_frozen(debits));
      if (r.exit_code == 1 && !expected) {
        ctx.journal.anomaly("walletctl " + argv[5] + " refused: " + r.err);
      }
      break;
    }
    if (r.exit_code != 3) {
      ctx.journal.anomaly("walletctl " + argv[5] + " exit " + std::to_string(r.exit_code) + ": " + r.err);
      break;
    }
    ctx.journal.count("cli exit 3 (service unreachable)");
    if (Clock::now() >= deadline) break;
    backoff.wait();
  }
  ctx.journal.record(record);
}

std::string report_status(const std::string& line) {
  std::istringstream fields(line);
  std::string number, status;
  std::getline(fields, number, ',');
  std::getline(fields, status, ',');
  return status;
}

}  // namespace

Wallets fund_wallets(Cluster& cluster, Journal& journal, const std::string& api_secret, int count, std::uint64_t seed) {
  Wallets w;
  httplib::Client client("127.0.0.1", cluster.serve_port(0));
  client.set_bearer_token_auth(api_secret);
  client.set_read_timeout(30);
  for (int i = 0; i < count; ++i) {
    const std::string user = "chaos-" + std::to_string(seed) + "-" + std::to_string(i);
    OperationRecord record{new_uuid(), "charge", 10'000'000, Channel::kHttp, Outcome::kAcknowledged, false};
    const auto res = client.Post("/charge", {{"Idempotency-Key", record.key}},
                                 json{{"user_id", user}, {"amount", record.amount}, {"metadata", {{"chaos_key", record.key}}}}
                                     .dump(),
                                 "application/json");
    if (!res || res->status != 201) throw std::runtime_error("funding " + user + " failed");
    w.users.push_back(user);
    w.ids.push_back(json::parse(res->body).at("destination_wallet_id").get<std::string>());
    journal.record(record);
  }
  return w;
}

void run_http_client(const ClientContext& ctx, std::uint64_t seed) { HttpClient(ctx, seed).run(); }

void run_cli_client(const ClientContext& ctx, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto& ids = ctx.wallets.ids;
  const auto wallet = [&] { return ids[rng() % ids.size()]; };
  while (!ctx.stop) {
    const auto dice = rng() % 10;
    const auto key = new_uuid();
    if (dice < 3) {
      const auto amount = between(rng, 100, 50'000);
      const auto& user = ctx.wallets.users[rng() % ctx.wallets.users.size()];
      cli_write(ctx, {key, "charge", amount, Channel::kCli, Outcome::kUnknown, false},
                cli({"charge", "--user", user, std::to_string(amount), "--key", key}));
    } else if (dice < 6) {
      const auto amount = between(rng, 1, 20'000);
      std::string from = wallet(), to = wallet();
      while (to == from) to = wallet();
      cli_write(ctx, {key, "transfer", amount, Channel::kCli, Outcome::kUnknown, false},
                cli({"transfer", from, to, std::to_string(amount), "--key", key}), from);
    } else if (dice < 7) {
      const auto amount = between(rng, 100, 10'000);
      const auto from = wallet();
      cli_write(ctx, {key, "withdrawal", amount, Channel::kCli, Outcome::kUnknown, false},
                cli({"withdraw", from, std::to_string(amount), "--key", key}), from);
    } else {
      const auto argv = dice < 9 ? cli({"balance", wallet()}) : cli({"history", wallet(), "--limit", "5"});
      const auto r = testing::run_process(argv, cli_env(ctx));
      ctx.journal.count("cli reads");
      if (r.exit_code != 0 && r.exit_code != 3) {
        ctx.journal.anomaly("walletctl " + argv[5] + " exit " + std::to_string(r.exit_code) + ": " + r.err);
      }
    }
  }
}

// Settlement files of 100 rows, each replayed until it finishes; some runs are killed part-way
// and the same file is run again, as a cron job would after a crash.
void run_replayer(const ClientContext& ctx, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto& ids = ctx.wallets.ids;
  for (int file_number = 1; !ctx.stop; ++file_number) {
    const auto file = ctx.work_dir + "/settlement-" + std::to_string(file_number) + ".csv";
    const auto report = file + ".report";
    std::vector<OperationRecord> rows;
    // One file in four freezes a wallet at row 30 and unfreezes it at row 70, and sets a wallet's
    // overdraft limit: the debits between refused, the rest of the file and the other clients
    // going on around them, and a rerun after a kill doing neither twice.
    const bool controls = rng() % 4 == 0;
    const std::string frozen = ids[rng() % ids.size()];
    if (controls) ctx.frozen.add(frozen);
    {
      std::ofstream out(file);
      out << "op,wallet_id,user_id,to_wallet_id,amount,idempotency_key,reason\n";
      for (int i = 0; i < 100; ++i) {
        const auto dice = rng() % 20;
        OperationRecord r{new_uuid(), "", 0, Channel::kReplay, Outcome::kUnknown, false};
        if (controls && (i == 30 || i == 70)) {
          r.kind = i == 30 ? "freeze" : "unfreeze";
          out << r.kind << "," << frozen << ",,,," << r.key << ",chaos file " << file_number << "\n";
          rows.push_back(r);
          continue;
        }
        if (controls && i == 50) {
          r.kind = "set_limit";
          out << "set_limit," << ids[rng() % ids.size()] << ",,," << between(rng, 0, 20'000) << "," << r.key << ",\n";
          rows.push_back(r);
          continue;
        }
        if (dice < 8) {
          r.kind = "charge";
          r.amount = between(rng, 100, 5'000);
          out << "charge,," << ctx.wallets.users[rng() % ctx.wallets.users.size()] << ",," << r.amount;
        } else if (dice < 17) {
          r.kind = "transfer";
          r.amount = between(rng, 1, 3'000);
          std::string from = ids[rng() % ids.size()], to = ids[rng() % ids.size()];
          while (to == from) to = ids[rng() % ids.size()];
          out << "transfer," << from << ",," << to << "," << r.amount;
        } else {
          r.kind = "withdrawal";
          r.amount = between(rng, 100, 2'000);
          out << "withdraw," << ids[rng() % ids.size()] << ",,," << r.amount;
        }
        out << "," << r.key << ",\n";
        rows.push_back(r);
      }
    }
    const auto deadline = Clock::now() + kRetryFor;
    int runs = 0, code = -1;
    for (;;) {
      const int pid = testing::start_process(
          {testing::walletctl_path(), "--set", "database.connect_timeout=2", "replay", file, "--report", report, "--quiet"},
          cli_env(ctx));
      ++runs;
      if (rng() % 100 < 35) {
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 600));  // then the crash
        kill(pid, SIGKILL);
      }
      code = testing::wait_process(pid);
      if (code == 0 || code == 1) break;
      if (code == 128 + SIGKILL) {
        ctx.journal.count("replays killed part-way");
      } else if (code == 3) {
        ctx.journal.count("replays exit 3 (database unreachable)");
      } else {
        ctx.journal.anomaly("walletctl replay " + file + " exit " + std::to_string(code));
        break;
      }
      if (Clock::now() >= deadline) break;
    }
    ctx.journal.count("settlement files");
    if (code == 0 || code == 1) {
      std::ifstream in(report);
      std::size_t row = 0;
      for (std::string line; std::getline(in, line);) {
        if (line.empty() || !std::isdigit(static_cast<unsigned char>(line[0]))) continue;  // the header
        if (row >= rows.size()) break;
        const auto status = report_status(line);
        auto& r = rows[row++];
        if (status == "applied" || status == "replayed") {
          r.outcome = Outcome::kAcknowledged;
          if (status == "replayed") ctx.journal.count("replay rows applied by a run that was killed or cut off");
        } else if (status == "refused") {
          r.outcome = Outcome::kRefused;
        } else {
          ctx.journal.anomaly("replay of " + file + " reported: " + line);
        }
      }
      if (row != rows.size()) ctx.journal.anomaly("the report of " + file + " has " + std::to_string(row) + " rows");
    }
    for (auto& r : rows) {
      r.retried = runs > 1;
      if (r.kind == "freeze" || r.kind == "unfreeze" || r.kind == "set_limit") {
        // No money moves: counted, and the wallet is known unfrozen once its unfreeze is reported.
        const bool done = r.outcome == Outcome::kAcknowledged;
        ctx.journal.count("replay " + r.kind + " rows " + (done ? "applied" : "refused or unknown"));
        if (r.kind == "unfreeze" && done) ctx.frozen.remove(frozen);
        continue;
      }
      ctx.journal.record(r);
    }
    std::remove(file.c_str());
    std::remove(report.c_str());
  }
}

}  // namespace wallet::chaos
