#include "core/amqp_client.hpp"

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <cstdio>
#include <utility>

#include "core/logging.hpp"

#include "core/errors.hpp"

namespace wallet {
namespace {

constexpr amqp_channel_t kChannel = 1;

amqp_bytes_t bytes(const std::string& s) { return {s.size(), const_cast<char*>(s.data())}; }
std::string text(amqp_bytes_t b) { return {static_cast<const char*>(b.bytes), b.len}; }

timeval to_timeval(std::chrono::milliseconds t) {
  if (t.count() < 0) t = std::chrono::milliseconds(0);
  return {static_cast<time_t>(t.count() / 1000), static_cast<suseconds_t>((t.count() % 1000) * 1000)};
}

}  // namespace

AmqpConnection AmqpConnection::open(const std::string& url, std::chrono::milliseconds timeout,
                                    std::chrono::seconds heartbeat) {
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  amqp_connection_info info{};
  if (amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK) {
    throw DomainError(ErrorCode::kUnavailable, "unparsable AMQP URL");
  }
  AmqpConnection conn(amqp_new_connection(), std::string(info.host) + ":" + std::to_string(info.port));
  amqp_socket_t* socket = amqp_tcp_socket_new(conn.state_);
  timeval tv = to_timeval(timeout);
  if (!socket || amqp_socket_open_noblock(socket, info.host, info.port, &tv) != AMQP_STATUS_OK) {
    conn.fail("cannot connect to RabbitMQ");
  }
  amqp_set_handshake_timeout(conn.state_, &tv);
  amqp_set_rpc_timeout(conn.state_, &tv);
  // "amqp://host:port/" names the empty vhost to rabbitmq-c; everyone means the default "/".
  const char* vhost = (info.vhost && *info.vhost) ? info.vhost : "/";
  const auto login = amqp_login(conn.state_, vhost, 1, 131072, static_cast<int>(heartbeat.count()),
                                AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) conn.fail("RabbitMQ refused the login");
  amqp_channel_open(conn.state_, kChannel);
  conn.check_rpc("opening a channel");
  return conn;
}

AmqpConnection::AmqpConnection(AmqpConnection&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      where_(std::move(other.where_)),
      next_delivery_tag_(other.next_delivery_tag_),
      confirming_(other.confirming_) {}

AmqpConnection& AmqpConnection::operator=(AmqpConnection&& other) noexcept {
  std::swap(state_, other.state_);
  std::swap(where_, other.where_);
  std::swap(next_delivery_tag_, other.next_delivery_tag_);
  std::swap(confirming_, other.confirming_);
  return *this;
}

AmqpConnection::~AmqpConnection() {
  if (!state_) return;
  // A polite close when the connection still works; destroying the state frees it either way.
  amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(state_);
}

void AmqpConnection::fail(const std::string& what) {
  throw DomainError(ErrorCode::kUnavailable, what + " at " + where_);
}

void AmqpConnection::check_rpc(const char* what) {
  const auto reply = amqp_get_rpc_reply(state_);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) fail(std::string("RabbitMQ failed ") + what);
}

void AmqpConnection::declare_exchange(const std::string& name, const std::string& type, bool durable) {
  amqp_exchange_declare(state_, kChannel, bytes(name), bytes(type), 0, durable ? 1 : 0, 0, 0, amqp_empty_table);
  check_rpc("declaring an exchange");
}

std::string AmqpConnection::declare_queue(const std::string& name, const QueueOptions& o) {
  if (o.replicated && has_quorum_queues()) {
    if (auto declared = try_declare_queue(name, o, "quorum")) return *declared;
    log_event(spdlog::level::warn, "queue kept as a classic queue",
              {{"queue", name},
               {"why", "it existed before as a classic queue; to make it a quorum queue, stop its consumers, "
                       "let it drain, delete it and start them again"}});
  }
  if (auto declared = try_declare_queue(name, o, nullptr)) return *declared;
  fail("RabbitMQ refused to declare queue " + name);
}

// RabbitMQ announces its version on connecting; quorum queues came with 3.8.
bool AmqpConnection::has_quorum_queues() const {
  const amqp_table_t* properties = amqp_get_server_properties(state_);
  for (int i = 0; properties && i < properties->num_entries; ++i) {
    const auto& e = properties->entries[i];
    if (text(e.key) != "version" || e.value.kind != AMQP_FIELD_KIND_UTF8) continue;
    int major = 0, minor = 0;
    if (std::sscanf(text(e.value.value.bytes).c_str(), "%d.%d", &major, &minor) != 2) return false;
    return major > 3 || (major == 3 && minor >= 8);
  }
  return false;
}

std::optional<std::string> AmqpConnection::try_declare_queue(const std::string& name, const QueueOptions& o,
                                                            const char* type) {
  amqp_table_entry_t entries[2];
  int count = 0;
  if (o.dead_letter_exchange) {
    entries[count].key = amqp_cstring_bytes("x-dead-letter-exchange");
    entries[count].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[count++].value.value.bytes = bytes(*o.dead_letter_exchange);
  }
  if (type) {
    entries[count].key = amqp_cstring_bytes("x-queue-type");
    entries[count].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[count++].value.value.bytes = amqp_cstring_bytes(type);
  }
  const amqp_table_t args{count, entries};
  auto* ok = amqp_queue_declare(state_, kChannel, name.empty() ? amqp_empty_bytes : bytes(name), 0, o.durable,
                                o.exclusive, o.auto_delete, args);
  const auto reply = amqp_get_rpc_reply(state_);
  if (reply.reply_type == AMQP_RESPONSE_NORMAL && ok) return text(ok->queue);
  const bool inequivalent = type && reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
                            reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD &&
                            static_cast<const amqp_channel_close_t*>(reply.reply.decoded)->reply_code ==
                                AMQP_PRECONDITION_FAILED;
  if (!inequivalent) fail("RabbitMQ failed declaring queue " + name);
  // The broker closed the channel over it: acknowledge that and open it again.
  amqp_channel_close_ok_t close_ok{};
  amqp_send_method(state_, kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok);
  amqp_channel_open(state_, kChannel);
  check_rpc("opening the channel again");
  if (confirming_) enable_confirms();  // a new channel starts without them
  return std::nullopt;
}

void AmqpConnection::bind_queue(const std::string& queue, const std::string& exchange, const std::string& binding) {
  amqp_queue_bind(state_, kChannel, bytes(queue), bytes(exchange), bytes(binding), amqp_empty_table);
  check_rpc("binding a queue");
}

std::int64_t AmqpConnection::queue_depth(const std::string& queue) {
  auto* ok = amqp_queue_declare(state_, kChannel, bytes(queue), 1, 0, 0, 0, amqp_empty_table);
  check_rpc("asking a queue's depth");
  return ok->message_count;
}

void AmqpConnection::delete_queue(const std::string& queue) {
  amqp_queue_delete(state_, kChannel, bytes(queue), 0, 0);
  check_rpc("deleting a queue");
}

void AmqpConnection::enable_confirms() {
  amqp_confirm_select(state_, kChannel);
  check_rpc("enabling publisher confirms");
  next_delivery_tag_ = 1;
  confirming_ = true;
}

void AmqpConnection::publish(const std::string& exchange, const AmqpMessage& m) { send(exchange, m, false); }

void AmqpConnection::send(const std::string& exchange, const AmqpMessage& m, bool mandatory) {
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                 AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_TIMESTAMP_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.delivery_mode = 2;  // persistent
  props.message_id = bytes(m.message_id);
  props.type = bytes(m.type);
  props.timestamp = static_cast<std::uint64_t>(m.timestamp);
  if (amqp_basic_publish(state_, kChannel, bytes(exchange), bytes(m.routing_key), mandatory ? 1 : 0, 0, &props,
                         bytes(m.body)) != AMQP_STATUS_OK) {
    fail("publishing to RabbitMQ failed");
  }
  ++next_delivery_tag_;
}

std::set<std::string> AmqpConnection::publish_confirmed(const std::string& exchange,
                                                        const std::vector<AmqpMessage>& messages,
                                                        std::chrono::milliseconds timeout) {
  std::set<std::uint64_t> unconfirmed;
  std::set<std::string> returned;
  for (const auto& m : messages) {
    unconfirmed.insert(next_delivery_tag_);
    send(exchange, m, true);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!unconfirmed.empty()) {
    timeval tv =
        to_timeval(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    amqp_frame_t frame;
    const int rc = amqp_simple_wait_frame_noblock(state_, &frame, &tv);
    if (rc == AMQP_STATUS_TIMEOUT) fail("RabbitMQ did not confirm the messages in time");
    if (rc != AMQP_STATUS_OK) fail("lost the connection to RabbitMQ");
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
        if (ack->multiple) {
          unconfirmed.erase(unconfirmed.begin(), unconfirmed.upper_bound(ack->delivery_tag));
        } else {
          unconfirmed.erase(ack->delivery_tag);
        }
        break;
      }
      case AMQP_BASIC_RETURN_METHOD: {
        // Unroutable: the message follows (its id tells which), and its confirm comes after it.
        amqp_message_t message;
        if (amqp_read_message(state_, frame.channel, &message, 0).reply_type != AMQP_RESPONSE_NORMAL) {
          fail("lost the connection to RabbitMQ");
        }
        if (message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) returned.insert(text(message.properties.message_id));
        amqp_destroy_message(&message);
        break;
      }
      case AMQP_BASIC_NACK_METHOD:
        fail("RabbitMQ refused a message (nack)");
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        fail("RabbitMQ closed the channel");
      default:
        break;
    }
  }
  amqp_maybe_release_buffers(state_);
  return returned;
}

void AmqpConnection::set_prefetch(int count) {
  amqp_basic_qos(state_, kChannel, 0, static_cast<std::uint16_t>(count), 0);
  check_rpc("setting the prefetch limit");
}

void AmqpConnection::consume(const std::string& queue, bool manual_ack) {
  amqp_basic_consume(state_, kChannel, bytes(queue), amqp_empty_bytes, 0, manual_ack ? 0 : 1, 0, amqp_empty_table);
  check_rpc("starting to consume");
}

std::optional<AmqpDelivery> AmqpConnection::next_delivery(std::chrono::milliseconds timeout) {
  amqp_maybe_release_buffers(state_);
  amqp_envelope_t envelope;
  timeval tv = to_timeval(timeout);
  const auto reply = amqp_consume_message(state_, &envelope, &tv, 0);
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) {
    return std::nullopt;
  }
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) fail("lost the connection to RabbitMQ while consuming");
  AmqpDelivery d;
  d.delivery_tag = envelope.delivery_tag;
  d.redelivered = envelope.redelivered != 0;
  d.routing_key = text(envelope.routing_key);
  d.body = text(envelope.message.body);
  const auto& p = envelope.message.properties;
  if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) d.message_id = text(p.message_id);
  if (p._flags & AMQP_BASIC_TYPE_FLAG) d.type = text(p.type);
  amqp_destroy_envelope(&envelope);
  return d;
}

void AmqpConnection::keep_alive() {
  // rabbitmq-c services heartbeats only inside its calls: a wait that returns at once is enough.
  timeval none{0, 0};
  amqp_frame_t frame;
  const int rc = amqp_simple_wait_frame_noblock(state_, &frame, &none);
  if (rc == AMQP_STATUS_TIMEOUT) return;
  if (rc != AMQP_STATUS_OK) fail("lost the connection to RabbitMQ");
  if (frame.frame_type == AMQP_FRAME_METHOD && (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
                                                frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD)) {
    fail("RabbitMQ closed the channel");
  }
}

void AmqpConnection::ack(std::uint64_t tag) {
  if (amqp_basic_ack(state_, kChannel, tag, 0) != AMQP_STATUS_OK) fail("acknowledging a message failed");
}

void AmqpConnection::ack_through(std::uint64_t tag) {
  if (amqp_basic_ack(state_, kChannel, tag, 1) != AMQP_STATUS_OK) fail("acknowledging messages failed");
}

void AmqpConnection::reject(std::uint64_t tag) {
  if (amqp_basic_reject(state_, kChannel, tag, 0) != AMQP_STATUS_OK) fail("rejecting a message failed");
}

}  // namespace wallet
