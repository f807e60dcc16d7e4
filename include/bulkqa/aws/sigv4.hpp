// AWS Signature Version 4, spelled out step by step as the AWS documentation describes it:
// canonical request -> string to sign -> signing key -> signature -> Authorization header, or
// the query string of a pre-signed URL.
// Pure functions over values: no clock, no environment, no I/O. The signing key, which changes
// once a day per secret, region and service, is derived once per thread and kept, so a signature
// costs one HMAC of the string to sign.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bulkqa/aws/http.hpp"

namespace bulkqa::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not temporary credentials
};

struct SigningParams {
  std::string service;  // "s3", "dynamodb", ...
  std::string region;
  Credentials credentials;
  std::chrono::system_clock::time_point time;
  // Non-S3 services: remove dot segments and duplicate slashes, then URI-encode the request
  // path again. S3 signs the path exactly as sent. Both true unless service == "s3".
  bool normalize_path = true;
  bool encode_path = true;
  // S3 wants x-amz-content-sha256 sent and signed.
  bool add_content_sha256_header = false;
};

struct RequestToSign {
  std::string method;
  std::string host;  // as in the Host header: "bucket.s3.amazonaws.com" or "127.0.0.1:5000"
  std::string path;  // as it appears in the request line, already percent-encoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values
  std::vector<HttpHeader> headers;                         // without Host; any case
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SignedParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
  // Headers to add to the request: Authorization, X-Amz-Date, X-Amz-Security-Token when there is
  // a session token, X-Amz-Content-Sha256 when asked for.
  std::vector<HttpHeader> headers;
};

SignedParts sign(const RequestToSign& request, const SigningParams& params);

struct PresignedParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
  // The query to send: the request's own pairs, then X-Amz-Algorithm, X-Amz-Credential,
  // X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Security-Token when there is a session
  // token, and X-Amz-Signature (decoded: canonical_query_string() encodes them for the wire).
  std::vector<std::pair<std::string, std::string>> query;
};

// Query signing, for a pre-signed URL: the same steps as sign(), with the signature and its
// parameters in the query string instead of headers, valid for `expires` after params.time. The
// Host header and the request's headers are signed; add_content_sha256_header does not apply (S3
// wants request.payload_hash "UNSIGNED-PAYLOAD" here). `expires` is not limited here: the caller
// sets its own ceiling.
PresignedParts presign(const RequestToSign& request, const SigningParams& params,
                       std::chrono::seconds expires);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything else is
// %XX with upper-case hex; '/' stays only when keep_slash.
std::string uri_encode(std::string_view text, bool keep_slash);

// Decodes %XX sequences ('+' stays '+').
std::string uri_decode(std::string_view text);

// The canonical (sorted, encoded) query string, also what goes on the wire after '?'.
std::string canonical_query_string(const std::vector<std::pair<std::string, std::string>>& query);

std::string sha256_hex(std::string_view data);

}  // namespace bulkqa::aws
