// The OpenAPI 3.1 document of the HTTP API: docs/openapi.json, compiled into the binary.
#pragma once

#include <string_view>

namespace wallet::daemon {

std::string_view openapi_document();

}  // namespace wallet::daemon
