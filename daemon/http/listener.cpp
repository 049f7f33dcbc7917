#include "daemon/http/listener.hpp"

#include <sys/socket.h>

#include "core/errors.hpp"

namespace wallet::daemon {

std::string BoundListener::url(const std::string& scheme) const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

BoundListener bind_listener(httplib::Server& http, const std::string& listen, const std::string& setting) {
  BoundListener bound;
  const auto colon = listen.rfind(':');
  bound.host = listen.substr(0, colon);
  if (bound.host.size() > 2 && bound.host.front() == '[' && bound.host.back() == ']') {
    bound.host = bound.host.substr(1, bound.host.size() - 2);
  }
  const int port = std::stoi(listen.substr(colon + 1));  // validated by the settings loader
  http.set_socket_options([&bound](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    bound.fd = sock;
  });
  bound.port = port == 0 ? http.bind_to_any_port(bound.host) : (http.bind_to_port(bound.host, port) ? port : -1);
  http.set_socket_options([](socket_t) {});  // the callback held a reference to `bound`
  if (bound.port <= 0) {
    throw DomainError(ErrorCode::kInvalidConfig,
                      setting + ": cannot listen on " + listen + " (address in use or not local)");
  }
  // The library listens with a backlog of 5, compiled in: a burst of new clients would see
  // dropped connections. Listening again on the bound socket raises it to the system's limit.
  ::listen(bound.fd, SOMAXCONN);
  return bound;
}

void stop_listener(httplib::Server& http, const BoundListener& bound) {
  if (http.is_running()) {
    http.stop();  // the loop runs: the library closes the socket
  } else if (bound.fd >= 0) {
    // Not listening yet: shutting the socket down makes the loop's accept fail
    // and end as soon as it begins; the library closes the socket then.
    ::shutdown(bound.fd, SHUT_RDWR);
  }
}

}  // namespace wallet::daemon
