// SigV4's canonicalization of paths, query strings and headers. The input is a request as the AWS
// SigV4 test suite writes it ("METHOD /path?query HTTP/1.1", then "Name:value" lines). Signing
// never throws; the canonical path and query hold only unreserved characters and %XX escapes;
// normalizing a normalized path changes nothing; the query's order does not matter; encoding
// then decoding gives the text back.
#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "bulkqa/aws/sigv4.hpp"
#include "fuzz_input.hpp"

namespace {

using bulkqa::aws::RequestToSign;
using bulkqa::fuzz::require;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// A lenient reading of the input: whatever it holds becomes some request.
RequestToSign request_of(std::string_view text) {
  const std::vector<std::string_view> lines = split(text, '\n');
  RequestToSign request;
  const std::string_view first = lines.front();
  const std::size_t method_end = std::min(first.find(' '), first.size());
  request.method = first.substr(0, method_end);
  std::string_view target = first.substr(std::min(method_end + 1, first.size()));
  target = target.substr(0, target.rfind(' '));
  const std::size_t query_start = std::min(target.find('?'), target.size());
  request.path = target.substr(0, query_start);
  if (query_start < target.size()) {
    for (std::string_view pair : split(target.substr(query_start + 1), '&')) {
      const std::size_t equals = pair.find('=');
      const std::string_view value =
          equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
      request.query.emplace_back(bulkqa::aws::uri_decode(pair.substr(0, equals)),
                                 bulkqa::aws::uri_decode(value));
    }
  }
  for (std::size_t at = 1; at < lines.size(); ++at) {
    const std::size_t colon = lines[at].find(':');
    if (colon == std::string_view::npos) continue;
    request.headers.push_back(
        {std::string(lines[at].substr(0, colon)), std::string(lines[at].substr(colon + 1))});
  }
  request.host = "example.amazonaws.com";
  request.payload_hash = bulkqa::aws::sha256_hex("");
  return request;
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

// Only unreserved characters, %XX with upper-case hex, and the `separators`.
bool is_canonical_text(std::string_view text, std::string_view separators) {
  for (std::size_t at = 0; at < text.size(); ++at) {
    const char c = text[at];
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || separators.find(c) != std::string_view::npos) continue;
    if (c != '%' || at + 2 >= text.size() || !is_hex_digit(text[at + 1]) ||
        !is_hex_digit(text[at + 2])) {
      return false;
    }
    at += 2;
  }
  return true;
}

// Line `index` (from 0) of a canonical request.
std::string canonical_line(std::string_view canonical, std::size_t index) {
  return std::string(split(canonical, '\n').at(index));
}

bulkqa::aws::SignedParts sign(const RequestToSign& request, bool normalize) {
  bulkqa::aws::SigningParams params;
  params.service = normalize ? "dynamodb" : "s3";
  params.region = "us-east-1";
  params.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  params.time = std::chrono::system_clock::time_point(std::chrono::seconds(1440938160));
  params.normalize_path = normalize;
  params.encode_path = normalize;
  params.add_content_sha256_header = !normalize;
  return bulkqa::aws::sign(request, params);
}

void check_normalized_path(RequestToSign request) {
  const std::string path = canonical_line(sign(request, true).canonical_request, 1);
  require(is_canonical_text(path, "/"), "a canonical path is unreserved characters and %XX");
  for (std::string_view segment : split(path, '/')) {
    require(segment != "." && segment != "..", "a normalized path has no dot segments");
  }
  request.path = bulkqa::aws::uri_decode(path);
  require(canonical_line(sign(request, true).canonical_request, 1) == path,
          "normalizing a normalized path changes nothing");
}

void check_query(RequestToSign request) {
  const std::string query = bulkqa::aws::canonical_query_string(request.query);
  require(is_canonical_text(query, "=&"), "a canonical query is unreserved characters and %XX");
  std::reverse(request.query.begin(), request.query.end());
  require(bulkqa::aws::canonical_query_string(request.query) == query,
          "the query's order does not change its canonical form");
}

void check_round_trip(std::string_view text) {
  for (bool keep_slash : {false, true}) {
    const std::string encoded = bulkqa::aws::uri_encode(text, keep_slash);
    require(is_canonical_text(encoded, keep_slash ? "/" : ""), "encoding leaves no other byte");
    require(bulkqa::aws::uri_decode(encoded) == text, "decoding an encoding gives the text back");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = bulkqa::fuzz::as_text(data, size);
  const RequestToSign request = request_of(text);
  const bulkqa::aws::SignedParts as_s3 = sign(request, false);
  require(canonical_line(as_s3.canonical_request, 1) == (request.path.empty() ? "/" : request.path),
          "S3 signs the path as sent");
  require(as_s3.signature.size() == 64, "a signature is 64 hex digits");
  check_normalized_path(request);
  check_query(request);
  check_round_trip(text);
  return 0;
}
