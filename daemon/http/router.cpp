#include "daemon/http/router.hpp"

#include <algorithm>

namespace wallet::daemon {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Fills params when the path fits the template; an empty segment never fits a parameter.
bool fits(std::string_view templ, std::string_view path, std::vector<std::string>& params) {
  if (path.empty() || path.front() != '/') return false;
  const auto t = segments(templ), p = segments(path);
  if (t.size() != p.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (is_param(t[i])) {
      if (p[i].empty()) return false;
      params.emplace_back(p[i]);
    } else if (t[i] != p[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_known_method(std::string_view method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    if (method == known) return true;
  }
  return false;
}

void Router::add(std::string method, std::string path, Handler handler, std::optional<ApiScope> scope) {
  const ApiScope needed = scope.value_or(method == "GET" ? ApiScope::kRead : ApiScope::kWrite);
  routes_.push_back({std::move(method), std::move(path), std::move(handler), needed});
}

void Router::add_large_body(std::string method, std::string path, Handler handler, std::size_t max_body) {
  add(std::move(method), std::move(path), std::move(handler));
  routes_.back().max_body_after_auth = max_body;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  const std::string_view wanted = method == "HEAD" ? "GET" : method;
  RouteMatch out;
  std::vector<std::string> params;
  for (const auto& r : routes_) {
    if (!fits(r.path, path, params)) continue;
    if (r.method == wanted && !out.route) {
      out.route = &r;
      out.params = params;
    }
    if (std::find(out.allowed.begin(), out.allowed.end(), r.method) == out.allowed.end()) {
      out.allowed.push_back(r.method);
      if (r.method == "GET") out.allowed.push_back("HEAD");
    }
  }
  return out;
}

}  // namespace wallet::daemon
