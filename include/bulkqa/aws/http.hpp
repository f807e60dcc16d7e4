// HTTP on libcurl, built for many requests at once: one HttpClient owns a curl multi handle whose
// connection cache outlives each run(), so connections to S3 and DynamoDB are reused across calls.
// The HTTP layer knows nothing of AWS: signing and retry decisions come in through HttpTask.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string url;     // absolute, already percent-encoded; sent as it is (dot segments too)
  std::vector<HttpHeader> headers;
  std::string body;
};

struct HttpResponse {
  long status = 0;
  std::vector<HttpHeader> headers;  // names lower-cased
  std::string body;

  // The first header of that name (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
};

// An HTTP answer, or an Error when none came: "NetworkError" or "Timeout" (retryable), or
// "InvalidRequest" (not retryable) for a URL curl cannot send.
using HttpOutcome = Result<HttpResponse>;

// One logical request, possibly tried several times.
struct HttpTask {
  // Called before every attempt, so that each attempt is freshly signed.
  std::function<HttpRequest()> make_request;
  // After each attempt (1-based count of attempts made): how long to wait before trying again,
  // or nullopt to finish with this outcome. Empty function: never retry.
  std::function<std::optional<std::chrono::milliseconds>(const HttpOutcome&, int attempt)>
      retry_delay;
  // Before every attempt: how long it must wait for its turn under a client-side rate limit (the
  // AWS SDKs' adaptive retry mode), or zero to start now. It is asked again after that wait; the
  // wait is not an attempt. Empty function: never wait.
  std::function<std::chrono::steady_clock::duration()> admission_delay;
};

// Tasks handed over one at a time, so that memory holds only those in flight or waiting, however
// many there are: `next` gives the next task or nullopt when there are no more; `finished` gets
// the final outcome of the index-th task `next` gave (0-based), in whatever order they finish.
struct HttpTaskStream {
  std::function<std::optional<HttpTask>()> next;
  std::function<void(std::size_t index, HttpOutcome outcome)> finished;
};

struct HttpClientOptions {
  std::size_t max_concurrency = 64;  // requests in flight at once (and connections per host)
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{30000};
  std::string ca_file;  // empty: find_ca_bundle() when the client is made
};

// The CA bundle to verify TLS peers with: SSL_CERT_FILE when set and readable, else the first
// readable of the known system locations (Amazon Linux, Debian, others); "" when none is found.
std::string find_ca_bundle();

// Whether `url`, which came from outside (CloudFormation's ResponseURL), may be requested: HTTPS
// to any host, or HTTP to a loopback host (127.0.0.0/8, localhost, [::1]) as local runs and tests
// use; file://, gopher://, ftp:// and any other scheme are refused. libcurl's own parser reads the
// URL, so the scheme and host checked are those curl would use. The Error ("ForbiddenUrl") shows
// only the scheme, host and port: the rest of a pre-signed URL carries its signature.
Status check_untrusted_url(std::string_view url);

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Runs every task to completion, up to max_concurrency in flight, and returns their final
  // outcomes in task order. Retries wait without blocking the other tasks. Tasks still unfinished
  // at `deadline` end with a "Timeout" error. Not thread-safe: one HttpClient per thread.
  std::vector<HttpOutcome> run(std::vector<HttpTask> tasks,
                               std::optional<std::chrono::steady_clock::time_point> deadline = {});

  // Runs the stream's tasks, up to max_concurrency in flight and at most twice that many taken
  // from it and unfinished (in flight, or waiting for a retry or admission). Returns once `next`
  // gave nullopt and every task finished, or at `deadline` (the unfinished tasks end with a
  // "Timeout" error) or when curl itself fails (they end with a "NetworkError"); in those two
  // cases no more tasks are taken, and that error is returned.
  Status run_stream(const HttpTaskStream& stream,
                    std::optional<std::chrono::steady_clock::time_point> deadline = {});

  // One request, one attempt.
  HttpOutcome send(HttpRequest request);

  // Changes max_concurrency (at least 1) for the runs that follow; connections already open stay
  // in the cache up to the new limit.
  void set_max_concurrency(std::size_t max_concurrency);
  std::size_t max_concurrency() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulkqa::aws
