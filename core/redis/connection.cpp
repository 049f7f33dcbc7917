#include "core/redis/connection.hpp"

#include <hiredis/hiredis.h>

namespace wallet::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds t) {
  return {static_cast<time_t>(t.count() / 1000), static_cast<suseconds_t>((t.count() % 1000) * 1000)};
}

}  // namespace

bool Reply::is_nil() const { return r_->type == REDIS_REPLY_NIL; }
bool Reply::is_error() const { return r_->type == REDIS_REPLY_ERROR; }
std::int64_t Reply::integer() const { return r_->type == REDIS_REPLY_INTEGER ? r_->integer : 0; }
std::string_view Reply::str() const {
  const bool has_text = r_->type == REDIS_REPLY_STRING || r_->type == REDIS_REPLY_STATUS || is_error();
  return has_text ? std::string_view(r_->str, r_->len) : std::string_view();
}
std::size_t Reply::size() const { return r_->type == REDIS_REPLY_ARRAY ? r_->elements : 0; }
Reply Reply::element(std::size_t i) const {
  if (i >= size()) throw Error("reply element out of range");
  return Reply(owner_, r_->element[i]);
}

Connection::Connection(redisContext* ctx) : ctx_(ctx, &redisFree) {}

Connection Connection::open(const std::string& addr, std::chrono::milliseconds timeout) {
  const auto colon = addr.rfind(':');
  const std::string host = addr.substr(0, colon);
  const int port = std::stoi(addr.substr(colon + 1));  // validated by the settings loader
  Connection conn(redisConnectWithTimeout(host.c_str(), port, to_timeval(timeout)));
  if (!conn.ctx_) throw Error("cannot connect to Redis at " + addr + ": out of memory");
  if (conn.ctx_->err) throw Error("cannot connect to Redis at " + addr + ": " + conn.ctx_->errstr);
  if (redisSetTimeout(conn.ctx_.get(), to_timeval(timeout)) != REDIS_OK) {
    throw Error("cannot set a timeout on the Redis connection to " + addr);
  }
  conn.addr_ = addr;
  return conn;
}

Reply Connection::command(const std::vector<std::string_view>& words) { return std::move(pipeline({words}).front()); }

std::vector<Reply> Connection::pipeline(const std::vector<std::vector<std::string_view>>& commands) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& words : commands) {
    argv.clear();
    lengths.clear();
    for (const auto w : words) {
      argv.push_back(w.data());
      lengths.push_back(w.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK) {
      throw Error("Redis at " + addr_ + ": " + (ctx_->err ? ctx_->errstr : "cannot queue a command"));
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || !raw) {
      throw Error("Redis at " + addr_ + ": " + (ctx_->err ? ctx_->errstr : "no reply"));
    }
    auto* reply = static_cast<redisReply*>(raw);
    std::shared_ptr<redisReply> owner(reply, [](redisReply* r) { freeReplyObject(r); });
    replies.push_back(Reply(owner, reply));
  }
  return replies;
}

bool Connection::is_broken() const { return ctx_->err != 0; }

}  // namespace wallet::redis
