// The API documentation page: GET /docs, a Swagger UI over /openapi.json, and the files it
// loads (/docs/{file}), all built into the binary (the Swagger UI from swagger-ui-dist, pinned
// by cmake/swagger-ui-dist.lock). Public when /openapi.json is (auth.public_openapi).
#pragma once

#include "daemon/http/router.hpp"

namespace wallet::daemon {

void add_docs_routes(Router& router);

}  // namespace wallet::daemon
