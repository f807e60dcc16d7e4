// SigV4 against botocore: tests/support/botocore_sign.py signs random S3 and DynamoDB requests
// with botocore, and every one must come out of bulkqa::aws::sign identically; it also pre-signs
// random GetObject URLs, which S3Client::presigned_get_url must give identically.
#include "bulkqa/aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/s3.hpp"

namespace bulkqa::aws {
namespace {

using nlohmann::json;

constexpr int kRequestsPerSeed = 500;
constexpr int kPresignedUrlsPerSeed = 300;

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string script_command(unsigned seed, int count, const std::string& mode) {
  const char* source_dir = std::getenv("BULKQA_SOURCE_DIR");
  if (source_dir == nullptr) {
    throw std::runtime_error(
        "BULKQA_SOURCE_DIR is not set: run through ctest, or export it as the repository root");
  }
  const std::string script = std::string(source_dir) + "/tests/support/botocore_sign.py";
  return "python3 " + shell_quote(script) + " --seed " + std::to_string(seed) + " --count " +
         std::to_string(count) + mode;
}

// The script's whole standard output; its standard error goes to the test's log.
std::string run_script(unsigned seed, int count = kRequestsPerSeed, const std::string& mode = "") {
  const std::string command = script_command(seed, count, mode);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot start: " + command);
  std::string output;
  std::array<char, 65536> buffer{};
  std::size_t read = 0;
  while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    output.append(buffer.data(), read);
  }
  const int status = pclose(pipe);
  if (status != 0) {
    throw std::runtime_error(command + " failed with status " + std::to_string(status));
  }
  return output;
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

std::vector<std::pair<std::string, std::string>> string_pairs(const json& list) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const json& pair : list) {
    pairs.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  }
  return pairs;
}

bool is_unsigned_payload(const json& botocore) {
  return botocore.at("payload_hash") == "UNSIGNED-PAYLOAD";
}

// What an S3 or DynamoDB client of ours would hand the signer for this request.
RequestToSign request_from(const json& botocore) {
  RequestToSign request;
  request.method = botocore.at("method").get<std::string>();
  request.host = botocore.at("host").get<std::string>();
  request.path = botocore.at("path").get<std::string>();
  request.query = string_pairs(botocore.at("query"));
  for (auto& [name, value] : string_pairs(botocore.at("headers"))) {
    request.headers.push_back({std::move(name), std::move(value)});
  }
  request.payload_hash = is_unsigned_payload(botocore)
                             ? "UNSIGNED-PAYLOAD"
                             : sha256_hex(from_hex(botocore.at("body_hex").get<std::string>()));
  return request;
}

SigningParams params_from(const json& botocore) {
  SigningParams params;
  params.service = botocore.at("service").get<std::string>();
  params.region = botocore.at("region").get<std::string>();
  params.credentials.access_key_id = botocore.at("access_key_id").get<std::string>();
  params.credentials.secret_access_key = botocore.at("secret_access_key").get<std::string>();
  params.credentials.session_token = botocore.at("session_token").get<std::string>();
  params.time = std::chrono::system_clock::time_point{
      std::chrono::seconds{botocore.at("epoch_seconds").get<long long>()} +
      std::chrono::microseconds{botocore.at("microseconds").get<long long>()}};
  const bool is_s3 = params.service == "s3";
  params.normalize_path = !is_s3;
  params.encode_path = !is_s3;
  params.add_content_sha256_header = is_s3 || is_unsigned_payload(botocore);
  return params;
}

std::string header_value(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const HttpHeader& header : headers) {
    if (header.name == name) return header.value;
  }
  return {};
}

// Every difference between our signing and botocore's, empty when they agree.
std::string differences(const json& botocore, const RequestToSign& request,
                        const SignedParts& ours) {
  std::ostringstream out;
  const auto compare = [&](std::string_view what, const std::string& mine, const json& theirs) {
    if (mine != theirs.get<std::string>()) {
      out << what << "\n  bulkqa:   " << json(mine).dump() << "\n  botocore: " << theirs.dump()
          << "\n";
    }
  };
  if (!is_unsigned_payload(botocore))
    compare("body hash", request.payload_hash, botocore.at("body_sha256"));
  compare("canonical request", ours.canonical_request, botocore.at("canonical_request"));
  compare("string to sign", ours.string_to_sign, botocore.at("string_to_sign"));
  compare("signature", ours.signature, botocore.at("signature"));
  compare("Authorization", header_value(ours.headers, "Authorization"),
          botocore.at("authorization"));
  compare("X-Amz-Date", header_value(ours.headers, "X-Amz-Date"), botocore.at("x_amz_date"));
  compare("X-Amz-Security-Token", header_value(ours.headers, "X-Amz-Security-Token"),
          botocore.at("x_amz_security_token"));
  compare("X-Amz-Content-Sha256", header_value(ours.headers, "X-Amz-Content-Sha256"),
          botocore.at("x_amz_content_sha256"));
  return out.str();
}

struct Coverage {
  int s3 = 0;
  int dynamodb = 0;
  int session_tokens = 0;
  int unsigned_payloads = 0;
};

class SigV4BotocoreAgreement : public ::testing::TestWithParam<unsigned> {};

TEST_P(SigV4BotocoreAgreement, EveryRandomRequestSignsIdentically) {
  std::istringstream lines(run_script(GetParam()));
  Coverage coverage;
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    const json botocore = json::parse(line);
    const RequestToSign request = request_from(botocore);
    const SignedParts ours = sign(request, params_from(botocore));
    const std::string mismatch = differences(botocore, request, ours);
    ASSERT_TRUE(mismatch.empty()) << "seed " << GetParam() << ", request " << botocore.at("index")
                                  << " differs:\n"
                                  << mismatch << "the request as botocore signed it:\n"
                                  << botocore.dump(2);
    ++checked;
    if (botocore.at("service") == "s3") {
      ++coverage.s3;
    } else {
      ++coverage.dynamodb;
    }
    coverage.session_tokens += botocore.at("session_token") != "";
    coverage.unsigned_payloads += is_unsigned_payload(botocore);
  }
  EXPECT_EQ(checked, kRequestsPerSeed);
  // The generator must actually reach the variants it was written for.
  EXPECT_GT(coverage.s3, 0);
  EXPECT_GT(coverage.dynamodb, 0);
  EXPECT_GT(coverage.session_tokens, 0);
  EXPECT_GT(coverage.unsigned_payloads, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, SigV4BotocoreAgreement, ::testing::Values(1u, 2u, 20240309u),
                         [](const auto& info) { return "seed" + std::to_string(info.param); });

// What botocore and bulkqa must agree on in a URL: everything before '?' exactly, and the query's
// encoded name=value pieces in any order (botocore keeps them in insertion order, bulkqa sorts).
struct UrlParts {
  std::string before_query;
  std::vector<std::string> query;
  bool operator==(const UrlParts&) const = default;
};

UrlParts url_parts(const std::string& url) {
  const std::size_t mark = url.find('?');
  UrlParts parts{url.substr(0, mark), {}};
  std::istringstream query(mark == std::string::npos ? "" : url.substr(mark + 1));
  for (std::string piece; std::getline(query, piece, '&');) parts.query.push_back(piece);
  std::sort(parts.query.begin(), parts.query.end());
  return parts;
}

std::ostream& operator<<(std::ostream& out, const UrlParts& parts) {
  out << parts.before_query;
  for (const auto& piece : parts.query) out << "\n  " << piece;
  return out;
}

AwsConfig config_from(const json& botocore) {
  AwsConfig config;
  config.region = botocore.at("region").get<std::string>();
  config.s3 = parse_endpoint(botocore.at("endpoint_url").get<std::string>(), "botocore").value();
  config.s3_path_style = botocore.at("path_style").get<bool>();
  config.credentials = {botocore.at("access_key_id").get<std::string>(),
                        botocore.at("secret_access_key").get<std::string>(),
                        botocore.at("session_token").get<std::string>()};
  return config;
}

struct PresignCoverage {
  int virtual_hosted = 0;
  int path_style = 0;
  int base_paths = 0;
  int session_tokens = 0;
};

class PresignedUrlBotocoreAgreement : public ::testing::TestWithParam<unsigned> {};

TEST_P(PresignedUrlBotocoreAgreement, EveryRandomGetObjectUrlIsBotocores) {
  std::istringstream lines(run_script(GetParam(), kPresignedUrlsPerSeed, " --presign"));
  HttpClient http;
  PresignCoverage coverage;
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    const json botocore = json::parse(line);
    const AwsConfig config = config_from(botocore);
    const std::chrono::system_clock::time_point time{
        std::chrono::seconds{botocore.at("epoch_seconds").get<long long>()} +
        std::chrono::microseconds{botocore.at("microseconds").get<long long>()}};
    auto url =
        S3Client(config, http)
            .presigned_get_url(botocore.at("bucket").get<std::string>(),
                               botocore.at("key").get<std::string>(),
                               std::chrono::seconds(botocore.at("expires").get<int>()), time);
    ASSERT_TRUE(url.ok()) << url.error().describe();
    ASSERT_EQ(url_parts(*url), url_parts(botocore.at("url").get<std::string>()))
        << "seed " << GetParam() << ", URL " << botocore.at("index") << " differs:\n"
        << botocore.dump(2);
    ++checked;
    ++(config.s3_path_style ? coverage.path_style : coverage.virtual_hosted);
    coverage.base_paths += !config.s3.base_path.empty();
    coverage.session_tokens += !config.credentials.session_token.empty();
  }
  EXPECT_EQ(checked, kPresignedUrlsPerSeed);
  EXPECT_GT(coverage.virtual_hosted, 0);
  EXPECT_GT(coverage.path_style, 0);
  EXPECT_GT(coverage.base_paths, 0);
  EXPECT_GT(coverage.session_tokens, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, PresignedUrlBotocoreAgreement, ::testing::Values(1u, 2u, 20261202u),
                         [](const auto& info) { return "seed" + std::to_string(info.param); });

}  // namespace
}  // namespace bulkqa::aws
