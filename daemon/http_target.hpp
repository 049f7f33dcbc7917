// An http(s) URL split the way cpp-httplib takes it: the client's "scheme://host[:port]" and
// the request path.
#pragma once

#include <string>

namespace wallet::daemon {

struct HttpTarget {
  std::string origin;  // scheme://host[:port]
  std::string path;    // "/" when the URL has none
};

/// `url` is one the settings loader validated (http:// or https:// with a host).
inline HttpTarget split_http_url(const std::string& url) {
  const auto slash = url.find('/', url.find("://") + 3);
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

}  // namespace wallet::daemon
