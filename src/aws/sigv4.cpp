// SigV4 in the order the AWS documentation gives it. Each step is its own function so that a
// mismatch against AWS's test vectors or botocore can be traced to one step.
//
// Signing is on every request's path, so each step writes into one buffer reserved up front and
// reads the request through views rather than copies, and the signing key, which changes once a
// day per region and service, is derived once and kept (see signing_key_mac).
#include "bulkqa/aws/sigv4.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "bulkqa/util/text.hpp"

namespace bulkqa::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kScopeTerminator = "aws4_request";
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kUpperHexDigits = "0123456789ABCDEF";

constexpr std::size_t kDigestSize = 32;  // SHA-256
using Digest = std::array<unsigned char, kDigestSize>;

void append_hex(std::string& out, const Digest& digest) {
  std::array<char, 2 * kDigestSize> hex{};
  for (std::size_t i = 0; i < digest.size(); ++i) {
    hex[2 * i] = kHexDigits[digest[i] >> 4];
    hex[2 * i + 1] = kHexDigits[digest[i] & 0x0f];
  }
  out.append(hex.data(), hex.size());
}

std::string to_hex(const Digest& digest) {
  std::string hex;
  hex.reserve(2 * kDigestSize);
  append_hex(hex, digest);
  return hex;
}

// OpenSSL failures here mean memory exhaustion or a broken OpenSSL install: bugs, not input.
[[noreturn]] void throw_openssl_failure(const char* step) {
  throw std::runtime_error(std::string("OpenSSL failed during SigV4 ") + step);
}

// Fetched once: implicit fetching on every call costs more than the hashing of a small request.
const EVP_MD* sha256_algorithm() {
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> algorithm(
      EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free);
  if (!algorithm) throw_openssl_failure("SHA-256 fetch");
  return algorithm.get();
}

using MacContext = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

MacContext new_hmac_sha256_context() {
  const std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> hmac(
      EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free);
  if (!hmac) throw_openssl_failure("HMAC fetch");
  MacContext context(EVP_MAC_CTX_new(hmac.get()), &EVP_MAC_CTX_free);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (!context || EVP_MAC_CTX_set_params(context.get(), params) != 1) {
    throw_openssl_failure("HMAC context");
  }
  return context;
}

// One context per thread, re-keyed for every MAC: setting one up looks the digest up by name,
// which costs more than the MAC itself.
EVP_MAC_CTX* hmac_sha256_context() {
  thread_local const MacContext context = new_hmac_sha256_context();
  return context.get();
}

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// One context per thread, so that hashing allocates no context of its own each time.
EVP_MD_CTX* sha256_context() {
  thread_local const DigestContext context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!context) throw_openssl_failure("SHA-256 context");
  return context.get();
}

Digest sha256(std::string_view data) {
  EVP_MD_CTX* context = sha256_context();
  Digest digest{};
  if (EVP_DigestInit_ex2(context, sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(context, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context, digest.data(), nullptr) != 1) {
    throw_openssl_failure("SHA-256");
  }
  return digest;
}

// `key` null re-uses the key the context already holds: OpenSSL then starts from the inner pad's
// hash state it kept, rather than hashing the padded key again (OpenSSL 3.0.3 and later; before,
// re-initializing a MAC without a key was undefined).
Digest keyed_hmac_sha256(EVP_MAC_CTX* context, const unsigned char* key, std::size_t key_size,
                         std::string_view message) {
  Digest mac{};
  std::size_t mac_size = 0;
  if (EVP_MAC_init(context, key, key_size, nullptr) != 1 ||
      EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      EVP_MAC_final(context, mac.data(), &mac_size, mac.size()) != 1 || mac_size != mac.size()) {
    throw_openssl_failure("HMAC-SHA256");
  }
  return mac;
}

Digest hmac_sha256(std::string_view key, std::string_view message) {
  return keyed_hmac_sha256(hmac_sha256_context(),
                           reinterpret_cast<const unsigned char*>(key.data()), key.size(), message);
}

std::string_view as_key(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

bool is_unreserved(char c) {
  return is_ascii_alphanumeric(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

// Header-value whitespace as botocore's str.split() sees it for ASCII text; '\r' and '\n' are
// included so that obsolete line folding collapses to a single space.
bool is_header_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_uri_encoded(std::string& out, std::string_view text, bool keep_slash) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kUpperHexDigits[byte >> 4];
      out += kUpperHexDigits[byte & 0x0f];
    }
  }
}

void append_padded(std::string& out, long value, int width) {
  std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width) out.append(width - digits.size(), '0');
  out += digits;
}

struct Timestamps {
  std::string date_time;  // YYYYMMDD'T'HHMMSS'Z', the X-Amz-Date value
  std::string date;       // YYYYMMDD, the credential scope's date
};

// Calendar arithmetic from <chrono>: always UTC, no locale, no shared C library state.
Timestamps format_timestamps(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto seconds_since_epoch = floor<seconds>(time);
  const auto day = floor<days>(seconds_since_epoch);
  const year_month_day calendar_date{day};
  const hh_mm_ss time_of_day{seconds_since_epoch - day};

  Timestamps stamps;
  append_padded(stamps.date, static_cast<int>(calendar_date.year()), 4);
  append_padded(stamps.date, static_cast<unsigned>(calendar_date.month()), 2);
  append_padded(stamps.date, static_cast<unsigned>(calendar_date.day()), 2);
  stamps.date_time = stamps.date + 'T';
  append_padded(stamps.date_time, time_of_day.hours().count(), 2);
  append_padded(stamps.date_time, time_of_day.minutes().count(), 2);
  append_padded(stamps.date_time, time_of_day.seconds().count(), 2);
  stamps.date_time += 'Z';
  return stamps;
}

// RFC 3986 section 5.2.4, plus the removal of empty segments that AWS services expect: the same
// result as botocore's remove_dot_segments, so "/a/b/.." gives "/a".
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string normalized = path.starts_with('/') ? "/" : "";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) normalized += '/';
    normalized += segments[i];
  }
  if (path.ends_with('/') && !segments.empty()) normalized += '/';
  return normalized;
}

// S3 signs the path as sent, read in place; other services a normalized copy.
void append_canonical_uri(std::string& out, std::string_view path, const SigningParams& params) {
  std::string normalized;
  std::string_view uri = path;
  if (params.normalize_path) {
    normalized = remove_dot_segments(path);
    uri = normalized;
  }
  if (uri.empty()) uri = "/";
  if (params.encode_path) {
    append_uri_encoded(out, uri, true);
  } else {
    out += uri;
  }
}

// Whether `value` holds no header space, as a session token or a hash does: every header space is
// at or below ' ', so it is enough that the smallest byte is above. A minimum over every byte is
// vectorized by the compiler; a search that stops at the first space would go byte by byte.
bool has_no_header_space(std::string_view value) {
  unsigned char smallest = 0xff;
  for (char c : value) smallest = std::min(smallest, static_cast<unsigned char>(c));
  return smallest > ' ';
}

// Trimall: no leading or trailing whitespace, every inner run of it one space. Written a run of
// text at a time.
void append_trimmed(std::string& out, std::string_view value) {
  if (has_no_header_space(value)) {
    out += value;
    return;
  }
  bool wrote_text = false;
  std::size_t position = 0;
  while (position < value.size()) {
    while (position < value.size() && is_header_space(value[position])) ++position;
    const std::size_t run_start = position;
    while (position < value.size() && !is_header_space(value[position])) ++position;
    if (position == run_start) break;
    if (wrote_text) out += ' ';
    out.append(value.substr(run_start, position - run_start));
    wrote_text = true;
  }
}

// The headers to sign, sorted by name; a name sent several times keeps its values in the order
// they were sent. The names are lower-cased once, into one buffer that the entries view, so that
// sorting, grouping and writing them handle plain bytes.
class HeadersToSign {
 public:
  struct Entry {
    std::string_view name;   // lower case, in lowered_names_
    std::string_view value;  // untrimmed, in the request or the signer's headers
    std::size_t order;       // where it came among the headers sent
  };

  // The request's headers, Host, then the signer's own: views of them, so they must outlive this.
  HeadersToSign(const RequestToSign& request, std::span<const HttpHeader> signer_headers) {
    std::size_t names_size = kHost.size();
    for (const HttpHeader& header : request.headers) names_size += header.name.size();
    for (const HttpHeader& header : signer_headers) names_size += header.name.size();
    // Reserved whole, so that appending never moves the text the entries view.
    lowered_names_.reserve(names_size);
    entries_.reserve(request.headers.size() + 1 + signer_headers.size());
    for (const HttpHeader& header : request.headers) add(header.name, header.value);
    add(kHost, request.host);
    for (const HttpHeader& header : signer_headers) add(header.name, header.value);
    // Ties are broken by `order`: std::sort then keeps the sent order without the scratch buffer
    // std::stable_sort allocates.
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return a.name != b.name ? a.name < b.name : a.order < b.order;
    });
  }
  // The entries view this object's own buffer: it stays where it was made.
  HeadersToSign(const HeadersToSign&) = delete;
  HeadersToSign& operator=(const HeadersToSign&) = delete;

  const std::vector<Entry>& sorted() const { return entries_; }

  bool repeats_previous_name(std::size_t index) const {
    return index > 0 && entries_[index - 1].name == entries_[index].name;
  }

  std::size_t names_size() const { return lowered_names_.size(); }

  std::size_t text_size() const {
    std::size_t size = 0;
    for (const Entry& entry : entries_) size += entry.name.size() + entry.value.size();
    return size;
  }

 private:
  static constexpr std::string_view kHost = "host";

  void add(std::string_view name, std::string_view value) {
    const std::size_t start = lowered_names_.size();
    lowered_names_ += name;
    const auto lowered = lowered_names_.begin() + static_cast<std::ptrdiff_t>(start);
    std::transform(lowered, lowered_names_.end(), lowered,
                   [](char c) { return to_ascii_lower(c); });
    entries_.push_back({std::string_view(lowered_names_).substr(start), value, entries_.size()});
  }

  std::string lowered_names_;
  std::vector<Entry> entries_;
};

// One "name:value\n" line per name, the values of a repeated name joined with ','.
void append_canonical_headers(std::string& out, const HeadersToSign& headers) {
  const auto& sorted = headers.sorted();
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (headers.repeats_previous_name(i)) {
      out += ',';
    } else {
      if (i > 0) out += '\n';
      out += sorted[i].name;
      out += ':';
    }
    append_trimmed(out, sorted[i].value);
  }
  if (!sorted.empty()) out += '\n';
}

std::string signed_header_list(const HeadersToSign& headers) {
  const auto& sorted = headers.sorted();
  std::string list;
  list.reserve(headers.names_size() + sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (headers.repeats_previous_name(i)) continue;
    if (!list.empty()) list += ';';
    list += sorted[i].name;
  }
  return list;
}

// Enough for the usual request in one allocation: a path may triple when encoded, and the fixed
// separators and the query take the rest of the margin.
std::size_t canonical_request_size_estimate(
    const RequestToSign& request, const std::vector<std::pair<std::string, std::string>>& query,
    const HeadersToSign& headers, const std::string& signed_headers) {
  std::size_t size = request.method.size() + 3 * request.path.size() + signed_headers.size() +
                     request.payload_hash.size() + 64;
  size += headers.text_size() + 2 * headers.sorted().size();
  for (const auto& [name, value] : query) size += 3 * (name.size() + value.size()) + 2;
  return size;
}

std::string canonical_request(const RequestToSign& request,
                              const std::vector<std::pair<std::string, std::string>>& query,
                              const SigningParams& params, const HeadersToSign& headers,
                              const std::string& signed_headers) {
  std::string text;
  text.reserve(canonical_request_size_estimate(request, query, headers, signed_headers));
  text += request.method;
  text += '\n';
  append_canonical_uri(text, request.path, params);
  text += '\n';
  text += canonical_query_string(query);
  text += '\n';
  append_canonical_headers(text, headers);
  text += '\n';
  text += signed_headers;
  text += '\n';
  text += request.payload_hash;
  return text;
}

std::string credential_scope(const Timestamps& stamps, const SigningParams& params) {
  std::string scope;
  scope.reserve(stamps.date.size() + params.region.size() + params.service.size() +
                kScopeTerminator.size() + 3);
  scope += stamps.date;
  scope += '/';
  scope += params.region;
  scope += '/';
  scope += params.service;
  scope += '/';
  scope += kScopeTerminator;
  return scope;
}

std::string string_to_sign(const Timestamps& stamps, const std::string& scope,
                           const std::string& canonical) {
  std::string text;
  text.reserve(kAlgorithm.size() + stamps.date_time.size() + scope.size() + 3 + 2 * kDigestSize);
  text += kAlgorithm;
  text += '\n';
  text += stamps.date_time;
  text += '\n';
  text += scope;
  text += '\n';
  append_hex(text, sha256(canonical));
  return text;
}

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
Digest derive_signing_key(const Timestamps& stamps, const SigningParams& params) {
  const Digest date_key = hmac_sha256("AWS4" + params.credentials.secret_access_key, stamps.date);
  const Digest region_key = hmac_sha256(as_key(date_key), params.region);
  const Digest service_key = hmac_sha256(as_key(region_key), params.service);
  return hmac_sha256(as_key(service_key), kScopeTerminator);
}

// A derived signing key held in its own HMAC context, so that each signature costs one HMAC of
// the string to sign instead of five, and that one starts from the key's hashed pads.
struct SigningKey {
  // What kSigning was derived from: a change in any of them is another key.
  std::string secret_access_key;
  std::string date;
  std::string region;
  std::string service;
  MacContext mac{nullptr, &EVP_MAC_CTX_free};

  bool derived_from(const Timestamps& stamps, const SigningParams& params) const {
    return service == params.service && region == params.region && date == stamps.date &&
           secret_access_key == params.credentials.secret_access_key;
  }
};

SigningKey new_signing_key(const Timestamps& stamps, const SigningParams& params) {
  SigningKey key{params.credentials.secret_access_key, stamps.date, params.region, params.service};
  key.mac = new_hmac_sha256_context();
  const Digest derived = derive_signing_key(stamps, params);
  // Keying the context hashes the inner and outer pads, kept for every later signature.
  if (EVP_MAC_init(key.mac.get(), derived.data(), derived.size(), nullptr) != 1) {
    throw_openssl_failure("HMAC key");
  }
  return key;
}

// A few keys, because one thread often signs for S3 and DynamoDB in turn; more regions or
// credentials at once are rare, and the oldest key is dropped to make room.
constexpr std::size_t kSigningKeysPerThread = 4;

// The HMAC context keyed with kSigning for this date, region, service and secret. Kept per
// thread, so signing takes no lock; the secret is kept to compare, as the credentials are.
EVP_MAC_CTX* signing_key_mac(const Timestamps& stamps, const SigningParams& params) {
  thread_local std::vector<SigningKey> keys;
  for (const SigningKey& key : keys) {
    if (key.derived_from(stamps, params)) return key.mac.get();
  }
  // Derived completely before it is kept: a failure must not leave an unkeyed context behind.
  SigningKey key = new_signing_key(stamps, params);
  if (keys.size() == kSigningKeysPerThread) keys.erase(keys.begin());
  keys.push_back(std::move(key));
  return keys.back().mac.get();
}

std::string compute_signature(const Timestamps& stamps, const SigningParams& params,
                              const std::string& string_to_sign) {
  return to_hex(keyed_hmac_sha256(signing_key_mac(stamps, params), nullptr, 0, string_to_sign));
}

std::string credential(const SigningParams& params, const std::string& scope) {
  return params.credentials.access_key_id + '/' + scope;
}

std::string authorization(const SigningParams& params, const std::string& scope,
                          const std::string& signed_headers, const std::string& signature) {
  constexpr std::string_view kCredential = " Credential=";
  constexpr std::string_view kSignedHeaders = ", SignedHeaders=";
  constexpr std::string_view kSignature = ", Signature=";
  std::string value;
  value.reserve(kAlgorithm.size() + kCredential.size() + params.credentials.access_key_id.size() +
                1 + scope.size() + kSignedHeaders.size() + signed_headers.size() +
                kSignature.size() + signature.size());
  value += kAlgorithm;
  value += kCredential;
  value += params.credentials.access_key_id;
  value += '/';
  value += scope;
  value += kSignedHeaders;
  value += signed_headers;
  value += kSignature;
  value += signature;
  return value;
}

// The headers sign() itself contributes: sent with the request and signed like the caller's.
// Authorization leads, its value written once the signature is known.
std::vector<HttpHeader> signer_headers(const RequestToSign& request, const SigningParams& params,
                                       const Timestamps& stamps) {
  std::vector<HttpHeader> headers;
  headers.reserve(4);
  headers.push_back({"Authorization", ""});
  headers.push_back({"X-Amz-Date", stamps.date_time});
  if (!params.credentials.session_token.empty()) {
    headers.push_back({"X-Amz-Security-Token", params.credentials.session_token});
  }
  if (params.add_content_sha256_header) {
    headers.push_back({"X-Amz-Content-Sha256", request.payload_hash});
  }
  return headers;
}

}  // namespace

SignedParts sign(const RequestToSign& request, const SigningParams& params) {
  const Timestamps stamps = format_timestamps(params.time);
  SignedParts parts;
  parts.headers = signer_headers(request, params, stamps);

  // All but Authorization are signed. The views stay valid: nothing is added to parts.headers.
  const HeadersToSign headers(request, std::span<const HttpHeader>(parts.headers).subspan(1));
  const std::string signed_headers = signed_header_list(headers);

  parts.canonical_request =
      canonical_request(request, request.query, params, headers, signed_headers);
  const std::string scope = credential_scope(stamps, params);
  parts.string_to_sign = string_to_sign(stamps, scope, parts.canonical_request);
  parts.signature = compute_signature(stamps, params, parts.string_to_sign);
  parts.headers.front().value = authorization(params, scope, signed_headers, parts.signature);
  return parts;
}

PresignedParts presign(const RequestToSign& request, const SigningParams& params,
                       std::chrono::seconds expires) {
  const Timestamps stamps = format_timestamps(params.time);
  const HeadersToSign headers(request, {});
  const std::string signed_headers = signed_header_list(headers);
  const std::string scope = credential_scope(stamps, params);

  // The signing parameters are part of the canonical query string, so they are signed too; the
  // session token among them, unlike services that add it after signing.
  PresignedParts parts;
  auto& query = parts.query;
  query = request.query;
  query.emplace_back("X-Amz-Algorithm", kAlgorithm);
  query.emplace_back("X-Amz-Credential", credential(params, scope));
  query.emplace_back("X-Amz-Date", stamps.date_time);
  query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  query.emplace_back("X-Amz-SignedHeaders", signed_headers);
  if (!params.credentials.session_token.empty()) {
    query.emplace_back("X-Amz-Security-Token", params.credentials.session_token);
  }

  parts.canonical_request = canonical_request(request, query, params, headers, signed_headers);
  parts.string_to_sign = string_to_sign(stamps, scope, parts.canonical_request);
  parts.signature = compute_signature(stamps, params, parts.string_to_sign);
  query.emplace_back("X-Amz-Signature", parts.signature);
  return parts;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string encoded;
  encoded.reserve(text.size());
  append_uri_encoded(encoded, text, keep_slash);
  return encoded;
}

std::string uri_decode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      decoded += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

std::string canonical_query_string(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());

  std::string joined;
  for (const auto& [name, value] : encoded) {
    if (!joined.empty()) joined += '&';
    joined += name;
    joined += '=';
    joined += value;
  }
  return joined;
}

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

}  // namespace bulkqa::aws
