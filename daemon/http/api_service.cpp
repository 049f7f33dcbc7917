// Handlers of the operational routes: health, liveness, readiness, metrics and the OpenAPI
// document.
#include "core/errors.hpp"
#include "core/outbox.hpp"
#include "core/probes.hpp"
#include "core/withdrawal_queue.hpp"
#include "daemon/http/api.hpp"
#include "daemon/http/exchange.hpp"
#include "daemon/http/openapi.hpp"

namespace wallet::daemon {
namespace {

constexpr std::chrono::milliseconds kProbeTimeout{1000};

nlohmann::json probe_json(const ProbeResult& p) {
  nlohmann::json j = {{"status", p.up ? "up" : "down"}, {"latency_ms", p.latency_ms}};
  if (!p.up) j["error"] = p.error;
  return j;
}

ProbeResult probe_database(ApiState& st) {
  try {
    auto conn = st.pool.acquire();
    return probe_postgres(*conn);
  } catch (const DomainError& e) {
    return {false, 0, std::string(e.detail())};
  }
}

void health(Exchange& ex, ApiState& st) {
  ex.allow_query({});
  const auto db = probe_database(st);
  nlohmann::json checks = {{"postgres", probe_json(db)}};
  bool degraded = false;
  const auto optional_service = [&](const char* name, bool enabled, auto probe) {
    if (!enabled) {
      checks[name] = {{"status", "disabled"}};
      return;
    }
    const auto p = probe();
    degraded = degraded || !p.up;
    checks[name] = probe_json(p);
  };
  optional_service("redis", st.settings.redis.enabled,
                   [&] { return probe_redis(st.settings.redis.addr, kProbeTimeout); });
  optional_service("rabbitmq", st.settings.rabbitmq.enabled,
                   [&] { return probe_rabbitmq(st.settings.rabbitmq.url, kProbeTimeout); });
  // Only the database is essential: without Redis or RabbitMQ the API still answers correctly.
  const char* status = !db.up ? "unavailable" : degraded ? "degraded" : "ok";
  ex.send_json(db.up ? 200 : 503, {{"status", status}, {"checks", checks}});
}

// Open to anyone: answered from the state the server refreshes in the background, with no
// connection taken and nothing about the database told (/health, behind a key, says more).
void readiness(Exchange& ex, ApiState& st) {
  ex.allow_query({});
  if (st.stopping) {
    ex.send_json(503, {{"status", "stopping"}});
    return;
  }
  const bool ready = st.readiness.ready();
  ex.send_json(ready ? 200 : 503, {{"status", ready ? "ready" : "unavailable"}});
}

}  // namespace

void add_service_routes(Router& router, ApiState& st) {
  router.add("GET", "/health", [&st](Exchange& ex) { health(ex, st); });
  router.add("GET", "/healthz", [](Exchange& ex) {
    ex.allow_query({});
    ex.send_json(200, {{"status", "ok"}});
  });
  router.add("GET", "/readyz", [&st](Exchange& ex) { readiness(ex, st); });
  router.add("GET", "/metrics", [&st](Exchange& ex) {
    ex.allow_query({});
    std::optional<QueueStats> queue;
    std::optional<OutboxStatus> outbox;
    try {
      auto conn = st.pool.acquire();
      queue = withdrawal_queue_stats(*conn);
      outbox = outbox_status(*conn);
    } catch (const std::exception&) {
      // Metrics still answer while the database is away, without the database's figures.
    }
    ex.res.status = 200;
    const auto cache = st.cache ? std::optional<CacheStats>(st.cache->stats()) : std::nullopt;
    ex.res.set_content(st.metrics.render(st.pool.stats(), st.writes.stats(), queue, outbox, cache),
                       "text/plain; version=0.0.4; charset=utf-8");
  });
  router.add("GET", "/openapi.json", [](Exchange& ex) {
    ex.allow_query({});
    ex.res.status = 200;
    ex.res.set_content(std::string(openapi_document()), "application/json");
  });
}

}  // namespace wallet::daemon
