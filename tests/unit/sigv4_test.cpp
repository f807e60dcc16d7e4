// SigV4 against AWS's own test vectors (tests/data/aws-sigv4-test-suite), header and query
// (pre-signed) variants, plus focused tests of the encoding, query, header and S3 rules the
// vectors do not reach.
#include "bulkqa/aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <nlohmann/json.hpp>

namespace bulkqa::aws {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;

// Test names must not depend on the environment (gtest_discover_tests lists them without it), so
// the cases are named here and SigV4SuiteListing checks this list against the folders on disk.
constexpr std::array<const char*, 38> kSuiteCases = {
    "get-header-key-duplicate",
    "get-header-value-multiline",
    "get-header-value-order",
    "get-header-value-trim",
    "get-relative-normalized",
    "get-relative-relative-normalized",
    "get-relative-relative-unnormalized",
    "get-relative-unnormalized",
    "get-slash-dot-slash-normalized",
    "get-slash-dot-slash-unnormalized",
    "get-slash-normalized",
    "get-slash-pointless-dot-normalized",
    "get-slash-pointless-dot-unnormalized",
    "get-slash-unnormalized",
    "get-slashes-normalized",
    "get-slashes-unnormalized",
    "get-space-normalized",
    "get-space-unnormalized",
    "get-unreserved",
    "get-utf8",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-with-session-token",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-header-after",
    "post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
};

fs::path suite_directory() {
  const char* source_dir = std::getenv("BULKQA_SOURCE_DIR");
  if (source_dir == nullptr) {
    throw std::runtime_error(
        "BULKQA_SOURCE_DIR is not set: run through ctest, or export it as the repository root");
  }
  return fs::path(source_dir) / "tests" / "data" / "aws-sigv4-test-suite";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string_view without_carriage_return(std::string_view line) {
  return line.ends_with('\r') ? line.substr(0, line.size() - 1) : line;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

struct SuiteRequest {
  RequestToSign request;
  std::string body;
};

void parse_request_line(std::string_view line, RequestToSign& request) {
  const std::size_t method_end = line.find(' ');
  const std::size_t version_start = line.rfind(' ');
  if (method_end == std::string_view::npos || version_start <= method_end) {
    throw std::runtime_error("request.txt line 1: expected 'METHOD target HTTP/1.1', got '" +
                             std::string(line) + "'");
  }
  request.method = line.substr(0, method_end);
  // The target sits between the first and last spaces: paths such as "/example space/" hold one.
  const std::string_view target = line.substr(method_end + 1, version_start - method_end - 1);
  const std::size_t query_start = target.find('?');
  request.path = target.substr(0, query_start);
  if (query_start == std::string_view::npos || query_start + 1 == target.size()) return;
  for (std::string_view pair : split(target.substr(query_start + 1), '&')) {
    const std::size_t equals = pair.find('=');
    const std::string_view name = pair.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
    request.query.emplace_back(uri_decode(name), uri_decode(value));
  }
}

// Headers as written, duplicates and folded continuation lines included: canonicalizing them is
// the signer's job. Host moves to RequestToSign::host.
void parse_header_lines(const std::vector<std::string_view>& lines, RequestToSign& request) {
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = without_carriage_return(lines[i]);
    if (line.empty()) continue;
    const std::string where = "request.txt line " + std::to_string(i + 1);
    if (line.front() == ' ' || line.front() == '\t') {
      if (request.headers.empty()) throw std::runtime_error(where + ": continuation of nothing");
      request.headers.back().value += '\n';
      request.headers.back().value += line;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error(where + ": no ':' in header");
    request.headers.push_back(
        {std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  const auto host = std::find_if(request.headers.begin(), request.headers.end(),
                                 [](const HttpHeader& h) { return h.name == "Host"; });
  if (host == request.headers.end()) throw std::runtime_error("request.txt: no Host header");
  request.host = host->value;
  request.headers.erase(host);
}

SuiteRequest parse_request(std::string_view text) {
  SuiteRequest parsed;
  const std::size_t head_end = text.find("\n\n");
  if (head_end != std::string_view::npos) parsed.body = text.substr(head_end + 2);
  std::string_view head = text.substr(0, head_end);
  if (head.ends_with('\n')) head.remove_suffix(1);
  const std::vector<std::string_view> lines = split(head, '\n');
  parse_request_line(without_carriage_return(lines.front()), parsed.request);
  parse_header_lines(lines, parsed.request);
  parsed.request.payload_hash = sha256_hex(parsed.body);
  return parsed;
}

int parse_digits(std::string_view text, std::size_t offset, std::size_t count) {
  int value = 0;
  const char* first = text.data() + offset;
  const auto [end, error] = std::from_chars(first, first + count, value);
  if (error != std::errc{} || end != first + count) {
    throw std::runtime_error("timestamp '" + std::string(text) + "' is not YYYY-MM-DDTHH:MM:SSZ");
  }
  return value;
}

system_clock::time_point parse_utc_timestamp(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    throw std::runtime_error("timestamp '" + std::string(text) + "' is not YYYY-MM-DDTHH:MM:SSZ");
  }
  const year_month_day date{year{parse_digits(text, 0, 4)},
                            month{static_cast<unsigned>(parse_digits(text, 5, 2))},
                            day{static_cast<unsigned>(parse_digits(text, 8, 2))}};
  return sys_days{date} + hours{parse_digits(text, 11, 2)} + minutes{parse_digits(text, 14, 2)} +
         seconds{parse_digits(text, 17, 2)};
}

// context.json's "sign_body" is the x-amz-content-sha256 header; "omit_session_token" means the
// token is added after signing, which for sign() is signing without one.
SigningParams parse_context(const nlohmann::json& context) {
  SigningParams params;
  params.service = context.at("service").get<std::string>();
  params.region = context.at("region").get<std::string>();
  const nlohmann::json& credentials = context.at("credentials");
  params.credentials.access_key_id = credentials.at("access_key_id").get<std::string>();
  params.credentials.secret_access_key = credentials.at("secret_access_key").get<std::string>();
  if (credentials.contains("token") && !context.value("omit_session_token", false)) {
    params.credentials.session_token = credentials.at("token").get<std::string>();
  }
  params.time = parse_utc_timestamp(context.at("timestamp").get<std::string>());
  params.normalize_path = context.at("normalize").get<bool>();
  params.encode_path = true;
  params.add_content_sha256_header = context.at("sign_body").get<bool>();
  return params;
}

std::string header_value(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const HttpHeader& header : headers) {
    if (header.name == name) return header.value;
  }
  return {};
}

std::string authorization_line_value(std::string_view signed_request) {
  constexpr std::string_view kPrefix = "Authorization:";
  for (std::string_view line : split(signed_request, '\n')) {
    line = without_carriage_return(line);
    if (line.starts_with(kPrefix)) return std::string(line.substr(kPrefix.size()));
  }
  throw std::runtime_error("header-signed-request.txt has no Authorization line");
}

class SigV4AwsSuite : public ::testing::TestWithParam<const char*> {};

TEST_P(SigV4AwsSuite, SignsLikeTheReference) {
  const fs::path folder = suite_directory() / GetParam();
  const SuiteRequest parsed = parse_request(read_text(folder / "request.txt"));
  const SigningParams params =
      parse_context(nlohmann::json::parse(read_text(folder / "context.json")));

  const SignedParts signed_parts = sign(parsed.request, params);

  EXPECT_EQ(signed_parts.canonical_request, read_text(folder / "header-canonical-request.txt"));
  EXPECT_EQ(signed_parts.string_to_sign, read_text(folder / "header-string-to-sign.txt"));
  EXPECT_EQ(signed_parts.signature, read_text(folder / "header-signature.txt"));
  EXPECT_EQ(header_value(signed_parts.headers, "Authorization"),
            authorization_line_value(read_text(folder / "header-signed-request.txt")));
}

std::string test_name(const ::testing::TestParamInfo<const char*>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Vectors, SigV4AwsSuite, ::testing::ValuesIn(kSuiteCases), test_name);

// The decoded query of the request line in query-signed-request.txt, sorted.
std::vector<std::pair<std::string, std::string>> signed_request_query(std::string_view text) {
  RequestToSign request;
  parse_request_line(without_carriage_return(split(text, '\n').front()), request);
  std::sort(request.query.begin(), request.query.end());
  return request.query;
}

class SigV4AwsSuitePresigned : public ::testing::TestWithParam<const char*> {};

TEST_P(SigV4AwsSuitePresigned, PresignsLikeTheReference) {
  const fs::path folder = suite_directory() / GetParam();
  const SuiteRequest parsed = parse_request(read_text(folder / "request.txt"));
  const nlohmann::json context = nlohmann::json::parse(read_text(folder / "context.json"));

  const PresignedParts presigned = presign(parsed.request, parse_context(context),
                                           seconds(context.at("expiration_in_seconds").get<int>()));

  EXPECT_EQ(presigned.canonical_request, read_text(folder / "query-canonical-request.txt"));
  EXPECT_EQ(presigned.string_to_sign, read_text(folder / "query-string-to-sign.txt"));
  EXPECT_EQ(presigned.signature, read_text(folder / "query-signature.txt"));
  // With omit_session_token the reference adds the token to the query after signing, which
  // presign() never does: the signature steps above are the comparison there.
  if (!context.value("omit_session_token", false)) {
    auto query = presigned.query;
    std::sort(query.begin(), query.end());
    EXPECT_EQ(query, signed_request_query(read_text(folder / "query-signed-request.txt")));
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, SigV4AwsSuitePresigned, ::testing::ValuesIn(kSuiteCases),
                         test_name);

TEST(SigV4SuiteListing, EveryFolderWithAHeaderAndAQueryVariantIsATestCase) {
  std::vector<std::string> on_disk;
  for (const fs::directory_entry& entry : fs::directory_iterator(suite_directory())) {
    if (fs::exists(entry.path() / "header-canonical-request.txt") &&
        fs::exists(entry.path() / "query-canonical-request.txt")) {
      on_disk.push_back(entry.path().filename().string());
    }
  }
  std::sort(on_disk.begin(), on_disk.end());
  std::vector<std::string> listed(kSuiteCases.begin(), kSuiteCases.end());
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(on_disk, listed);
}

TEST(SigV4SuiteListing, AttributionIsKept) {
  EXPECT_NE(read_text(suite_directory() / "NOTICE").find("Amazon.com"), std::string::npos);
  EXPECT_FALSE(read_text(suite_directory() / "README.md").empty());
}

TEST(SigV4UriEncode, KeepsUnreservedCharacters) {
  const std::string unreserved =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
  EXPECT_EQ(uri_encode(unreserved, false), unreserved);
  EXPECT_EQ(uri_encode(unreserved, true), unreserved);
}

TEST(SigV4UriEncode, EncodesReservedCharactersWithUpperCaseHex) {
  EXPECT_EQ(uri_encode("!*'();:@&=+$,?#[]%", false),
            "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%3F%23%5B%5D%25");
}

TEST(SigV4UriEncode, EncodesSpaceAsPercentTwentyNotPlus) {
  EXPECT_EQ(uri_encode("a b", false), "a%20b");
}

TEST(SigV4UriEncode, EncodesUtf8ByteByByte) {
  EXPECT_EQ(uri_encode("\xC3\xA9", false), "%C3%A9");               // é
  EXPECT_EQ(uri_encode("\xF0\x9F\x99\x82", true), "%F0%9F%99%82");  // an emoji
}

TEST(SigV4UriEncode, KeepsSlashOnlyWhenAsked) {
  EXPECT_EQ(uri_encode("/a/b", true), "/a/b");
  EXPECT_EQ(uri_encode("/a/b", false), "%2Fa%2Fb");
}

TEST(SigV4UriDecode, DecodesEitherHexCaseAndLeavesPlus) {
  EXPECT_EQ(uri_decode("%2Fa%20b+c"), "/a b+c");
  EXPECT_EQ(uri_decode("%c3%a9%C3%A9"), "\xC3\xA9\xC3\xA9");
}

TEST(SigV4UriDecode, LeavesMalformedEscapesAsTheyAre) {
  EXPECT_EQ(uri_decode("100%"), "100%");
  EXPECT_EQ(uri_decode("%4"), "%4");
  EXPECT_EQ(uri_decode("%zz%4g"), "%zz%4g");
}

TEST(SigV4UriDecode, UndoesUriEncodeForEveryByte) {
  std::string every_byte;
  for (int byte = 0; byte < 256; ++byte) every_byte += static_cast<char>(byte);
  EXPECT_EQ(uri_decode(uri_encode(every_byte, false)), every_byte);
  EXPECT_EQ(uri_decode(uri_encode(every_byte, true)), every_byte);
}

TEST(SigV4CanonicalQueryString, SortsByNameThenValueKeepingDuplicates) {
  EXPECT_EQ(canonical_query_string({{"b", "2"}, {"a", "z"}, {"a", "y"}, {"A", "x"}}),
            "A=x&a=y&a=z&b=2");
}

TEST(SigV4CanonicalQueryString, SortsByEncodedNameNotDecodedName) {
  // Decoded, '-' (0x2D) sorts before '/' (0x2F); encoded, "%2F" sorts before "-".
  EXPECT_EQ(canonical_query_string({{"a-", "1"}, {"a/", "2"}}), "a%2F=2&a-=1");
}

TEST(SigV4CanonicalQueryString, EncodesSlashPlusAndEqualsInValues) {
  EXPECT_EQ(canonical_query_string({{"continuation-token", "1/2+3=="}, {"prefix", "photos/a b"}}),
            "continuation-token=1%2F2%2B3%3D%3D&prefix=photos%2Fa%20b");
}

TEST(SigV4CanonicalQueryString, GivesNameEqualsForEmptyValues) {
  EXPECT_EQ(canonical_query_string({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(canonical_query_string({}), "");
}

TEST(SigV4Sha256Hex, MatchesTheFipsVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

RequestToSign plain_request(std::string path) {
  RequestToSign request;
  request.method = "PUT";
  request.host = "bucket.s3.us-east-1.amazonaws.com";
  request.path = std::move(path);
  request.payload_hash = sha256_hex("body");
  return request;
}

SigningParams plain_params(std::string service) {
  SigningParams params;
  params.service = std::move(service);
  params.region = "us-east-1";
  params.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  params.time = sys_days{2024y / March / 9} + 7h + 5min + 3s;
  return params;
}

SigningParams s3_params() {
  SigningParams params = plain_params("s3");
  params.normalize_path = false;
  params.encode_path = false;
  params.add_content_sha256_header = true;
  return params;
}

std::vector<std::string_view> canonical_request_lines(const SignedParts& parts) {
  return split(parts.canonical_request, '\n');
}

TEST(SigV4CanonicalUri, S3SignsThePathExactlyAsSent) {
  const SignedParts parts = sign(plain_request("/photos/a%20b/../c//d/./e"), s3_params());
  EXPECT_EQ(canonical_request_lines(parts)[1], "/photos/a%20b/../c//d/./e");
}

TEST(SigV4CanonicalUri, OtherServicesNormalizeThenEncodeAgain) {
  const SignedParts parts = sign(plain_request("/a%20b//c/./d/x/../"), plain_params("service"));
  EXPECT_EQ(canonical_request_lines(parts)[1], "/a%2520b/c/d/");
}

TEST(SigV4CanonicalUri, EmptyPathIsRoot) {
  EXPECT_EQ(canonical_request_lines(sign(plain_request(""), plain_params("service")))[1], "/");
  EXPECT_EQ(canonical_request_lines(sign(plain_request(""), s3_params()))[1], "/");
}

TEST(SigV4CanonicalUri, DotSegmentsAboveTheRootStopThere) {
  const SignedParts parts = sign(plain_request("/../../a/b/.."), plain_params("service"));
  EXPECT_EQ(canonical_request_lines(parts)[1], "/a");
}

TEST(SigV4S3Signing, AddsAndSignsContentSha256) {
  const RequestToSign request = plain_request("/key");
  const SignedParts parts = sign(request, s3_params());
  EXPECT_EQ(header_value(parts.headers, "X-Amz-Content-Sha256"), request.payload_hash);
  EXPECT_NE(parts.canonical_request.find("\nx-amz-content-sha256:" + request.payload_hash + "\n"),
            std::string::npos);
  EXPECT_NE(header_value(parts.headers, "Authorization")
                .find("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"),
            std::string::npos);
  EXPECT_TRUE(parts.canonical_request.ends_with("\n" + request.payload_hash));
}

TEST(SigV4S3Signing, UnsignedPayloadIsSignedAsTheLiteral) {
  RequestToSign request = plain_request("/key");
  request.payload_hash = "UNSIGNED-PAYLOAD";
  const SignedParts parts = sign(request, s3_params());
  EXPECT_EQ(header_value(parts.headers, "X-Amz-Content-Sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_TRUE(parts.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST(SigV4S3Signing, OtherServicesDoNotGetContentSha256) {
  const SignedParts parts = sign(plain_request("/"), plain_params("dynamodb"));
  EXPECT_EQ(header_value(parts.headers, "X-Amz-Content-Sha256"), "");
  EXPECT_EQ(parts.canonical_request.find("x-amz-content-sha256"), std::string::npos);
}

TEST(SigV4SessionToken, IsSentAndSigned) {
  SigningParams params = plain_params("dynamodb");
  params.credentials.session_token = "token/with+base64==";
  const SignedParts parts = sign(plain_request("/"), params);
  EXPECT_EQ(header_value(parts.headers, "X-Amz-Security-Token"), "token/with+base64==");
  EXPECT_NE(parts.canonical_request.find("\nx-amz-security-token:token/with+base64==\n"),
            std::string::npos);
  EXPECT_NE(header_value(parts.headers, "Authorization")
                .find("SignedHeaders=host;x-amz-date;x-amz-security-token,"),
            std::string::npos);
}

TEST(SigV4SessionToken, IsAbsentWithoutOne) {
  const SignedParts parts = sign(plain_request("/"), plain_params("dynamodb"));
  EXPECT_EQ(header_value(parts.headers, "X-Amz-Security-Token"), "");
  EXPECT_EQ(parts.canonical_request.find("x-amz-security-token"), std::string::npos);
}

TEST(SigV4CanonicalHeaders, TrimsFoldsCombinesAndSorts) {
  RequestToSign request = plain_request("/");
  request.headers = {{"X-Zeta", "  a   b\t\tc  "},
                     {"x-alpha", "first"},
                     {"X-Folded", "one\r\n   two\n\tthree"},
                     {"X-ALPHA", " second "},
                     {"X-Empty", "   "}};
  const SignedParts parts = sign(request, plain_params("dynamodb"));
  const std::vector<std::string_view> lines = canonical_request_lines(parts);
  const std::vector<std::string_view> headers(lines.begin() + 3, lines.begin() + 10);
  EXPECT_EQ(headers, (std::vector<std::string_view>{
                         "host:bucket.s3.us-east-1.amazonaws.com", "x-alpha:first,second",
                         "x-amz-date:20240309T070503Z", "x-empty:", "x-folded:one two three",
                         "x-zeta:a b c", ""}));
  EXPECT_EQ(lines[10], "host;x-alpha;x-amz-date;x-empty;x-folded;x-zeta");
}

TEST(SigV4Timestamps, UseUtcAndDropFractionsOfASecond) {
  SigningParams params = plain_params("dynamodb");
  params.time = sys_days{1999y / December / 31} + 23h + 59min + 59s + 999ms;
  const SignedParts parts = sign(plain_request("/"), params);
  EXPECT_EQ(header_value(parts.headers, "X-Amz-Date"), "19991231T235959Z");
  EXPECT_EQ(split(parts.string_to_sign, '\n')[1], "19991231T235959Z");
  EXPECT_EQ(split(parts.string_to_sign, '\n')[2], "19991231/us-east-1/dynamodb/aws4_request");
}

TEST(SigV4Authorization, NamesCredentialScopeSignedHeadersAndSignature) {
  const SignedParts parts = sign(plain_request("/"), plain_params("dynamodb"));
  EXPECT_EQ(header_value(parts.headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" +
                parts.signature);
  EXPECT_EQ(parts.signature.size(), 64u);
}

TEST(SigV4Presign, PutsTheSignatureAndTokenInTheQueryNotInHeaders) {
  RequestToSign request = plain_request("/key");
  request.payload_hash = "UNSIGNED-PAYLOAD";
  SigningParams params = s3_params();
  params.credentials.session_token = "token/with+base64==";
  const PresignedParts parts = presign(request, params, 900s);
  const std::vector<std::pair<std::string, std::string>> expected_start = {
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Credential", "AKIDEXAMPLE/20240309/us-east-1/s3/aws4_request"},
      {"X-Amz-Date", "20240309T070503Z"},
      {"X-Amz-Expires", "900"},
      {"X-Amz-SignedHeaders", "host"},
      {"X-Amz-Security-Token", "token/with+base64=="}};
  ASSERT_EQ(parts.query.size(), expected_start.size() + 1);
  EXPECT_TRUE(std::equal(expected_start.begin(), expected_start.end(), parts.query.begin()));
  using QueryPair = std::pair<std::string, std::string>;
  EXPECT_EQ(parts.query.back(), QueryPair("X-Amz-Signature", parts.signature));
  // Signed: the token is in the canonical query; S3's content hash header is not added.
  EXPECT_NE(parts.canonical_request.find("X-Amz-Security-Token=token%2Fwith%2Bbase64%3D%3D"),
            std::string::npos);
  EXPECT_EQ(parts.canonical_request.find("x-amz-content-sha256"), std::string::npos);
  EXPECT_TRUE(parts.canonical_request.ends_with("\nhost\nUNSIGNED-PAYLOAD"));
}

TEST(SigV4Presign, TheExpiryIsSigned) {
  const RequestToSign request = plain_request("/key");
  EXPECT_NE(presign(request, s3_params(), 60s).signature,
            presign(request, s3_params(), 61s).signature);
}

TEST(SigV4Signature, ChangesWithTheSecretKey) {
  SigningParams other = plain_params("dynamodb");
  other.credentials.secret_access_key += "x";
  EXPECT_NE(sign(plain_request("/"), plain_params("dynamodb")).signature,
            sign(plain_request("/"), other).signature);
}

// The signing key is derived once and kept: every signature below is checked against one whose
// key is derived here, step by step, so a key kept past a change of date, region, service or
// secret shows as a wrong signature.
std::string hmac_sha256_bytes(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &size);
  return std::string(reinterpret_cast<const char*>(mac.data()), size);
}

std::string reference_signature(const SigningParams& params, std::string_view date,
                                const std::string& string_to_sign) {
  std::string key = "AWS4" + params.credentials.secret_access_key;
  key = hmac_sha256_bytes(key, date);
  key = hmac_sha256_bytes(key, params.region);
  key = hmac_sha256_bytes(key, params.service);
  key = hmac_sha256_bytes(key, "aws4_request");
  std::string hex;
  for (unsigned char byte : hmac_sha256_bytes(key, string_to_sign)) {
    hex += "0123456789abcdef"[byte >> 4];
    hex += "0123456789abcdef"[byte & 0x0f];
  }
  return hex;
}

void expect_signed_with_derived_key(const SigningParams& params, std::string_view date) {
  const SignedParts parts = sign(plain_request("/"), params);
  EXPECT_EQ(parts.signature, reference_signature(params, date, parts.string_to_sign))
      << params.service << " " << params.region << " " << date;
}

void expect_key_follows_change(const SigningParams& changed, std::string_view changed_date) {
  const SigningParams base = plain_params("dynamodb");
  expect_signed_with_derived_key(base, "20240309");
  expect_signed_with_derived_key(changed, changed_date);
  expect_signed_with_derived_key(base, "20240309");
  expect_signed_with_derived_key(changed, changed_date);
}

TEST(SigV4SigningKey, ChangesWithTheDate) {
  SigningParams next_day = plain_params("dynamodb");
  next_day.time += 24h;
  expect_key_follows_change(next_day, "20240310");
}

TEST(SigV4SigningKey, ChangesAtMidnightUtc) {
  SigningParams params = plain_params("dynamodb");
  params.time = sys_days{2024y / March / 9};
  expect_signed_with_derived_key(params, "20240309");
  params.time = sys_days{2024y / March / 9} + 23h + 59min + 59s;
  expect_signed_with_derived_key(params, "20240309");
  params.time = sys_days{2024y / March / 10};
  expect_signed_with_derived_key(params, "20240310");
}

TEST(SigV4SigningKey, ChangesWithTheRegion) {
  SigningParams other = plain_params("dynamodb");
  other.region = "eu-west-1";
  expect_key_follows_change(other, "20240309");
}

TEST(SigV4SigningKey, ChangesWithTheService) {
  expect_key_follows_change(plain_params("s3"), "20240309");
}

TEST(SigV4SigningKey, ChangesWithTheSecretKey) {
  SigningParams rotated = plain_params("dynamodb");
  rotated.credentials.secret_access_key = "rotatedSecretKeyEXAMPLEKEYwJalrXUtnFEMI/K7";
  expect_key_follows_change(rotated, "20240309");
}

TEST(SigV4SigningKey, DoesNotDependOnTheAccessKeyIdOrToken) {
  SigningParams params = plain_params("dynamodb");
  expect_signed_with_derived_key(params, "20240309");
  params.credentials.access_key_id = "AKIDOTHER";
  params.credentials.session_token = "token";
  expect_signed_with_derived_key(params, "20240309");
}

TEST(SigV4SigningKey, StaysRightWhenMoreKeysAreInUseThanAreKept) {
  const std::array<const char*, 9> regions = {"us-east-1",      "us-east-2", "us-west-1",
                                              "us-west-2",      "eu-west-1", "eu-central-1",
                                              "ap-southeast-2", "sa-east-1", "ca-central-1"};
  for (int round = 0; round < 3; ++round) {
    for (const char* region : regions) {
      SigningParams params = plain_params("dynamodb");
      params.region = region;
      expect_signed_with_derived_key(params, "20240309");
    }
  }
}

TEST(SigV4SigningKey, ThreadsSigningWithDifferentKeysEachGetTheirOwn) {
  // Each thread alternates between its own two keys; a key shared or swapped between threads
  // would give a wrong signature in one of them.
  auto sign_alternately = [](std::string region) {
    for (int i = 0; i < 200; ++i) {
      SigningParams params = plain_params(i % 2 == 0 ? "s3" : "dynamodb");
      params.region = region;
      expect_signed_with_derived_key(params, "20240309");
    }
  };
  std::thread first(sign_alternately, "us-east-1");
  std::thread second(sign_alternately, "eu-west-1");
  first.join();
  second.join();
}

}  // namespace
}  // namespace bulkqa::aws
