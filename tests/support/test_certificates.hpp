// Certificates for TLS tests on the loopback interface: a throwaway certificate authority and a
// server certificate it signed for 127.0.0.1, written as PEM files.
#pragma once

#include <filesystem>

namespace bulkqa::testing {

struct TestCertificates {
  std::filesystem::path ca_certificate;      // the authority a client must trust
  std::filesystem::path server_certificate;  // for 127.0.0.1, signed by that authority
  std::filesystem::path server_key;
};

// A new authority and server certificate (valid for a day) in `directory`, which must exist.
// Throws on failure: a test cannot go on without them.
TestCertificates make_test_certificates(const std::filesystem::path& directory);

}  // namespace bulkqa::testing
