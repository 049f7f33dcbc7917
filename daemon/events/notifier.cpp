#include "daemon/events/notifier.hpp"

#include <iostream>
#include <set>
#include <thread>

#include "core/backoff.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "daemon/events/event_consumers.hpp"
#include "daemon/http_target.hpp"

namespace wallet::daemon {
namespace {

enum class WebhookAnswer { kTaken, kRefused, kTryAgain };

// Posts a notification to the webhook: 2xx took it; a 4xx other than 408, 409, 425 and 429
// refuses it for good (retrying the same body cannot help); anything else is tried again.
WebhookAnswer post_webhook(httplib::Client& client, const std::string& path, const std::string& body) {
  const auto res = client.Post(path, body, "application/json");
  if (!res) return WebhookAnswer::kTryAgain;
  const int status = res->status;
  if (status >= 200 && status < 300) return WebhookAnswer::kTaken;
  const bool permanent =
      status >= 400 && status < 500 && status != 408 && status != 409 && status != 425 && status != 429;
  return permanent ? WebhookAnswer::kRefused : WebhookAnswer::kTryAgain;
}

}  // namespace

struct Notifier::Message {
  const AmqpDelivery* delivery;
  nlohmann::json event;
  std::optional<Notification> note;  // none: nothing to tell (another kind of event, a system account)
  Outcome outcome = Outcome::kUntold;
};

Notifier::Notifier(const Settings& settings, const StopFlag& stop, NotifyMetrics& metrics)
    : settings_(settings),
      stop_(stop),
      metrics_(metrics),
      db_(pg::Connection::open(settings.database.url, static_cast<int>(settings.database.connect_timeout))),
      record_(db_) {
  if (settings.notify.webhook_url.empty()) return;
  const auto target = split_http_url(settings.notify.webhook_url);
  webhook_path_ = target.path;
  for (std::int64_t i = 0; i < settings.notify.concurrency; ++i) {
    auto client = std::make_unique<httplib::Client>(target.origin);
    client->set_connection_timeout(5);
    client->set_read_timeout(10);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);  // else each small POST can wait out a delayed ACK (40 ms)
    lanes_.push_back(std::move(client));
  }
}

void Notifier::setup(AmqpConnection& mq) {
  const auto names = notify_queues(settings_);
  mq.declare_exchange(names.dead_letter_exchange, "fanout", true);
  mq.declare_queue(names.dead_letters, {.durable = true, .dead_letter_exchange = std::nullopt, .replicated = true});
  mq.bind_queue(names.dead_letters, names.dead_letter_exchange, "");
  mq.declare_queue(names.queue, {.durable = true, .dead_letter_exchange = names.dead_letter_exchange, .replicated = true});
  for (const char* key : {"charge.completed", "transfer.completed", "withdrawal.completed", "withdrawal.failed"}) {
    mq.bind_queue(names.queue, settings_.rabbitmq.exchange, key);
  }
  mq.set_prefetch(static_cast<int>(settings_.notify.prefetch));
  mq.consume(names.queue, true);
}

void Notifier::handle(AmqpConnection& mq, const std::vector<AmqpDelivery>& batch) {
  // Undecodable messages are dead-lettered; the rest are checked against the record at once.
  std::vector<Message> messages;
  std::vector<std::string> ids;
  std::set<std::uint64_t> rejected;  // delivery tags dead-lettered: no longer the channel's to acknowledge
  const auto reject = [&](const AmqpDelivery& d) {
    mq.reject(d.delivery_tag);
    rejected.insert(d.delivery_tag);
  };
  const auto dead_letter = [&](const AmqpDelivery& d, const std::string& why) {
    log_event(spdlog::level::warn, "undecodable message dead-lettered", {{"routing_key", d.routing_key}, {"error", why}});
    reject(d);
    metrics_.dead_lettered();
  };
  for (const auto& d : batch) {
    if (!d.message_id || d.message_id->empty()) {
      dead_letter(d, "message has no message_id");
      continue;
    }
    messages.push_back({&d, nlohmann::json::parse(d.body, nullptr, false), std::nullopt});
    ids.push_back(*d.message_id);
  }
  auto told_before = record_.seen(ids);
  std::vector<Message> fresh;
  for (auto& m : messages) {
    // A redelivery of a message already told, or a second copy in this batch: dropped (and
    // acknowledged with the batch).
    if (!told_before.insert(*m.delivery->message_id).second) {
      log_event(spdlog::level::info, "duplicate message dropped", {{"message_id", *m.delivery->message_id}});
      metrics_.duplicate();
      continue;
    }
    try {
      m.note = render_notification(m.event, [this](const std::string& w) { return record_.owner_of(w); });
    } catch (const DomainError& e) {
      if (error_info(e.code()).error_class != ErrorClass::kInvalidInput) throw;  // not the message's fault
      dead_letter(*m.delivery, std::string(e.detail()));
      continue;
    }
    fresh.push_back(std::move(m));
  }
  std::exception_ptr stopped;
  try {
    deliver_all(fresh);
  } catch (const DomainError&) {
    stopped = std::current_exception();  // what was told is still remembered and acknowledged
  }
  std::vector<std::string> told;
  for (const auto& m : fresh) {
    if (m.outcome == Outcome::kTold) told.push_back(*m.delivery->message_id);
  }
  record_.remember(told);
  for (const auto& m : fresh) {
    if (m.outcome == Outcome::kRefused) {
      // Refused for good: dead-lettered (not remembered, so it can be sent again from there),
      // never holding up the queue behind it.
      log_event(spdlog::level::warn, "notification refused by the webhook; dead-lettered",
                {{"message_id", *m.delivery->message_id}, {"routing_key", m.delivery->routing_key}});
      reject(*m.delivery);
      metrics_.dead_lettered();
    } else if (m.outcome == Outcome::kTold) {
      metrics_.delivered();
      if (stopped) mq.ack(m.delivery->delivery_tag);
    }
  }
  // Everything else of the batch is settled: one frame acknowledges it (duplicates included),
  // naming its last delivery not rejected (the broker closes the channel on a tag it no longer
  // holds). After a stop, the untold must stay unacknowledged; the told were acknowledged one
  // by one.
  if (!stopped) {
    for (auto d = batch.rbegin(); d != batch.rend(); ++d) {
      if (rejected.count(d->delivery_tag)) continue;
      mq.ack_through(d->delivery_tag);
      break;
    }
  }
  if (stopped) std::rethrow_exception(stopped);
}

// Each owner's messages go to one lane (by a hash of the user id), in order; lanes run at once.
void Notifier::deliver_all(std::vector<Message>& messages) {
  if (lanes_.empty()) {  // no webhook: one line each on stdout, in order
    for (auto& m : messages) m.outcome = deliver(nullptr, m);
    return;
  }
  std::vector<std::vector<Message*>> by_lane(lanes_.size());
  for (auto& m : messages) {
    if (!m.note) {
      m.outcome = Outcome::kTold;  // nothing to tell: remembered and acknowledged
      continue;
    }
    by_lane[std::hash<std::string>{}(m.note->user_id) % lanes_.size()].push_back(&m);
  }
  std::vector<std::thread> running;
  std::vector<std::exception_ptr> failures(lanes_.size());
  for (std::size_t lane = 0; lane < lanes_.size(); ++lane) {
    if (by_lane[lane].empty()) continue;
    running.emplace_back([&, lane] {
      try {
        for (auto* m : by_lane[lane]) m->outcome = deliver(lanes_[lane].get(), *m);
      } catch (...) {
        failures[lane] = std::current_exception();
      }
    });
  }
  for (auto& t : running) t.join();
  for (const auto& f : failures) {
    if (f) std::rethrow_exception(f);
  }
}

// A webhook that is down holds the message (unacknowledged) until it answers or we stop.
Notifier::Outcome Notifier::deliver(httplib::Client* webhook, const Message& m) {
  if (!m.note) return Outcome::kTold;
  const nlohmann::json body = {{"user_id", m.note->user_id},
                               {"text", m.note->text},
                               {"event_id", m.event["id"]},
                               {"event_type", m.event["type"]}};
  if (!webhook) {
    std::cout << "notify " << m.note->user_id << ": " << m.note->text << std::endl;
    return Outcome::kTold;
  }
  const auto text = body.dump();
  Backoff backoff(std::chrono::milliseconds(200), std::chrono::milliseconds(10'000));
  for (;;) {
    const auto answer = post_webhook(*webhook, webhook_path_, text);
    if (answer != WebhookAnswer::kTryAgain) return answer == WebhookAnswer::kTaken ? Outcome::kTold : Outcome::kRefused;
    if (stop_.raised()) throw DomainError(ErrorCode::kUnavailable, "stopping with the webhook unreachable");
    log_event(spdlog::level::warn, "notification webhook unavailable; retrying", {{"event_id", m.event["id"]}});
    std::this_thread::sleep_for(backoff.next());
  }
}

}  // namespace wallet::daemon
