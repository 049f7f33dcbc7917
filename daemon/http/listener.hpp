// Binding and stopping a cpp-httplib server, the same for the API and the operations port.
#pragma once

#include <httplib.h>

#include <string>

namespace wallet::daemon {

/// A listening socket bound for an httplib server.
struct BoundListener {
  std::string host;  // as configured, without IPv6 brackets
  int port = 0;      // the port bound (the chosen one when the setting said 0)
  int fd = -1;       // the listening socket, until the server closes it

  /// Where clients reach it: "SCHEME://host:port", an IPv6 host in brackets.
  std::string url(const std::string& scheme) const;
};

/// Binds `listen` (host:port, validated by the settings loader) with SO_REUSEADDR only — the
/// library's default SO_REUSEPORT would let a second server bind the same port silently and
/// split the traffic — and a backlog of the system's limit rather than the library's 5.
/// Throws DomainError(kInvalidConfig) naming `setting` when the address cannot be bound.
BoundListener bind_listener(httplib::Server& http, const std::string& listen, const std::string& setting);

/// Ends the server's listen loop whether or not it has begun: the library's stop() does
/// nothing before the loop has started, so a stop between bind and listen would be lost.
/// Call once.
void stop_listener(httplib::Server& http, const BoundListener& bound);

}  // namespace wallet::daemon
