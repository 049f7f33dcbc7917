// RabbitMQ over AMQP 0-9-1 (rabbitmq-c): one connection with one channel, owned by RAII, for
// publishing with confirms and for consuming with manual acks.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

struct amqp_connection_state_t_;

namespace wallet {

struct AmqpMessage {
  std::string routing_key, body, message_id, type;
  std::int64_t timestamp = 0;  // seconds since the epoch
};

struct AmqpDelivery {
  std::uint64_t delivery_tag = 0;
  bool redelivered = false;
  std::string routing_key, body;
  std::optional<std::string> message_id, type;
};

struct QueueOptions {
  bool durable = false, exclusive = false, auto_delete = false;
  std::optional<std::string> dead_letter_exchange;
  /// A quorum queue (replicated across a cluster's nodes, a single node too) when the broker has
  /// them (RabbitMQ 3.8 and later), so a cluster needs no change here. For durable, shared queues.
  bool replicated = false;
};

class AmqpConnection {
 public:
  /// Connects and logs in; throws DomainError(kUnavailable) naming host:port (never the
  /// password) when the broker cannot be reached or refuses the login. With a `heartbeat`,
  /// a broker silent for two of them makes the next call throw the same.
  static AmqpConnection open(const std::string& url, std::chrono::milliseconds timeout,
                             std::chrono::seconds heartbeat = std::chrono::seconds(0));
  AmqpConnection(AmqpConnection&&) noexcept;
  AmqpConnection& operator=(AmqpConnection&&) noexcept;
  ~AmqpConnection();

  void declare_exchange(const std::string& name, const std::string& type, bool durable);
  /// Returns the queue's name (the broker's choice when `name` is empty).
  /// Declares the queue (an existing one of that name is kept: a classic queue declared
  /// `replicated` stays classic, with a warning saying how to convert it) and returns its name.
  std::string declare_queue(const std::string& name, const QueueOptions& options);
  void bind_queue(const std::string& queue, const std::string& exchange, const std::string& binding);
  void delete_queue(const std::string& queue);
  /// Messages ready in an existing queue (a passive declare: nothing is created). Throws
  /// DomainError(kUnavailable) when the queue does not exist; the channel is then unusable.
  std::int64_t queue_depth(const std::string& queue);

  /// Puts the channel in confirm mode: publish_confirmed() needs it.
  void enable_confirms();
  /// Publishes persistent messages, mandatory, and returns once the broker confirmed every one
  /// of them: the message ids of those it returned because no queue took them. Throws
  /// DomainError(kUnavailable) on a refusal (nack), a timeout or a lost connection; the caller
  /// then publishes them again (delivery is at least once).
  std::set<std::string> publish_confirmed(const std::string& exchange, const std::vector<AmqpMessage>& messages,
                                          std::chrono::milliseconds timeout);
  /// Publishes one message without waiting for a confirm (tests and tools).
  void publish(const std::string& exchange, const AmqpMessage& message);

  void set_prefetch(int count);
  void consume(const std::string& queue, bool manual_ack);
  /// The next delivery, or nothing when none arrives within `timeout`.
  std::optional<AmqpDelivery> next_delivery(std::chrono::milliseconds timeout);
  void ack(std::uint64_t delivery_tag);
  /// Acknowledges every delivery up to and including this one not yet acknowledged or
  /// rejected, in one frame.
  void ack_through(std::uint64_t delivery_tag);
  /// For a connection that only publishes now and then: sends a heartbeat when one is due and
  /// throws DomainError(kUnavailable) when the broker has gone silent or closed the connection.
  void keep_alive();
  /// Rejects without requeueing: the queue's dead-letter exchange gets the message.
  void reject(std::uint64_t delivery_tag);

 private:
  AmqpConnection(amqp_connection_state_t_* state, std::string where) : state_(state), where_(std::move(where)) {}
  void send(const std::string& exchange, const AmqpMessage& message, bool mandatory);
  void check_rpc(const char* what);
  [[noreturn]] void fail(const std::string& what);
  bool has_quorum_queues() const;
  /// The declare with `type` (x-queue-type) when given; nullopt when the broker refused it as
  /// inequivalent to the queue that exists (the channel is opened again).
  std::optional<std::string> try_declare_queue(const std::string& name, const QueueOptions& o, const char* type);

  amqp_connection_state_t_* state_ = nullptr;
  std::string where_;                    // host:port, safe to print
  std::uint64_t next_delivery_tag_ = 1;  // of our publishes, once confirms are on
  bool confirming_ = false;              // enable_confirms() was called
};

}  // namespace wallet
