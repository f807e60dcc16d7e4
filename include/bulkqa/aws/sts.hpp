// STS AssumeRole over the query protocol (POST / with Action=AssumeRole, signed like every other
// call): temporary credentials for a role, kept per role until shortly before they expire.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/credentials.hpp"
#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/retry.hpp"
#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

// "2024-05-01T12:34:56Z", with or without fractional seconds, as a point in UTC. Errors (code
// "InvalidTimestamp") quote the text.
Result<std::chrono::system_clock::time_point> parse_utc_timestamp(std::string_view text);

// The credentials in an AssumeRole answer
// (<AssumeRoleResponse><AssumeRoleResult><Credentials>…). Errors (code "InvalidResponse") name
// the missing or malformed element.
Result<TemporaryCredentials> parse_assume_role_response(std::string_view xml);

class StsClient {
 public:
  StsClient(const AwsConfig& config, HttpClient& http, RetryOptions retry = {});

  // Credentials for `role_arn`: those cached for it while they stay valid beyond
  // now + kCredentialRenewalMargin, else fresh ones from AssumeRole (valid for an hour).
  Result<Credentials> assume_role(
      const std::string& role_arn, const std::string& session_name,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

  ServiceClient& service() { return client_; }

 private:
  ServiceClient client_;
  std::map<std::string, TemporaryCredentials> cache_;
};

}  // namespace bulkqa::aws
