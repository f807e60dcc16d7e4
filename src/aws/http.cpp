#include "bulkqa/aws/http.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <new>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include "bulkqa/util/text.hpp"

namespace bulkqa::aws {

namespace {

using Clock = std::chrono::steady_clock;

// Curl reports its own timers to curl_multi_poll, and the run adds its deadline and due retries;
// this bound only keeps an idle wait short if a wake-up were ever missed.
constexpr std::chrono::milliseconds kMaxIdleWait{1000};

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

// Messages name only the host (and port): the rest of a presigned URL carries its signature.
std::string host_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  const auto start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  auto authority = url.substr(start, url.find_first_of("/?#", start) - start);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return std::string(authority);
}

// Whether a host curl parsed names this machine's loopback: "localhost", 127.0.0.0/8, or [::1].
bool is_loopback_host(const std::string& host) {
  if (equals_ignoring_ascii_case(host, "localhost")) return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return host.starts_with('[') && host.ends_with(']') &&
         inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6) == 1 &&
         IN6_IS_ADDR_LOOPBACK(&v6);
}

// One part of a URL curl parsed; "" when it has none.
std::string url_part(CURLU* url, CURLUPart part) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, 0) != CURLUE_OK) return {};
  std::string copy(text);
  curl_free(text);
  return copy;
}

Error forbidden_url(const std::string& shown, const std::string& problem) {
  return make_error("ForbiddenUrl", shown + " is refused: " + problem);
}

bool is_readable_file(const char* path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error) && access(path, R_OK) == 0;
}

// One attempt of one task: an easy handle and everything curl points into while it runs.
struct Transfer {
  explicit Transfer(CURL* handle) : easy(handle) {}
  ~Transfer() {
    curl_slist_free_all(header_list);
    curl_easy_cleanup(easy);
  }
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  CURL* easy;
  curl_slist* header_list = nullptr;
  std::size_t task_index = 0;
  HttpRequest request;
  HttpResponse response;
  std::array<char, CURL_ERROR_SIZE> error_text{};
};

// A body is reserved whole once its Content-Length is known, up to this much: growing a string by
// doubling holds the old and the new buffer at once, twice a large corpus's size at the peak.
constexpr std::size_t kMaxBodyReservation = std::size_t{512} << 20;

// Curl's callbacks are C: an exception must not cross them. Returning a count other than the one
// given makes curl fail the transfer (a NetworkError, retried like any other).
std::size_t append_body(char* data, std::size_t size, std::size_t count, void* response) {
  try {
    static_cast<HttpResponse*>(response)->body.append(data, size * count);
  } catch (const std::bad_alloc&) {
    return 0;
  }
  return size * count;
}

void reserve_body(HttpResponse& response, std::string_view content_length) {
  const std::optional<std::uint64_t> length = parse_unsigned(content_length);
  if (length && *length <= kMaxBodyReservation) {
    response.body.reserve(static_cast<std::size_t>(*length));
  }
}

std::size_t append_header(char* data, std::size_t size, std::size_t count, void* response_ptr) {
  auto& response = *static_cast<HttpResponse*>(response_ptr);
  const std::string_view line(data, size * count);
  try {
    if (line.starts_with("HTTP/")) {
      // A status line starts a new response (after an interim 1xx): only the final one's count.
      response.headers.clear();
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      std::string name = to_ascii_lower(trim_whitespace(line.substr(0, colon)));
      std::string value(trim_whitespace(line.substr(colon + 1)));
      if (name == "content-length") reserve_body(response, value);
      response.headers.push_back({std::move(name), std::move(value)});
    }
  } catch (const std::bad_alloc&) {
    return 0;
  }
  return size * count;
}

curl_slist* append_header_line(curl_slist* list, const std::string& line) {
  curl_slist* extended = curl_slist_append(list, line.c_str());
  if (extended == nullptr) {
    curl_slist_free_all(list);
    throw std::bad_alloc();
  }
  return extended;
}

bool sends_body(const HttpRequest& request) {
  if (request.method == "HEAD") return false;
  return request.method == "POST" || request.method == "PUT" || !request.body.empty();
}

curl_slist* build_header_list(const HttpRequest& request) {
  curl_slist* list = nullptr;
  bool has_content_type = false;
  for (const auto& header : request.headers) {
    has_content_type = has_content_type || equals_ignoring_ascii_case(header.name, "content-type");
    // Curl drops "Name:" with nothing after it; "Name;" is its spelling of an empty value.
    list = append_header_line(
        list, header.value.empty() ? header.name + ";" : header.name + ": " + header.value);
  }
  // No 100-continue round trip before each body: S3 and DynamoDB answer without it.
  list = append_header_line(list, "Expect:");
  // Otherwise curl labels every body as a form post, and S3 would store that as the object type.
  if (sends_body(request) && !has_content_type) list = append_header_line(list, "Content-Type:");
  return list;
}

void set_method_and_body(CURL* easy, const HttpRequest& request) {
  if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (sends_body(request)) {
    // POSTFIELDS sends the body from memory with a Content-Length, whatever the method.
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  } else if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

void configure(Transfer& transfer, const HttpClientOptions& options, const std::string& ca_file) {
  CURL* easy = transfer.easy;
  // A reset handle keeps its connection cache but forgets the previous attempt's options.
  curl_easy_reset(easy);
  transfer.error_text[0] = '\0';
  transfer.header_list = build_header_list(transfer.request);

  curl_easy_setopt(easy, CURLOPT_URL, transfer.request.url.c_str());
  // The path goes out as built and signed: curl would remove dot segments, so that S3 key
  // "./a/1.jpg" became "a/1.jpg" and key "../other/x" of path-style URL "/bucket/../other/x" left
  // its bucket.
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
  // A URL that comes with an event (the ResponseURL) cannot make curl read a file or speak another
  // protocol; redirects, which are not followed, could lead nowhere else either.
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer.header_list);
  set_method_and_body(easy, transfer.request);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
  if (!ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.error_text.data());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer.response);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, append_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer.response);
}

// Failures of the transport, not of the service: another attempt may well succeed.
Error retryable_error(std::string_view code, std::string message) {
  Error error = make_error(code, std::move(message));
  error.retryable = true;
  return error;
}

Error transport_error(CURLcode code, const Transfer& transfer) {
  const std::string detail =
      transfer.error_text[0] != '\0' ? transfer.error_text.data() : curl_easy_strerror(code);
  const std::string host = host_of(transfer.request.url);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return retryable_error(errc::kTimeout, "request to " + host + " timed out: " + detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return make_error(errc::kInvalidRequest, "request to " + host + " cannot be sent: " + detail);
    default:
      return retryable_error(errc::kNetworkError, "request to " + host + " failed: " + detail);
  }
}

Error multi_error(CURLMcode code) {
  return retryable_error(errc::kNetworkError,
                         std::string("curl multi interface failed: ") + curl_multi_strerror(code));
}

Error deadline_error(const std::string& target) {
  return retryable_error(errc::kTimeout,
                         "the deadline passed before the request" + target + " finished");
}

// The multi handle (whose connection cache outlives every run) and the pool of idle transfers.
class CurlSession {
 public:
  explicit CurlSession(HttpClientOptions options)
      : options_(std::move(options)),
        ca_file_(options_.ca_file.empty() ? find_ca_bundle() : options_.ca_file) {
    init_curl_once();
    multi_ = curl_multi_init();
    if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
    set_max_concurrency(options_.max_concurrency);
  }
  ~CurlSession() { curl_multi_cleanup(multi_); }
  CurlSession(const CurlSession&) = delete;
  CurlSession& operator=(const CurlSession&) = delete;

  CURLM* multi() const { return multi_; }
  std::size_t max_concurrency() const { return options_.max_concurrency; }

  void set_max_concurrency(std::size_t max_concurrency) {
    options_.max_concurrency = std::max<std::size_t>(max_concurrency, 1);
    const auto limit = static_cast<long>(options_.max_concurrency);
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, limit);
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, limit);
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, limit);
  }

  std::unique_ptr<Transfer> prepare(std::size_t task_index, HttpRequest request) {
    auto transfer = take_idle_transfer();
    transfer->task_index = task_index;
    transfer->request = std::move(request);
    configure(*transfer, options_, ca_file_);
    return transfer;
  }

  void recycle(std::unique_ptr<Transfer> transfer) {
    curl_slist_free_all(transfer->header_list);
    transfer->header_list = nullptr;
    transfer->request = {};
    transfer->response = {};
    idle_.push_back(std::move(transfer));
  }

 private:
  std::unique_ptr<Transfer> take_idle_transfer() {
    if (idle_.empty()) {
      CURL* easy = curl_easy_init();
      if (easy == nullptr) throw std::bad_alloc();
      return std::make_unique<Transfer>(easy);
    }
    auto transfer = std::move(idle_.back());
    idle_.pop_back();
    return transfer;
  }

  HttpClientOptions options_;
  std::string ca_file_;
  CURLM* multi_ = nullptr;
  // Declared after multi_ so that the easy handles are cleaned up after it, as curl asks.
  std::vector<std::unique_ptr<Transfer>> idle_;
};

// One call of HttpClient::run_stream: the tasks taken from the stream and not yet finished, their
// attempts, the timers of those waiting (for a retry or for admission) and the transfers in flight.
class StreamRun {
 public:
  StreamRun(CurlSession& session, const HttpTaskStream& stream,
            std::optional<Clock::time_point> deadline)
      : session_(session),
        stream_(stream),
        deadline_(deadline),
        max_unfinished_(2 * session.max_concurrency()) {}

  Status run() {
    while (!done()) {
      if (deadline_ && Clock::now() >= *deadline_) return end_unfinished_at_deadline();
      start_ready_tasks(Clock::now());
      int running = 0;
      if (const auto code = curl_multi_perform(session_.multi(), &running); code != CURLM_OK) {
        return end_unfinished_with(multi_error(code));
      }
      collect_finished_transfers();
      if (done()) break;
      const auto wait = idle_wait(Clock::now());
      if (const auto code = curl_multi_poll(session_.multi(), nullptr, 0,
                                            static_cast<int>(wait.count()), nullptr);
          code != CURLM_OK) {
        return end_unfinished_with(multi_error(code));
      }
    }
    return {};
  }

 private:
  struct Unfinished {
    HttpTask task;
    int attempts = 0;
  };
  struct Waiting {
    Clock::time_point due;
    std::size_t task_index;
    bool operator>(const Waiting& other) const { return due > other.due; }
  };

  bool done() const { return exhausted_ && unfinished_.empty(); }
  bool has_free_slot() const { return in_flight_.size() < session_.max_concurrency(); }
  // Taking more tasks than can be in flight lets some wait for a retry or for admission while
  // others run; the bound keeps memory to what is running.
  bool may_take_task() const { return !exhausted_ && unfinished_.size() < max_unfinished_; }

  void start_ready_tasks(Clock::time_point now) {
    while (has_free_slot()) {
      if (!waiting_.empty() && waiting_.top().due <= now) {
        const auto task_index = waiting_.top().task_index;
        waiting_.pop();
        start_when_admitted(task_index);
      } else if (may_take_task()) {
        take_task();
      } else {
        return;
      }
    }
  }

  void take_task() {
    std::optional<HttpTask> task = stream_.next();
    if (!task) {
      exhausted_ = true;
      return;
    }
    const std::size_t task_index = taken_++;
    unfinished_.emplace(task_index, Unfinished{std::move(*task)});
    start_when_admitted(task_index);
  }

  void start_when_admitted(std::size_t task_index) {
    const auto& admission_delay = unfinished_.at(task_index).task.admission_delay;
    if (admission_delay) {
      if (const auto wait = admission_delay(); wait > Clock::duration::zero()) {
        waiting_.push({Clock::now() + wait, task_index});
        return;
      }
    }
    start_attempt(task_index);
  }

  void start_attempt(std::size_t task_index) {
    Unfinished& unfinished = unfinished_.at(task_index);
    ++unfinished.attempts;
    auto transfer = session_.prepare(task_index, unfinished.task.make_request());
    CURL* easy = transfer->easy;
    if (const auto code = curl_multi_add_handle(session_.multi(), easy); code != CURLM_OK) {
      session_.recycle(std::move(transfer));
      settle_attempt(task_index, multi_error(code));
      return;
    }
    in_flight_.emplace(easy, std::move(transfer));
  }

  void collect_finished_transfers() {
    int messages_left = 0;
    while (CURLMsg* message = curl_multi_info_read(session_.multi(), &messages_left)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode result = message->data.result;
      auto transfer = take_in_flight(easy);
      const auto task_index = transfer->task_index;
      settle_attempt(task_index, outcome_of(result, *transfer));
      session_.recycle(std::move(transfer));
    }
  }

  static HttpOutcome outcome_of(CURLcode result, Transfer& transfer) {
    if (result != CURLE_OK) return transport_error(result, transfer);
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &transfer.response.status);
    return std::move(transfer.response);
  }

  std::unique_ptr<Transfer> take_in_flight(CURL* easy) {
    auto node = in_flight_.extract(easy);
    curl_multi_remove_handle(session_.multi(), easy);
    return std::move(node.mapped());
  }

  // The task's retry_delay decides between another attempt later and this outcome as final.
  void settle_attempt(std::size_t task_index, HttpOutcome outcome) {
    const Unfinished& unfinished = unfinished_.at(task_index);
    if (const auto& retry_delay = unfinished.task.retry_delay) {
      if (const auto delay = retry_delay(outcome, unfinished.attempts)) {
        waiting_.push({Clock::now() + *delay, task_index});
        return;
      }
    }
    finish(task_index, std::move(outcome));
  }

  void finish(std::size_t task_index, HttpOutcome outcome) {
    unfinished_.erase(task_index);
    stream_.finished(task_index, std::move(outcome));
  }

  std::chrono::milliseconds idle_wait(Clock::time_point now) const {
    if (has_free_slot() && may_take_task()) return std::chrono::milliseconds{0};
    auto wake_at = now + kMaxIdleWait;
    if (!waiting_.empty()) wake_at = std::min(wake_at, waiting_.top().due);
    if (deadline_) wake_at = std::min(wake_at, *deadline_);
    return std::max(std::chrono::ceil<std::chrono::milliseconds>(wake_at - now),
                    std::chrono::milliseconds{0});
  }

  Error end_unfinished_at_deadline() {
    while (!in_flight_.empty()) {
      auto transfer = take_in_flight(in_flight_.begin()->first);
      const auto task_index = transfer->task_index;
      const std::string target = " to " + host_of(transfer->request.url);
      session_.recycle(std::move(transfer));
      finish(task_index, deadline_error(target));
    }
    return end_unfinished_with(deadline_error(""));
  }

  // Every unfinished task ends with `error`, which the run returns.
  Error end_unfinished_with(Error error) {
    while (!in_flight_.empty()) session_.recycle(take_in_flight(in_flight_.begin()->first));
    while (!unfinished_.empty()) finish(unfinished_.begin()->first, HttpOutcome(error));
    waiting_ = {};
    exhausted_ = true;
    return error;
  }

  CurlSession& session_;
  const HttpTaskStream& stream_;
  std::optional<Clock::time_point> deadline_;
  std::size_t max_unfinished_;
  bool exhausted_ = false;
  std::size_t taken_ = 0;
  std::unordered_map<std::size_t, Unfinished> unfinished_;
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<>> waiting_;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> in_flight_;
};

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& entry : headers) {
    if (equals_ignoring_ascii_case(entry.name, name)) return entry.value;
  }
  return {};
}

std::string find_ca_bundle() {
  if (const char* from_environment = std::getenv("SSL_CERT_FILE");
      from_environment != nullptr && is_readable_file(from_environment)) {
    return from_environment;
  }
  for (const char* known : {"/etc/pki/tls/certs/ca-bundle.crt",
                            "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem"}) {
    if (is_readable_file(known)) return known;
  }
  return {};
}

Status check_untrusted_url(std::string_view url) {
  const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), &curl_url_cleanup);
  if (!parsed) throw std::bad_alloc();
  // Any scheme parses, also one this libcurl was built without (the Lambda packages' knows only
  // HTTP and HTTPS), so that both builds refuse the same URLs for the same reason.
  if (curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(),
                   CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return forbidden_url(quote_value(host_of(url)), "it is not a URL");
  }
  const std::string scheme = url_part(parsed.get(), CURLUPART_SCHEME);
  const std::string host = url_part(parsed.get(), CURLUPART_HOST);
  const std::string port = url_part(parsed.get(), CURLUPART_PORT);
  if (equals_ignoring_ascii_case(scheme, "https") ||
      (equals_ignoring_ascii_case(scheme, "http") && is_loopback_host(host))) {
    return {};
  }
  // Only where it leads: the path and query of a pre-signed URL carry its signature.
  std::string shown = scheme + "://" + host;
  if (!port.empty()) shown += ":" + port;
  return forbidden_url(shown, "only https://, or http:// to a loopback host, may be requested");
}

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions options) : session(std::move(options)) {}
  CurlSession session;
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

Status HttpClient::run_stream(const HttpTaskStream& stream,
                              std::optional<std::chrono::steady_clock::time_point> deadline) {
  return StreamRun(impl_->session, stream, deadline).run();
}

std::vector<HttpOutcome> HttpClient::run(
    std::vector<HttpTask> tasks, std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::vector<std::optional<HttpOutcome>> outcomes(tasks.size());
  std::size_t next = 0;
  const Status ended = run_stream(
      {[&]() -> std::optional<HttpTask> {
         if (next == tasks.size()) return std::nullopt;
         return std::move(tasks[next++]);
       },
       [&](std::size_t index, HttpOutcome outcome) { outcomes[index] = std::move(outcome); }},
      deadline);
  std::vector<HttpOutcome> results;
  results.reserve(outcomes.size());
  for (auto& outcome : outcomes) {
    // Tasks never taken: the run ended at the deadline or on a failure of curl itself.
    results.push_back(outcome ? std::move(*outcome) : HttpOutcome(ended.error()));
  }
  return results;
}

void HttpClient::set_max_concurrency(std::size_t max_concurrency) {
  impl_->session.set_max_concurrency(max_concurrency);
}

std::size_t HttpClient::max_concurrency() const {
  return impl_->session.max_concurrency();
}

HttpOutcome HttpClient::send(HttpRequest request) {
  std::vector<HttpTask> tasks(1);
  tasks.front().make_request = [request = std::move(request)] { return request; };
  return std::move(run(std::move(tasks)).front());
}

}  // namespace bulkqa::aws
