#include "bulkqa/aws/service_client.hpp"

#include <array>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

namespace bulkqa::aws {
namespace {

// The codes with which a service says it is asked too often: the client slows down for them
// (RateLimiter). The AWS SDKs' list.
constexpr std::array kThrottlingCodes = {
    std::string_view("Throttling"),
    std::string_view("ThrottlingException"),
    std::string_view("ThrottledException"),
    std::string_view("RequestThrottledException"),
    std::string_view("TooManyRequestsException"),
    std::string_view("ProvisionedThroughputExceededException"),
    std::string_view("TransactionInProgressException"),
    std::string_view("RequestLimitExceeded"),
    std::string_view("BandwidthLimitExceeded"),
    std::string_view("LimitExceededException"),
    std::string_view("RequestThrottled"),
    std::string_view("SlowDown"),
    std::string_view("PriorRequestNotComplete"),
};

// Transient failures, retried without slowing down.
constexpr std::array kTransientCodes = {
    std::string_view("RequestTimeout"),     std::string_view("RequestTimeoutException"),
    service_code::kInternalError,           std::string_view("InternalServerError"),
    std::string_view("ServiceUnavailable"),
};

bool is_one_of(std::string_view code, const auto& codes) {
  for (auto listed : codes) {
    if (code == listed) return true;
  }
  return false;
}

// DynamoDB's "__type" is "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException".
std::string strip_type_namespace(const std::string& type) {
  const auto hash = type.rfind('#');
  return hash == std::string::npos ? type : type.substr(hash + 1);
}

bool parse_json_error(const std::string& body, Error& error) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return false;
  for (const char* field : {"__type", "code", "Code"}) {
    if (json.contains(field) && json[field].is_string()) {
      error.code = strip_type_namespace(json[field].get<std::string>());
      break;
    }
  }
  for (const char* field : {"message", "Message"}) {
    if (json.contains(field) && json[field].is_string()) {
      error.message = json[field].get<std::string>();
      break;
    }
  }
  return !error.code.empty();
}

bool parse_xml_error(const std::string& body, Error& error) {
  pugi::xml_document document;
  if (!document.load_buffer(body.data(), body.size())) return false;
  // <Error> is the root for S3 and nested in <ErrorResponse>/<Errors> for the query protocols.
  const auto error_node = document.select_node("//Error").node();
  if (!error_node) return false;
  error.code = error_node.child_value("Code");
  error.message = error_node.child_value("Message");
  if (const char* key = error_node.child_value("Key"); *key != '\0') {
    error.message += error.message.empty() ? "" : " ";
    error.message += std::string("(key '") + key + "')";
  }
  return !error.code.empty();
}

std::string code_for_status(long status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 403:
      return "AccessDenied";
    case 404:
      return "NotFound";
    case 429:
      return "TooManyRequests";
    case 500:
      return std::string(service_code::kInternalError);
    case 503:
      return "ServiceUnavailable";
    default:
      return std::string(errc::kHttpError);
  }
}

}  // namespace

ServiceRequest form_post_request(
    const std::vector<std::pair<std::string, std::string>>& parameters) {
  ServiceRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = canonical_query_string(parameters);
  return request;
}

bool is_retryable_error_code(std::string_view code) {
  return is_one_of(code, kThrottlingCodes) || is_one_of(code, kTransientCodes);
}

bool is_throttling_error(const Error& error) {
  // As the SDKs read it: the throttling codes (S3's 503 SlowDown among them) and 429. A 503 that
  // names no throttling code (ServiceUnavailable) is a transient failure: slowing the whole client
  // for it would let a few server errors drag a launch down to the limiter's floor.
  return is_one_of(error.code, kThrottlingCodes) || error.http_status == 429;
}

bool is_retryable_status(long status) {
  return status >= 500 || status == 429;
}

Error parse_service_error(std::string_view service, const HttpResponse& response) {
  Error error;
  error.service = std::string(service);
  error.http_status = response.status;
  if (!parse_json_error(response.body, error) && !parse_xml_error(response.body, error)) {
    error.code = code_for_status(response.status);
    error.message = response.body.substr(0, 200);
  }
  error.retryable = is_retryable_status(response.status) || is_retryable_error_code(error.code);
  return error;
}

std::optional<Error> error_in_response(std::string_view service, const HttpResponse& response) {
  if (response.status >= 300) return parse_service_error(service, response);
  // S3 may answer 200 and put <Error> in the body when a copy fails midway. Such a body is small;
  // the cheap prefix test keeps large GetObject bodies from being parsed as XML.
  if (service == "s3" && response.body.size() < 64 * 1024 &&
      response.body.substr(0, 256).find("<Error>") != std::string::npos) {
    Error error = parse_service_error(service, response);
    error.retryable = error.retryable || error.code == service_code::kInternalError;
    return error;
  }
  return std::nullopt;
}

ServiceClient::ServiceClient(std::string service, Endpoint endpoint, std::string region,
                             std::shared_ptr<CredentialSource> credentials, HttpClient& http,
                             RetryOptions retry)
    : service_(std::move(service)),
      endpoint_(std::move(endpoint)),
      region_(std::move(region)),
      credentials_(std::move(credentials)),
      http_(http),
      retry_(retry) {}

ServiceClient::ServiceClient(std::string service, Endpoint endpoint, std::string region,
                             Credentials credentials, HttpClient& http, RetryOptions retry)
    : ServiceClient(std::move(service), std::move(endpoint), std::move(region),
                    std::make_shared<StaticCredentialSource>(std::move(credentials)), http, retry) {
}

RequestToSign ServiceClient::request_to_sign(const ServiceRequest& request) const {
  RequestToSign to_sign;
  to_sign.method = request.method;
  to_sign.host = request.host_prefix + endpoint_.authority;
  to_sign.path = endpoint_.base_path + request.path;
  to_sign.query = request.query;
  to_sign.headers = request.headers;
  return to_sign;
}

SigningParams ServiceClient::signing_params(const Credentials& credentials,
                                            std::chrono::system_clock::time_point time) const {
  const bool is_s3 = service_ == "s3";
  SigningParams params;
  params.service = service_;
  params.region = region_;
  params.credentials = credentials;
  params.time = time;
  params.normalize_path = !is_s3;
  params.encode_path = !is_s3;
  params.add_content_sha256_header = is_s3;
  return params;
}

std::string ServiceClient::url_of(
    const RequestToSign& request,
    const std::vector<std::pair<std::string, std::string>>& query) const {
  std::string url = endpoint_.scheme + "://" + request.host + request.path;
  if (!query.empty()) url += "?" + canonical_query_string(query);
  return url;
}

HttpRequest ServiceClient::signed_request(const ServiceRequest& request,
                                          const Credentials& credentials) const {
  RequestToSign to_sign = request_to_sign(request);
  to_sign.payload_hash = sha256_hex(request.body);
  SignedParts signed_parts =
      sign(to_sign, signing_params(credentials, std::chrono::system_clock::now()));

  HttpRequest http_request;
  http_request.method = request.method;
  http_request.url = url_of(to_sign, request.query);
  http_request.headers = request.headers;
  for (auto& header : signed_parts.headers) http_request.headers.push_back(std::move(header));
  http_request.body = request.body;
  return http_request;
}

Result<std::string> ServiceClient::presigned_url(const ServiceRequest& request,
                                                 std::chrono::seconds expires,
                                                 std::chrono::system_clock::time_point now) const {
  auto credentials = credentials_->credentials();
  if (!credentials) return credentials.error();
  RequestToSign to_sign = request_to_sign(request);
  to_sign.payload_hash = service_ == "s3" ? "UNSIGNED-PAYLOAD" : sha256_hex(request.body);
  const PresignedParts parts = presign(to_sign, signing_params(*credentials, now), expires);
  return url_of(to_sign, parts.query);
}

std::optional<std::chrono::milliseconds> ServiceClient::retry_delay(const HttpOutcome& outcome,
                                                                    int attempts,
                                                                    TaskState& state) {
  std::optional<Error> error;
  if (!outcome) {
    error = outcome.error();
  } else {
    error = error_in_response(service_, *outcome);
  }
  const bool throttled = error && is_throttling_error(*error);
  // An answer tells the limiter about the rate; a failed transfer tells nothing.
  if (outcome && state.ticket) {
    limiter_.on_response(std::chrono::steady_clock::now(), state.ticket->epoch, throttled);
  }
  state.ticket.reset();
  if (error && error->retryable) {
    // While the limiter is finding the rate, a throttle is the service asking for a slower pace,
    // which the limiter now keeps: the retry waits for its turn like every attempt and adds no
    // load beyond what the service allows, so it is neither counted against max_attempts nor
    // charged to the quota. Otherwise the first seconds of a launch faster than the service
    // allows, before the rate is found, would spend the quota and give up requests that the
    // found rate then lets through. What bounds these retries: the limiter's floor (a service
    // that throttles every attempt brings the rate there in seconds, and from then on its
    // throttles count and cost as any failure) and the caller's deadline.
    if (throttled && limiter_.finding_rate()) {
      ++state.paced_retries;
      return retry_.backoff(attempts);
    }
    auto delay = retry_.next_delay(*error, attempts - state.paced_retries);
    state.last_error = std::move(error);
    return delay;
  }
  // An answer that settles the request, a success or a definitive refusal such as a failed
  // condition, shows the service healthy. Without this, repeated refusals (a Ground Truth retry
  // whose votes were counted already) would spend the quota and never earn it back. The refund
  // matches what the retry cost (more after a timeout).
  if (state.last_error) {
    retry_.on_success_after(*state.last_error);
  } else {
    retry_.on_success(false);
  }
  return std::nullopt;
}

Status ServiceClient::check_credentials() {
  auto current = credentials_->credentials();
  if (!current) {
    Error error = current.error();
    error.service = service_;
    return error;
  }
  last_credentials_ = std::move(*current);
  return {};
}

HttpTask ServiceClient::task(ServiceRequest request) {
  HttpTask task;
  task.make_request = [this, request = std::move(request)] {
    // A source that fails now (a refresh that did not go through) leaves the last credentials it
    // gave in use: they are refreshed minutes before they expire.
    if (auto current = credentials_->credentials()) last_credentials_ = std::move(*current);
    return signed_request(request, last_credentials_);
  };
  // Shared by the task's two functions, which the HttpClient calls one after the other.
  auto state = std::make_shared<TaskState>();
  task.admission_delay = [this, state] {
    return limiter_.admission_delay(std::chrono::steady_clock::now(), state->ticket);
  };
  task.retry_delay = [this, state](const HttpOutcome& outcome, int attempts) {
    return retry_delay(outcome, attempts, *state);
  };
  return task;
}

ServiceOutcome ServiceClient::outcome(HttpOutcome http_outcome) const {
  if (!http_outcome) {
    Error error = http_outcome.error();
    error.service = service_;
    return error;
  }
  if (auto error = error_in_response(service_, *http_outcome)) return std::move(*error);
  return http_outcome;
}

std::vector<ServiceOutcome> ServiceClient::call_all(std::vector<ServiceRequest> requests) {
  // Asked once before anything is sent, so that a source without credentials fails the calls
  // with its own error.
  if (Status ready = check_credentials(); !ready) {
    return std::vector<ServiceOutcome>(requests.size(), ServiceOutcome(ready.error()));
  }
  std::vector<HttpTask> tasks;
  tasks.reserve(requests.size());
  for (auto& request : requests) tasks.push_back(task(std::move(request)));
  std::vector<HttpOutcome> outcomes = http_.run(std::move(tasks), deadline_);
  std::vector<ServiceOutcome> results;
  results.reserve(outcomes.size());
  for (auto& outcome_of_task : outcomes) results.push_back(outcome(std::move(outcome_of_task)));
  return results;
}

ServiceOutcome ServiceClient::call(ServiceRequest request) {
  std::vector<ServiceRequest> one;
  one.push_back(std::move(request));
  return std::move(call_all(std::move(one)).front());
}

}  // namespace bulkqa::aws
