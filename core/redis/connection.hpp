// One Redis connection (hiredis) with RAII ownership, a timeout on every command, and replies
// that own their memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;
struct redisReply;

namespace wallet::redis {

/// The connection failed, timed out, or the server answered with an error. A connection that
/// threw (other than with an error reply) is broken and must be dropped.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A reply; elements of an array reply are views into their parent.
class Reply {
 public:
  bool is_nil() const;
  bool is_error() const;
  std::int64_t integer() const;  // an integer reply (or 0)
  std::string_view str() const;  // a string, status or error reply (or empty)
  std::size_t size() const;      // elements of an array reply
  Reply element(std::size_t i) const;

 private:
  friend class Connection;
  Reply(std::shared_ptr<redisReply> owner, const redisReply* r) : owner_(std::move(owner)), r_(r) {}
  std::shared_ptr<redisReply> owner_;
  const redisReply* r_;
};

class Connection {
 public:
  /// Connects to host:port; `timeout` bounds the connect and every later command. Throws Error.
  static Connection open(const std::string& addr, std::chrono::milliseconds timeout);

  /// Runs one command given as its words. Throws Error when the connection fails or times out
  /// (the connection is broken afterwards); an error reply is returned, not thrown.
  Reply command(const std::vector<std::string_view>& words);
  /// Sends several commands at once and reads their replies in order: one round trip.
  std::vector<Reply> pipeline(const std::vector<std::vector<std::string_view>>& commands);
  bool is_broken() const;

 private:
  explicit Connection(redisContext* ctx);
  std::unique_ptr<redisContext, void (*)(redisContext*)> ctx_;
  std::string addr_;
};

}  // namespace wallet::redis
