// Where and as whom to call AWS, read once from the environment at start-up into a plain struct.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "bulkqa/aws/credentials.hpp"
#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

// A service's base URL split into the parts that signing and URL building need.
struct Endpoint {
  std::string scheme;     // "https" or "http"
  std::string authority;  // host[:port], as sent in the Host header
  std::string base_path;  // "" or a path prefix without trailing slash, e.g. "/proxy"

  std::string url() const { return scheme + "://" + authority + base_path; }
};

// Parses "scheme://host[:port][/path]"; errors name the variable the text came from.
Result<Endpoint> parse_endpoint(std::string_view url, std::string_view source);

struct AwsConfig {
  Credentials credentials;
  // When set, the clients sign with what it holds at each call instead of `credentials`.
  std::shared_ptr<CredentialSource> credential_source;
  std::string region;
  Endpoint s3;
  Endpoint dynamodb;
  Endpoint sts;
  Endpoint cloudformation;
  // S3 addressing: true puts the bucket in the path (always with an endpoint override),
  // false in the host name (real AWS).
  bool s3_path_style = false;
};

// Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION or
// AWS_DEFAULT_REGION, and the endpoint overrides AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_CLOUDFORMATION, AWS_ENDPOINT_URL. Errors name the
// missing or malformed variable.
Result<AwsConfig> aws_config_from_environment();

// For a long-running process on AWS (the review portal): the region by resolve_region(), the
// endpoints as aws_config_from_environment() finds them, and credential_source set to
// `credentials` (default_credential_chain() when null), which no call here asks yet.
Result<AwsConfig> aws_config_from_credential_chain(
    std::shared_ptr<CredentialSource> credentials = nullptr,
    const EnvironmentLookup& environment = process_environment);

// What the clients sign with: config.credential_source, else config.credentials.
std::shared_ptr<CredentialSource> credential_source_of(const AwsConfig& config);

}  // namespace bulkqa::aws
