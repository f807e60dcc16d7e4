#include "bulkqa/lambda/runtime.hpp"

#include <curl/curl.h>
#include <cxxabi.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <typeinfo>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/util/error.hpp"
#include "bulkqa/util/log.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::lambda {

std::chrono::milliseconds InvocationRequest::remaining_time() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                               std::chrono::system_clock::now());
}

InvocationResponse InvocationResponse::ok(std::string json_payload) {
  return InvocationResponse{std::move(json_payload), true};
}

InvocationResponse InvocationResponse::failure(const std::string& error_message,
                                               const std::string& error_type) {
  const nlohmann::json body = {{"errorMessage", error_message}, {"errorType", error_type}};
  return InvocationResponse{body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                            false};
}

namespace {

constexpr const char* kEndpointVariable = "AWS_LAMBDA_RUNTIME_API";
constexpr const char* kTraceIdVariable = "_X_AMZN_TRACE_ID";
constexpr const char* kApiVersion = "/2018-06-01";

struct HttpReply {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  bool succeeded() const { return status >= 200 && status < 300; }
  std::string header(const std::string& lower_case_name) const {
    const auto found = headers.find(lower_case_name);
    return found == headers.end() ? std::string() : found->second;
  }
};

// A header value must stay on one line, whatever an error type holds.
std::string single_line(std::string text) {
  std::replace_if(text.begin(), text.end(), is_ascii_control, ' ');
  return text;
}

size_t collect_body(char* data, size_t size, size_t count, void* reply) {
  static_cast<HttpReply*>(reply)->body.append(data, size * count);
  return size * count;
}

size_t collect_header(char* data, size_t size, size_t count, void* reply) {
  const std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    static_cast<HttpReply*>(reply)->headers[to_ascii_lower(line.substr(0, colon))] =
        std::string(trim_whitespace(line.substr(colon + 1)));
  }
  return size * count;
}

void free_header_list(curl_slist* list) {
  curl_slist_free_all(list);
}
using HeaderList = std::unique_ptr<curl_slist, decltype(&free_header_list)>;

// One curl easy handle for the life of the runtime, so the connection to the Runtime API is
// reused from one call to the next.
class RuntimeApiClient {
 public:
  explicit RuntimeApiClient(const std::string& endpoint)
      : base_url_("http://" + endpoint + kApiVersion) {
    static std::once_flag curl_initialised;
    std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_ = curl_easy_init();
  }
  ~RuntimeApiClient() { curl_easy_cleanup(curl_); }
  RuntimeApiClient(const RuntimeApiClient&) = delete;
  RuntimeApiClient& operator=(const RuntimeApiClient&) = delete;

  Result<HttpReply> get(const std::string& path) {
    prepare(path);
    return perform(HeaderList(nullptr, &free_header_list));
  }

  Result<HttpReply> post(const std::string& path, const std::string& body,
                         const std::optional<std::string>& error_type = std::nullopt) {
    prepare(path);
    HeaderList headers(curl_slist_append(nullptr, "Content-Type: application/json"),
                       &free_header_list);
    // Without this libcurl would wait for a "100 Continue" before sending larger bodies.
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    if (error_type) {
      const std::string line = "Lambda-Runtime-Function-Error-Type: " + single_line(*error_type);
      headers.reset(curl_slist_append(headers.release(), line.c_str()));
    }
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    return perform(std::move(headers));
  }

 private:
  // curl_easy_reset keeps the handle's open connections, only the options are cleared.
  void prepare(const std::string& path) {
    curl_easy_reset(curl_);
    url_ = base_url_ + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    // The Runtime API is always direct, whatever proxy the environment names.
    curl_easy_setopt(curl_, CURLOPT_PROXY, "");
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    // No overall timeout: /invocation/next long-polls until an event arrives.
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, collect_header);
  }

  Result<HttpReply> perform(HeaderList headers) {
    HttpReply reply;
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply);
    if (headers) curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers.get());
    const CURLcode code = curl_easy_perform(curl_);
    if (code != CURLE_OK) {
      return make_error(errc::kNetworkError, url_ + ": " + curl_easy_strerror(code));
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
  }

  CURL* curl_ = nullptr;
  std::string base_url_;
  std::string url_;
};

std::optional<std::string> runtime_api_endpoint() {
  const char* endpoint = std::getenv(kEndpointVariable);
  if (endpoint == nullptr || *endpoint == '\0') {
    log::error(
        "AWS_LAMBDA_RUNTIME_API is not set: run this program under AWS Lambda or a local "
        "Runtime API host");
    return std::nullopt;
  }
  return std::string(endpoint);
}

std::optional<std::chrono::system_clock::time_point> parse_deadline(const std::string& text) {
  long long epoch_ms = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), epoch_ms);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(epoch_ms));
}

Result<InvocationRequest> next_invocation(RuntimeApiClient& client) {
  auto reply = client.get("/runtime/invocation/next");
  if (!reply) return reply.error();
  if (!reply->succeeded()) {
    return make_error(errc::kRuntimeApiError,
                      "/runtime/invocation/next answered HTTP " + std::to_string(reply->status));
  }
  InvocationRequest request;
  request.request_id = reply->header("lambda-runtime-aws-request-id");
  if (request.request_id.empty()) {
    return make_error(errc::kRuntimeApiError,
                      "/runtime/invocation/next answered without Lambda-Runtime-Aws-Request-Id");
  }
  const std::string deadline_text = reply->header("lambda-runtime-deadline-ms");
  const auto deadline = parse_deadline(deadline_text);
  if (!deadline) {
    return make_error(errc::kRuntimeApiError,
                      "/runtime/invocation/next answered with an invalid "
                      "Lambda-Runtime-Deadline-Ms: '" +
                          deadline_text + "'");
  }
  request.deadline = *deadline;
  request.function_arn = reply->header("lambda-runtime-invoked-function-arn");
  request.xray_trace_id = reply->header("lambda-runtime-trace-id");
  request.payload = std::move(reply->body);
  return request;
}

// The X-Ray SDKs read the trace id from the environment, as they do under the managed runtimes.
void export_trace_id(const std::string& trace_id) {
  if (trace_id.empty()) {
    unsetenv(kTraceIdVariable);
  } else {
    setenv(kTraceIdVariable, trace_id.c_str(), 1);
  }
}

std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(type.name());
}

struct HandlerOutcome {
  InvocationResponse response;
  const char* kind;  // "success", "failure" or "exception", for the log
};

HandlerOutcome call_handler(const Handler& handler, const InvocationRequest& request) {
  try {
    InvocationResponse response = handler(request);
    const char* kind = response.success ? "success" : "failure";
    return {std::move(response), kind};
  } catch (const std::exception& e) {
    return {InvocationResponse::failure(e.what(), type_name(typeid(e))), "exception"};
  } catch (...) {
    return {InvocationResponse::failure("the handler threw something that is not a "
                                        "std::exception",
                                        "UnknownException"),
            "exception"};
  }
}

std::string error_type_of(const InvocationResponse& failure) {
  const auto body = nlohmann::json::parse(failure.payload, nullptr, false);
  if (body.is_object() && body.contains("errorType") && body["errorType"].is_string()) {
    return body["errorType"].get<std::string>();
  }
  return "Unhandled";
}

void post_outcome(RuntimeApiClient& client, const std::string& request_id,
                  const InvocationResponse& response) {
  const std::string base = "/runtime/invocation/" + request_id;
  auto reply = response.success
                   ? client.post(base + "/response", response.payload)
                   : client.post(base + "/error", response.payload, error_type_of(response));
  if (!reply) {
    log::error("posting the invocation result failed", {{"error", reply.error().describe()}});
  } else if (!reply->succeeded()) {
    log::error("the Runtime API refused the invocation result",
               {{"http_status", reply->status}, {"error", reply->body}});
  }
}

void handle_invocation(RuntimeApiClient& client, const Handler& handler,
                       const InvocationRequest& request) {
  log::set_request_id(request.request_id);
  export_trace_id(request.xray_trace_id);
  log::info("invocation start", {{"function_arn", request.function_arn},
                                 {"remaining_ms", request.remaining_time().count()},
                                 {"payload_bytes", request.payload.size()}});
  const auto started = std::chrono::steady_clock::now();
  const HandlerOutcome outcome = call_handler(handler, request);
  const auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  nlohmann::json fields = {{"outcome", outcome.kind}, {"duration_ms", duration.count()}};
  if (!outcome.response.success) fields["error_type"] = error_type_of(outcome.response);
  log::info("invocation end", fields);
  post_outcome(client, request.request_id, outcome.response);
  log::set_request_id("");
}

}  // namespace

int run_handler(const Handler& handler) {
  const auto endpoint = runtime_api_endpoint();
  if (!endpoint) return 1;
  RuntimeApiClient client(*endpoint);
  while (true) {
    auto request = next_invocation(client);
    if (!request) {
      // The host is gone or broken: retrying would only spin, so end and let it restart us.
      log::error("no next invocation from the Runtime API; stopping",
                 {{"error", request.error().describe()}});
      return 1;
    }
    handle_invocation(client, handler, *request);
  }
}

int report_init_error(const std::string& error_message, const std::string& error_type) {
  log::error("initialisation failed", {{"error_type", error_type}, {"error", error_message}});
  const auto endpoint = runtime_api_endpoint();
  if (!endpoint) return 1;
  RuntimeApiClient client(*endpoint);
  const auto body = InvocationResponse::failure(error_message, error_type);
  auto reply = client.post("/runtime/init/error", body.payload, error_type);
  if (!reply) {
    log::error("reporting the init error failed", {{"error", reply.error().describe()}});
  } else if (!reply->succeeded()) {
    log::error("the Runtime API refused the init error", {{"http_status", reply->status}});
  }
  return 1;
}

}  // namespace bulkqa::lambda
