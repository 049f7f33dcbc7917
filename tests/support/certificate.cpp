#include "tests/support/certificate.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <stdexcept>

#include "tests/support/process.hpp"

namespace wallet::testing {

Certificate make_certificate(const std::string& name) {
  const std::string dir = ::testing::TempDir() + name + "-" + std::to_string(::getpid());
  run_process({"/bin/mkdir", "-p", dir});
  Certificate c{dir + "/cert.pem", dir + "/key.pem"};
  const auto made = run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                 "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                                 c.key_file, "-out", c.cert_file});
  if (made.exit_code != 0) throw std::runtime_error("openssl could not make a certificate: " + made.err);
  return c;
}

}  // namespace wallet::testing
