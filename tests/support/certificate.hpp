// A self-signed certificate for 127.0.0.1 made by a test with the openssl command, for TLS
// servers in tests (the fake bank, serve over HTTPS).
#pragma once

#include <string>

namespace wallet::testing {

struct Certificate {
  std::string cert_file, key_file;  // PEM
};

/// Makes (or remakes) the pair under the test temp folder in a directory named `name`.
Certificate make_certificate(const std::string& name);

}  // namespace wallet::testing
