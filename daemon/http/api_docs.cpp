#include "daemon/http/api_docs.hpp"

#include <array>
#include <string_view>

#include "core/errors.hpp"
#include "daemon/http/exchange.hpp"

// The two Swagger UI files, included byte for byte by the assembler (SWAGGER_UI_DIR comes from
// daemon/CMakeLists.txt): no generated source of megabytes, and nothing to read at run time.
__asm__(".section .rodata\n"
        ".balign 16\n"
        "wallet_swagger_ui_js:\n"
        ".incbin \"" SWAGGER_UI_DIR "/swagger-ui-bundle.js\"\n"
        "wallet_swagger_ui_js_end:\n"
        ".balign 16\n"
        "wallet_swagger_ui_css:\n"
        ".incbin \"" SWAGGER_UI_DIR "/swagger-ui.css\"\n"
        "wallet_swagger_ui_css_end:\n"
        ".globl wallet_swagger_ui_js, wallet_swagger_ui_js_end, wallet_swagger_ui_css, wallet_swagger_ui_css_end\n"
        ".previous\n");
extern "C" const char wallet_swagger_ui_js[], wallet_swagger_ui_js_end[];
extern "C" const char wallet_swagger_ui_css[], wallet_swagger_ui_css_end[];

namespace wallet::daemon {
namespace {

// Scripts live in files, not inline: a Content-Security-Policy of 'self' then suffices.
constexpr std::string_view kPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>walletctl HTTP API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
)";

constexpr std::string_view kInit = R"(window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
)";

struct Asset {
  std::string_view name, type, body;
};

const std::array<Asset, 3>& assets() {
  static const std::array<Asset, 3> kAssets = {{
      {"swagger-ui-bundle.js", "text/javascript; charset=utf-8",
       {wallet_swagger_ui_js, static_cast<std::size_t>(wallet_swagger_ui_js_end - wallet_swagger_ui_js)}},
      {"swagger-ui.css", "text/css; charset=utf-8",
       {wallet_swagger_ui_css, static_cast<std::size_t>(wallet_swagger_ui_css_end - wallet_swagger_ui_css)}},
      {"init.js", "text/javascript; charset=utf-8", kInit},
  }};
  return kAssets;
}

void send(Exchange& ex, std::string_view body, std::string_view type) {
  ex.res.status = 200;
  ex.res.set_header("Content-Security-Policy",
                    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                    "connect-src 'self'");
  ex.res.set_header("X-Content-Type-Options", "nosniff");
  ex.res.set_header("Cache-Control", "public, max-age=3600");
  ex.res.set_content(body.data(), body.size(), std::string(type));
}

}  // namespace

void add_docs_routes(Router& router) {
  router.add("GET", "/docs", [](Exchange& ex) {
    ex.allow_query({});
    send(ex, kPage, "text/html; charset=utf-8");
  });
  router.add("GET", "/docs/{file}", [](Exchange& ex) {
    ex.allow_query({});
    for (const auto& a : assets()) {
      if (a.name == ex.params.at(0)) return send(ex, a.body, a.type);
    }
    throw DomainError(ErrorCode::kNotFound, "no such file of the API documentation; see /docs");
  });
}

}  // namespace wallet::daemon
