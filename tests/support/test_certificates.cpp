#include "support/test_certificates.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace bulkqa::testing {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Certificate = std::unique_ptr<X509, decltype(&X509_free)>;

void check(bool ok, const std::string& step) {
  if (!ok) throw std::runtime_error("test certificates: " + step + " failed");
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  check(key != nullptr, "key generation");
  return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  check(extension != nullptr && X509_add_ext(certificate, extension, -1) == 1, "extension");
  X509_EXTENSION_free(extension);
}

// A certificate for `common_name` holding `key`, signed by `issuer_key` (itself when no issuer).
Certificate new_certificate(const char* common_name, long serial, EVP_PKEY* key, X509* issuer,
                            EVP_PKEY* issuer_key) {
  Certificate certificate(X509_new(), X509_free);
  check(certificate != nullptr, "X509_new");
  X509* self = certificate.get();
  check(X509_set_version(self, X509_VERSION_3) == 1, "version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(self), serial) == 1, "serial");
  // A little in the past, so clocks that differ slightly still agree it is valid.
  X509_gmtime_adj(X509_getm_notBefore(self), -3600);
  X509_gmtime_adj(X509_getm_notAfter(self), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(self);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : self;
  check(X509_set_issuer_name(self, X509_get_subject_name(signer)) == 1, "issuer");
  check(X509_set_pubkey(self, key) == 1, "public key");
  if (issuer == nullptr) {
    add_extension(self, self, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(self, self, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(self, self, NID_subject_key_identifier, "hash");
  } else {
    add_extension(self, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(self, signer, NID_ext_key_usage, "serverAuth");
    add_extension(self, signer, NID_subject_alt_name, "IP:127.0.0.1");
    add_extension(self, signer, NID_authority_key_identifier, "keyid:always");
  }
  check(X509_sign(self, issuer_key, EVP_sha256()) > 0, "signing");
  return certificate;
}

template <typename Write>
void write_pem(const std::filesystem::path& path, Write write) {
  FILE* file = std::fopen(path.c_str(), "w");
  check(file != nullptr, "opening " + path.string());
  const bool written = write(file) == 1;
  std::fclose(file);
  check(written, "writing " + path.string());
}

}  // namespace

TestCertificates make_test_certificates(const std::filesystem::path& directory) {
  Key ca_key = new_key();
  Certificate ca = new_certificate("bulkqa test CA", 1, ca_key.get(), nullptr, ca_key.get());
  Key server_key = new_key();
  Certificate server = new_certificate("127.0.0.1", 2, server_key.get(), ca.get(), ca_key.get());

  TestCertificates files{directory / "ca.pem", directory / "server.pem",
                         directory / "server-key.pem"};
  write_pem(files.ca_certificate, [&](FILE* file) { return PEM_write_X509(file, ca.get()); });
  write_pem(files.server_certificate,
            [&](FILE* file) { return PEM_write_X509(file, server.get()); });
  write_pem(files.server_key, [&](FILE* file) {
    return PEM_write_PrivateKey(file, server_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return files;
}

}  // namespace bulkqa::testing
