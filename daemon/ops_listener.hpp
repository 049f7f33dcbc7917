// The operations port of a daemon without the API (`worker`, `notify`): GET /healthz and
// GET /metrics for probes and Prometheus, nothing else. It asks for no key, so it belongs on a
// loopback or private address; what a request may cost is bounded before it is looked at.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "daemon/http/listener.hpp"

namespace wallet::daemon {

class OpsListener {
 public:
  /// `listen`: host:port as validated by the settings (port 0: any free port), from the
  /// setting named `setting`; `metrics`: the text exposition, rendered on each scrape.
  OpsListener(std::string setting, std::string listen, std::function<std::string()> metrics);
  OpsListener(const OpsListener&) = delete;
  ~OpsListener();

  /// Binds and serves on its own thread; returns the port. Throws DomainError(kInvalidConfig)
  /// when it cannot bind.
  int start();
  /// http://HOST:PORT, once started: the daemon's ready line names it ("metrics on URL").
  std::string url() const;
  /// Stops serving and joins the thread; the first call wins.
  void stop();

 private:
  std::string setting_, listen_;
  std::function<std::string()> metrics_;
  httplib::Server http_;
  BoundListener bound_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace wallet::daemon
