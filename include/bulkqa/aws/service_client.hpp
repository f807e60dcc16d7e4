// The one path every AWS call takes: a ServiceRequest is signed (afresh for each attempt), sent
// through the shared HttpClient with the client's retry policy, and its answer turned into either
// the HTTP response or a typed Error (service, code, message, HTTP status, retryable).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/credentials.hpp"
#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/rate_limiter.hpp"
#include "bulkqa/aws/retry.hpp"
#include "bulkqa/aws/service_codes.hpp"
#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

struct ServiceRequest {
  std::string method;
  std::string path;  // percent-encoded, relative to the endpoint's base path; starts with '/'
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  std::vector<HttpHeader> headers;
  std::string body;
  std::string host_prefix;  // prepended to the endpoint's host: "bucket." for virtual-hosted S3
};

using ServiceOutcome = Result<HttpResponse>;

// A call of the query protocol (STS, IAM, CloudFormation): POST / with `parameters` (Action,
// Version and the operation's own) form-encoded in the body.
ServiceRequest form_post_request(
    const std::vector<std::pair<std::string, std::string>>& parameters);

class ServiceClient {
 public:
  // Each attempt is signed with what `credentials` holds at that moment.
  ServiceClient(std::string service, Endpoint endpoint, std::string region,
                std::shared_ptr<CredentialSource> credentials, HttpClient& http,
                RetryOptions retry = {});
  ServiceClient(std::string service, Endpoint endpoint, std::string region, Credentials credentials,
                HttpClient& http, RetryOptions retry = {});

  ServiceOutcome call(ServiceRequest request);
  // Runs the requests concurrently (up to the HttpClient's limit); outcomes in request order.
  std::vector<ServiceOutcome> call_all(std::vector<ServiceRequest> requests);

  // For callers that stream many requests, of several services, through one
  // HttpClient::run_stream (launch): check_credentials() once first (the source's own error if it
  // has none), then task() performs a request with this client's signing and retries, and
  // outcome() reads what its final HttpOutcome means.
  Status check_credentials();
  HttpTask task(ServiceRequest request);
  ServiceOutcome outcome(HttpOutcome http_outcome) const;

  // Calls still unfinished at the deadline fail with a "Timeout" error.
  void set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
    deadline_ = deadline;
  }
  std::optional<std::chrono::steady_clock::time_point> deadline() const { return deadline_; }

  // A URL that performs `request` (no body, no headers but Host) without credentials of its
  // own until `expires` after `now`, signed with the source's current credentials; S3 requests
  // leave the payload unsigned. `expires` is not limited here: S3Client::presigned_get_url is.
  Result<std::string> presigned_url(
      const ServiceRequest& request, std::chrono::seconds expires,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

  const std::string& service() const { return service_; }

 private:
  RequestToSign request_to_sign(const ServiceRequest& request) const;
  SigningParams signing_params(const Credentials& credentials,
                               std::chrono::system_clock::time_point time) const;
  std::string url_of(const RequestToSign& request,
                     const std::vector<std::pair<std::string, std::string>>& query) const;
  HttpRequest signed_request(const ServiceRequest& request, const Credentials& credentials) const;
  // What one task remembers between its attempts.
  struct TaskState {
    std::optional<AdmissionTicket> ticket;  // the current attempt's, from the rate limiter
    std::optional<Error> last_error;        // the last retry charged, refunded by a success
    int paced_retries = 0;                  // throttled retries the limiter paced, uncharged
  };
  std::optional<std::chrono::milliseconds> retry_delay(const HttpOutcome& outcome, int attempts,
                                                       TaskState& state);

  std::string service_;
  Endpoint endpoint_;
  std::string region_;
  std::shared_ptr<CredentialSource> credentials_;
  HttpClient& http_;
  RetryPolicy retry_;
  RateLimiter limiter_;  // this service's rate, found from its throttles
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  Credentials last_credentials_;  // the last the source gave; signs when it fails later
};

// The typed error in a failed answer: DynamoDB's JSON ({"__type", "message"}) or the XML that S3,
// STS, IAM and moto's authentication layer send (<Error><Code>…</Code><Message>…</Message>).
Error parse_service_error(std::string_view service, const HttpResponse& response);

// An error found in the response, if any: every status >= 300, and the HTTP 200 answers in which
// S3 reports a failure in the body (CopyObject, CompleteMultipartUpload).
std::optional<Error> error_in_response(std::string_view service, const HttpResponse& response);

// Throttling and transient error codes that the AWS SDKs retry.
bool is_retryable_error_code(std::string_view code);

// Whether the service said it is asked too often: a throttling code (SlowDown,
// ProvisionedThroughputExceededException, ...) or HTTP 429; not a bare 503.
bool is_throttling_error(const Error& error);

// HTTP statuses worth another attempt whatever the body says: server errors (5xx) and 429 Too
// Many Requests. Also the rule for plain HTTP calls, such as a PUT to a pre-signed URL.
bool is_retryable_status(long status);

}  // namespace bulkqa::aws
