// SigV4 in the order the AWS documentation gives it. Each step is its own function so that a
// mismatch against AWS's test vectors or botocore can be traced to one step.
#include "bulkqa/aws/sigv4.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

#include "bulkqa/util/text.hpp"

namespace bulkqa::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kScopeTerminator = "aws4_request";
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kUpperHexDigits = "0123456789ABCDEF";

using Digest = std::array<unsigned char, 32>;

std::string to_hex(const Digest& digest) {
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (unsigned char byte : digest) {
    hex += kHexDigits[byte >> 4];
    hex += kHexDigits[byte & 0x0f];
  }
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

Digest sha256(std::string_view data) {
  Digest digest{};
  if (EVP_Digest(data.data(), data.size(), digest.data(), nullptr, sha256_algorithm(), nullptr) !=
      1) {
    throw_openssl_failure("SHA-256");
  }
  return digest;
}

Digest hmac_sha256(std::string_view key, std::string_view message) {
  EVP_MAC_CTX* context = hmac_sha256_context();
  Digest mac{};
  std::size_t mac_size = 0;
  if (EVP_MAC_init(context, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   nullptr) != 1 ||
      EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      EVP_MAC_final(context, mac.data(), &mac_size, mac.size()) != 1 || mac_size != mac.size()) {
    throw_openssl_failure("HMAC-SHA256");
  }
  return mac;
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

std::string canonical_uri(std::string_view path, const SigningParams& params) {
  std::string uri = params.normalize_path ? remove_dot_segments(path) : std::string(path);
  if (uri.empty()) uri = "/";
  return params.encode_path ? uri_encode(uri, true) : uri;
}

// Trimall: no leading or trailing whitespace, every inner run of it one space.
std::string trim_header_value(std::string_view value) {
  std::string trimmed;
  trimmed.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_header_space(c)) {
      pending_space = !trimmed.empty();
      continue;
    }
    if (pending_space) trimmed += ' ';
    pending_space = false;
    trimmed += c;
  }
  return trimmed;
}

struct CanonicalHeader {
  std::string name;   // lower case
  std::string value;  // trimmed; duplicates joined with ','
};

// Sorted by name; a name sent several times keeps its values in the order they were sent.
std::vector<CanonicalHeader> canonical_headers(const std::vector<HttpHeader>& headers) {
  std::vector<CanonicalHeader> lowered;
  lowered.reserve(headers.size());
  for (const HttpHeader& header : headers) {
    lowered.push_back({to_ascii_lower(header.name), trim_header_value(header.value)});
  }
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.name < b.name; });

  std::vector<CanonicalHeader> combined;
  for (CanonicalHeader& header : lowered) {
    if (!combined.empty() && combined.back().name == header.name) {
      combined.back().value += ',' + header.value;
    } else {
      combined.push_back(std::move(header));
    }
  }
  return combined;
}

std::string signed_header_list(const std::vector<CanonicalHeader>& headers) {
  std::string list;
  for (const CanonicalHeader& header : headers) {
    if (!list.empty()) list += ';';
    list += header.name;
  }
  return list;
}

std::string canonical_request(const RequestToSign& request, const SigningParams& params,
                              const std::vector<CanonicalHeader>& headers,
                              const std::string& signed_headers) {
  std::string text = request.method + '\n';
  text += canonical_uri(request.path, params) + '\n';
  text += canonical_query_string(request.query) + '\n';
  for (const CanonicalHeader& header : headers) text += header.name + ':' + header.value + '\n';
  text += '\n';
  text += signed_headers + '\n';
  text += request.payload_hash;
  return text;
}

std::string credential_scope(const Timestamps& stamps, const SigningParams& params) {
  return stamps.date + '/' + params.region + '/' + params.service + '/' +
         std::string(kScopeTerminator);
}

std::string string_to_sign(const Timestamps& stamps, const std::string& scope,
                           const std::string& canonical) {
  return std::string(kAlgorithm) + '\n' + stamps.date_time + '\n' + scope + '\n' +
         sha256_hex(canonical);
}

Digest signing_key(const Timestamps& stamps, const SigningParams& params) {
  const Digest date_key = hmac_sha256("AWS4" + params.credentials.secret_access_key, stamps.date);
  const Digest region_key = hmac_sha256(as_key(date_key), params.region);
  const Digest service_key = hmac_sha256(as_key(region_key), params.service);
  return hmac_sha256(as_key(service_key), kScopeTerminator);
}

std::string compute_signature(const Timestamps& stamps, const SigningParams& params,
                              const std::string& string_to_sign) {
  return to_hex(hmac_sha256(as_key(signing_key(stamps, params)), string_to_sign));
}

std::string credential(const SigningParams& params, const std::string& scope) {
  return params.credentials.access_key_id + '/' + scope;
}

std::string authorization(const SigningParams& params, const std::string& scope,
                          const std::string& signed_headers, const std::string& signature) {
  return std::string(kAlgorithm) + " Credential=" + credential(params, scope) +
         ", SignedHeaders=" + signed_headers + ", Signature=" + signature;
}

// The headers sign() itself contributes: sent with the request and signed like the caller's.
std::vector<HttpHeader> signer_headers(const RequestToSign& request, const SigningParams& params,
                                       const Timestamps& stamps) {
  std::vector<HttpHeader> headers{{"X-Amz-Date", stamps.date_time}};
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
  std::vector<HttpHeader> added = signer_headers(request, params, stamps);

  std::vector<HttpHeader> to_sign = request.headers;
  to_sign.push_back({"host", request.host});
  to_sign.insert(to_sign.end(), added.begin(), added.end());
  const std::vector<CanonicalHeader> headers = canonical_headers(to_sign);
  const std::string signed_headers = signed_header_list(headers);

  SignedParts parts;
  parts.canonical_request = canonical_request(request, params, headers, signed_headers);
  const std::string scope = credential_scope(stamps, params);
  parts.string_to_sign = string_to_sign(stamps, scope, parts.canonical_request);
  parts.signature = compute_signature(stamps, params, parts.string_to_sign);

  parts.headers.push_back(
      {"Authorization", authorization(params, scope, signed_headers, parts.signature)});
  parts.headers.insert(parts.headers.end(), std::make_move_iterator(added.begin()),
                       std::make_move_iterator(added.end()));
  return parts;
}

PresignedParts presign(const RequestToSign& request, const SigningParams& params,
                       std::chrono::seconds expires) {
  const Timestamps stamps = format_timestamps(params.time);
  std::vector<HttpHeader> to_sign = request.headers;
  to_sign.push_back({"host", request.host});
  const std::vector<CanonicalHeader> headers = canonical_headers(to_sign);
  const std::string signed_headers = signed_header_list(headers);
  const std::string scope = credential_scope(stamps, params);

  // The signing parameters are part of the canonical query string, so they are signed too; the
  // session token among them, unlike services that add it after signing.
  RequestToSign with_parameters = request;
  auto& query = with_parameters.query;
  query.emplace_back("X-Amz-Algorithm", kAlgorithm);
  query.emplace_back("X-Amz-Credential", credential(params, scope));
  query.emplace_back("X-Amz-Date", stamps.date_time);
  query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  query.emplace_back("X-Amz-SignedHeaders", signed_headers);
  if (!params.credentials.session_token.empty()) {
    query.emplace_back("X-Amz-Security-Token", params.credentials.session_token);
  }

  PresignedParts parts;
  parts.canonical_request = canonical_request(with_parameters, params, headers, signed_headers);
  parts.string_to_sign = string_to_sign(stamps, scope, parts.canonical_request);
  parts.signature = compute_signature(stamps, params, parts.string_to_sign);
  parts.query = std::move(query);
  parts.query.emplace_back("X-Amz-Signature", parts.signature);
  return parts;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string encoded;
  encoded.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kUpperHexDigits[byte >> 4];
      encoded += kUpperHexDigits[byte & 0x0f];
    }
  }
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
    joined += name + '=' + value;
  }
  return joined;
}

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

}  // namespace bulkqa::aws
