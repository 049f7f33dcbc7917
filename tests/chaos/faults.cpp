#include "tests/chaos/faults.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <thread>

#include "core/ids.hpp"
#include "tests/support/process.hpp"

namespace wallet::chaos {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kReapEvery = 200ms;  // how often daemons are checked for an exit of their own
constexpr auto kProbeEvery = 100ms;  // how often a write is tried while the primary is being replaced

enum class Fault {
  kKillServe,
  kKillWorker,
  kKillNotify,
  kRestartPostgres,
  kCrashPostgres,
  kKillPrimary,  // the formation's primary (--ha), instead of the two above
  kKillStandby,  // one of its two standbys (--ha), at times followed by the primary
  kKillRedis,
  kBounceRabbit,
  kBankFails,
  kBankHangs,
  kBankSlow,
  kBankLosesAnswers,
  kBankBusy,             // 429 or 409 with Retry-After
  kBankPaysThenRefuses,  // pays and loses its answers, then refuses connections
};

// Weights: daemons die most often, the slow RabbitMQ restart least. Losses of formation nodes
// (--ha) come often: with the lost nodes' return each takes 20 to 40 s, during which nothing
// else is injected.
constexpr std::pair<Fault, int> kFaults[] = {
    {Fault::kKillServe, 6},     {Fault::kKillWorker, 2}, {Fault::kKillNotify, 1},       {Fault::kRestartPostgres, 2},
    {Fault::kCrashPostgres, 2}, {Fault::kKillRedis, 3},  {Fault::kBounceRabbit, 1},     {Fault::kBankFails, 2},
    {Fault::kBankHangs, 2},     {Fault::kBankSlow, 1},   {Fault::kBankLosesAnswers, 2}, {Fault::kBankBusy, 1},
    {Fault::kBankPaysThenRefuses, 2}, {Fault::kKillPrimary, 8}, {Fault::kKillStandby, 6},
};

bool applies(Fault f, bool ha) {
  if (f == Fault::kKillPrimary || f == Fault::kKillStandby) return ha;
  return !ha || (f != Fault::kRestartPostgres && f != Fault::kCrashPostgres);
}

Fault draw(std::mt19937_64& rng, bool ha) {
  int total = 0;
  for (const auto& [f, w] : kFaults) total += applies(f, ha) ? w : 0;
  int pick = static_cast<int>(rng() % static_cast<std::uint64_t>(total));
  for (const auto& [f, w] : kFaults) {
    if (!applies(f, ha)) continue;
    if (pick < w) return f;
    pick -= w;
  }
  return Fault::kKillServe;
}

}  // namespace

FaultScheduler::FaultScheduler(Cluster& cluster, Journal& journal, std::string stack_script, std::uint64_t seed,
                               bool ha, std::string api_secret)
    : cluster_(cluster),
      journal_(journal),
      stack_script_(std::move(stack_script)),
      ha_(ha),
      api_secret_(std::move(api_secret)),
      rng_(seed),
      started_(Clock::now()) {}

std::chrono::milliseconds FaultScheduler::pause(int min_ms, int max_ms) {
  return std::chrono::milliseconds(min_ms + static_cast<int>(rng_() % static_cast<std::uint64_t>(max_ms - min_ms + 1)));
}

void FaultScheduler::note(const std::string& what) {
  ++injected_[what];
  const auto at = std::chrono::duration<double>(Clock::now() - started_).count();
  std::cerr << "chaos: " << std::fixed << std::setprecision(1) << at << " s  " << what << std::endl;
}

void FaultScheduler::stack(const std::string& action, const std::string& service) {
  const auto r = testing::run_process({"/bin/bash", stack_script_, action, service});
  if (r.exit_code != 0) journal_.anomaly("scripts/stack " + action + " " + service + " failed: " + r.err);
}

void FaultScheduler::run(Clock::time_point until) {
  while (Clock::now() < until) {
    const auto next = Clock::now() + pause(1000, 5000);
    while (Clock::now() < std::min(next, until)) {
      for (auto& name : cluster_.restart_exited()) {
        std::cerr << "chaos: " << name << " exited by itself; restarted" << std::endl;
        unexpected_exits_.push_back(name);
      }
      std::this_thread::sleep_for(kReapEvery);  // between checks of the daemons' state
    }
    if (Clock::now() < until) inject();
  }
  for (auto& name : cluster_.restart_exited()) unexpected_exits_.push_back(name);
}

void FaultScheduler::outage(const std::string& what, const std::string& how, const std::string& service,
                            std::chrono::milliseconds down_for) {
  note(what);
  stack(how, service);
  std::this_thread::sleep_for(down_for);  // the outage itself
  stack("start", service);
}

void FaultScheduler::kill_primary() {
  note("PostgreSQL primary SIGKILLed (its machine lost); a standby takes over");
  const auto killed = Clock::now();
  stack("kill", "postgres-primary");
  time_writes(kPrimaryLost, killed);
  // The lost node rejoins as a standby, so that the next kill has two to fail over to.
  stack("start", "postgres");
}

void FaultScheduler::kill_standby(bool then_primary) {
  note("PostgreSQL standby SIGKILLed (its machine lost); commits wait for the other");
  stack("kill", "postgres-standby");
  time_writes(kStandbyLost, Clock::now());
  if (then_primary) {
    std::this_thread::sleep_for(pause(1000, 3000));  // writes go on with one standby for a while
    note("then the PostgreSQL primary SIGKILLed too; the lost nodes brought back");
    const auto killed = Clock::now();
    stack("kill", "postgres-primary");
    // Writes wait for a lost node's return (no standby is promoted alone): timed meanwhile.
    std::thread bring_back([this] { stack("start", "postgres"); });
    time_writes(kStandbyThenPrimaryLost, killed);
    bring_back.join();
    return;
  }
  std::this_thread::sleep_for(pause(1000, 5000));  // how long the standby stays lost
  stack("start", "postgres");
}

void FaultScheduler::time_writes(const Loss& loss, Clock::time_point since) {
  WriteOutage outage{loss.name, std::nullopt};
  for (std::uint64_t attempt = 0; Clock::now() < since + loss.limit && !outage.took; ++attempt) {
    const int port = cluster_.serve_port(static_cast<int>(attempt % Cluster::kServes));
    if (port != 0) {
      httplib::Client client("127.0.0.1", port);
      client.set_bearer_token_auth(api_secret_);
      client.set_connection_timeout(1);
      client.set_read_timeout(5);
      const auto body = nlohmann::json{{"user_id", "failover-probe-" + new_uuid()}, {"currency", "USD"}}.dump();
      const auto res = client.Post("/wallets", body, "application/json");
      if (res && res->status == 201) {
        outage.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since);
        break;
      }
    }
    std::this_thread::sleep_for(kProbeEvery);  // the pace of the probe, not a wait for an event
  }
  if (outage.took) {
    std::cerr << "chaos: " << loss.name << ": a serve took writes " << std::fixed << std::setprecision(1)
              << static_cast<double>(outage.took->count()) / 1000 << " s after it" << std::endl;
  } else {
    std::cerr << "chaos: " << loss.name << ": no serve took a write within " << loss.limit.count() << " s"
              << std::endl;
  }
  write_outages_.push_back(std::move(outage));
}

void FaultScheduler::inject() {
  // Under --ha the first two faults are the ones the mode is for: the primary lost, then a
  // standby and the primary; then they are drawn like the others.
  if (ha_ && injected_kinds_ < 2) {
    if (++injected_kinds_ == 1) {
      kill_primary();
    } else {
      kill_standby(true);
    }
    return;
  }
  const auto fault = draw(rng_, ha_);
  const auto outage_for = pause(0, 3000);
  switch (fault) {
    case Fault::kKillServe: {
      const int i = static_cast<int>(rng_() % Cluster::kServes);
      note("SIGKILL " + cluster_.daemon_name(i) + ", restarted");
      cluster_.kill_and_restart(i, outage_for);
      break;
    }
    case Fault::kKillWorker:
    case Fault::kKillNotify: {
      const int i = Cluster::kServes + (fault == Fault::kKillWorker ? 0 : 1);
      note("SIGKILL " + cluster_.daemon_name(i) + ", restarted");
      cluster_.kill_and_restart(i, outage_for);
      break;
    }
    case Fault::kRestartPostgres:
      outage("PostgreSQL stopped (fast) and started", "stop", "postgres", outage_for);
      break;
    case Fault::kCrashPostgres:
      outage("PostgreSQL crashed (immediate stop) and started", "kill", "postgres", outage_for);
      break;
    case Fault::kKillPrimary:
      kill_primary();
      break;
    case Fault::kKillStandby:
      kill_standby(rng_() % 2 == 0);
      break;
    case Fault::kKillRedis:
      outage("Redis SIGKILL and restarted", "kill", "redis", outage_for);
      break;
    case Fault::kBounceRabbit:
      outage("RabbitMQ stopped and started", "stop", "rabbitmq", outage_for);
      break;
    case Fault::kBankFails:
    case Fault::kBankHangs:
    case Fault::kBankSlow:
    case Fault::kBankLosesAnswers: {
      const BankMood mood = fault == Fault::kBankFails   ? BankMood::kFail
                            : fault == Fault::kBankHangs ? BankMood::kHang
                            : fault == Fault::kBankSlow  ? BankMood::kSlow
                                                         : BankMood::kLoseAnswers;
      note(fault == Fault::kBankFails   ? "bank answers 503"
           : fault == Fault::kBankHangs ? "bank hangs past the timeout"
           : fault == Fault::kBankSlow  ? "bank answers slowly"
                                        : "bank pays and loses its answer");
      cluster_.set_bank_mood(mood);
      std::this_thread::sleep_for(pause(2000, 5000));  // how long the bank misbehaves
      cluster_.set_bank_mood(BankMood::kPay);
      break;
    }
    case Fault::kBankBusy:
      note("bank answers 429 or 409 with Retry-After");
      cluster_.set_bank_mood(BankMood::kBusy);
      std::this_thread::sleep_for(pause(2000, 5000));  // how long the bank is busy
      cluster_.set_bank_mood(BankMood::kPay);
      break;
    case Fault::kBankPaysThenRefuses:
      // The case that once refunded money the bank had paid: the retries find no bank at all.
      note("bank pays and loses its answers, then refuses connections");
      cluster_.set_bank_mood(BankMood::kLoseAnswers);
      std::this_thread::sleep_for(pause(1000, 2000));  // how long answers are lost
      cluster_.refuse_bank_connections(true);
      std::this_thread::sleep_for(pause(2000, 5000));  // how long the bank is unreachable
      cluster_.set_bank_mood(BankMood::kPay);
      cluster_.refuse_bank_connections(false);
      break;
  }
}

}  // namespace wallet::chaos
