#include "bulkqa/local/runtime_api.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>
#include <unordered_map>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bulkqa/local/http_server_thread.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::local {
namespace {

constexpr const char* kLocalHost = "127.0.0.1";
constexpr auto kHangUpCheckInterval = std::chrono::milliseconds(100);
// One function process keeps one connection for as many invocations as it serves.
constexpr size_t kRequestsPerConnection = 100000;

struct Invocation {
  std::string request_id;
  std::string trace_id;
  std::string function_arn;
  std::string event_json;
  std::chrono::system_clock::time_point deadline;
  std::optional<InvokeResult> result;  // set once the function posts its answer
};

InvokeResult refused(std::string error_type, std::string error_message) {
  InvokeResult result;
  result.error_type = std::move(error_type);
  result.error_message = std::move(error_message);
  return result;
}

std::optional<InvokeResult> invalid_request(const std::string& event_json,
                                            const std::string& function_arn) {
  if (!nlohmann::json::accept(event_json)) {
    return refused("InvalidRequestContentException", "the event is not valid JSON");
  }
  if (contains_ascii_control(function_arn)) {
    return refused("InvalidParameterValueException",
                   "the function ARN holds a control character: '" + function_arn + "'");
  }
  return std::nullopt;
}

// The body of /invocation/{id}/error and /init/error: {"errorMessage","errorType"}, with the
// error type header as the fallback, as Lambda reads it.
InvokeResult reported_error(const httplib::Request& request) {
  InvokeResult result;
  const auto body = nlohmann::json::parse(request.body, nullptr, false);
  const auto text_field = [&body](const char* name) -> std::optional<std::string> {
    if (body.is_object() && body.contains(name) && body[name].is_string()) {
      return body[name].get<std::string>();
    }
    return std::nullopt;
  };
  result.error_type = text_field("errorType")
                          .value_or(request.get_header_value("Lambda-Runtime-Function-Error-Type"));
  if (result.error_type.empty()) result.error_type = "Unhandled";
  result.error_message = text_field("errorMessage").value_or(request.body);
  return result;
}

void answer_error(httplib::Response& response, int status, const std::string& error_type,
                  const std::string& error_message) {
  response.status = status;
  const nlohmann::json body = {{"errorType", error_type}, {"errorMessage", error_message}};
  response.set_content(body.dump(), "application/json");
}

void answer_accepted(httplib::Response& response) {
  response.status = 202;
  response.set_content(R"({"status":"OK"})", "application/json");
}

// cpp-httplib 0.11 does not tell a handler that its client hung up, so a function process that
// dies while waiting in /invocation/next would leave a wait behind that takes, and loses, the next
// invocation. The handler's connection is found among this process's sockets by its two ports.
bool client_still_connected(const httplib::Request& request) {
  std::error_code listing_error;
  std::filesystem::directory_iterator entry("/proc/self/fd", listing_error);
  // Without /proc there is no telling; assume the caller is still there.
  if (listing_error) return true;
  for (; !listing_error && entry != std::filesystem::directory_iterator();
       entry.increment(listing_error)) {
    const std::string name = entry->path().filename().string();
    int fd = -1;
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc()) continue;
    sockaddr_in peer{};
    sockaddr_in local{};
    socklen_t peer_size = sizeof peer;
    socklen_t local_size = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0 ||
        peer.sin_family != AF_INET || ntohs(peer.sin_port) != request.remote_port ||
        ntohs(local.sin_port) != request.local_port) {
      continue;
    }
    pollfd probe{fd, POLLRDHUP, 0};
    return poll(&probe, 1, 0) == 0 || (probe.revents & (POLLRDHUP | POLLHUP | POLLERR)) == 0;
  }
  return false;
}

// Counts a handler waiting in /invocation/next for as long as it waits; used with the mutex held.
class WaitCount {
 public:
  explicit WaitCount(std::size_t& count) : count_(count) { ++count_; }
  ~WaitCount() { --count_; }
  WaitCount(const WaitCount&) = delete;
  WaitCount& operator=(const WaitCount&) = delete;

 private:
  std::size_t& count_;
};

long long epoch_milliseconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace

struct LocalRuntimeApi::Impl {
  httplib::Server server;
  std::unique_ptr<HttpServerThread> serving;

  mutable std::mutex mutex;
  std::condition_variable invocation_queued;
  std::condition_variable invocation_answered;
  std::deque<std::shared_ptr<Invocation>> queued;
  std::unordered_map<std::string, std::shared_ptr<Invocation>> in_flight;
  std::optional<InvokeResult> init_error;
  std::size_t waiting_for_next = 0;
  bool stopping = false;
  std::optional<InvokeResult> failure;  // set by fail_all: every invocation ends with it
  std::mt19937_64 random{std::random_device{}()};

  Status listen();
  void route();
  void stop();

  void serve_next(const httplib::Request& request, httplib::Response& response);
  void accept_answer(const std::string& request_id, InvokeResult result,
                     httplib::Response& response);
  void forget(const std::shared_ptr<Invocation>& invocation);

  std::string random_hex(int digits);
  std::string new_request_id();
  std::string new_trace_id();
};

Status LocalRuntimeApi::Impl::listen() {
  // Children spawned by this process must not inherit the listening socket.
  server.set_socket_options([](socket_t socket) {
    httplib::default_socket_options(socket);
    fcntl(socket, F_SETFD, FD_CLOEXEC);
  });
  server.set_keep_alive_max_count(kRequestsPerConnection);
  // Headers and body go out in separate writes; Nagle would hold the body for the peer's ACK.
  server.set_tcp_nodelay(true);
  route();
  auto started = HttpServerThread::start(server, kLocalHost, 0);
  if (!started) return started.error();
  serving = std::move(*started);
  return {};
}

void LocalRuntimeApi::Impl::route() {
  server.Get("/2018-06-01/runtime/invocation/next",
             [this](const httplib::Request& request, httplib::Response& response) {
               serve_next(request, response);
             });
  server.Post("/2018-06-01/runtime/invocation/([^/]+)/response",
              [this](const httplib::Request& request, httplib::Response& response) {
                InvokeResult result;
                result.ok = true;
                result.payload = request.body;
                accept_answer(request.matches[1], std::move(result), response);
              });
  server.Post("/2018-06-01/runtime/invocation/([^/]+)/error",
              [this](const httplib::Request& request, httplib::Response& response) {
                accept_answer(request.matches[1], reported_error(request), response);
              });
  server.Post("/2018-06-01/runtime/init/error",
              [this](const httplib::Request& request, httplib::Response& response) {
                {
                  std::lock_guard lock(mutex);
                  init_error = reported_error(request);
                }
                answer_accepted(response);
              });
}

void LocalRuntimeApi::Impl::stop() {
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  invocation_queued.notify_all();
  serving.reset();
}

void LocalRuntimeApi::Impl::serve_next(const httplib::Request& request,
                                       httplib::Response& response) {
  std::unique_lock lock(mutex);
  const WaitCount counted(waiting_for_next);
  while (true) {
    if (stopping) {
      answer_error(response, 503, "ServiceUnavailable", "the local Runtime API is shutting down");
      return;
    }
    // An invocation handed to a caller that has gone would be lost.
    if (!client_still_connected(request)) return;
    if (!queued.empty()) break;
    invocation_queued.wait_for(lock, kHangUpCheckInterval);
  }
  std::shared_ptr<Invocation> invocation = std::move(queued.front());
  queued.pop_front();
  in_flight[invocation->request_id] = invocation;
  response.set_header("Lambda-Runtime-Aws-Request-Id", invocation->request_id);
  response.set_header("Lambda-Runtime-Deadline-Ms",
                      std::to_string(epoch_milliseconds(invocation->deadline)));
  response.set_header("Lambda-Runtime-Invoked-Function-Arn", invocation->function_arn);
  response.set_header("Lambda-Runtime-Trace-Id", invocation->trace_id);
  response.set_content(invocation->event_json, "application/json");
}

void LocalRuntimeApi::Impl::accept_answer(const std::string& request_id, InvokeResult result,
                                          httplib::Response& response) {
  {
    std::lock_guard lock(mutex);
    const auto found = in_flight.find(request_id);
    if (found == in_flight.end()) {
      answer_error(response, 404, "InvalidRequestID",
                   "no invocation in flight has the request id '" + request_id + "'");
      return;
    }
    result.request_id = request_id;
    result.trace_id = found->second->trace_id;
    found->second->result = std::move(result);
    in_flight.erase(found);
  }
  invocation_answered.notify_all();
  answer_accepted(response);
}

// Called with the mutex held, for an invocation that timed out: whether still queued or handed
// out, it is no longer expected.
void LocalRuntimeApi::Impl::forget(const std::shared_ptr<Invocation>& invocation) {
  queued.erase(std::remove(queued.begin(), queued.end(), invocation), queued.end());
  in_flight.erase(invocation->request_id);
}

// Called with the mutex held.
std::string LocalRuntimeApi::Impl::random_hex(int digits) {
  std::string text;
  std::uniform_int_distribution<int> digit(0, 15);
  for (int i = 0; i < digits; ++i) text += "0123456789abcdef"[digit(random)];
  return text;
}

// A version 4 UUID, the shape of Lambda's request ids.
std::string LocalRuntimeApi::Impl::new_request_id() {
  const std::string variant(1, "89ab"[std::uniform_int_distribution<int>(0, 3)(random)]);
  return random_hex(8) + "-" + random_hex(4) + "-4" + random_hex(3) + "-" + variant +
         random_hex(3) + "-" + random_hex(12);
}

// The X-Ray header Lambda passes: Root=1-<epoch seconds, hex>-<96 random bits>.
std::string LocalRuntimeApi::Impl::new_trace_id() {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  char epoch_hex[9];
  std::snprintf(epoch_hex, sizeof epoch_hex, "%08llx",
                static_cast<unsigned long long>(seconds.count()) & 0xffffffffULL);
  return "Root=1-" + std::string(epoch_hex) + "-" + random_hex(24) + ";Parent=" + random_hex(16) +
         ";Sampled=0";
}

Result<std::unique_ptr<LocalRuntimeApi>> LocalRuntimeApi::start() {
  auto impl = std::make_unique<Impl>();
  if (auto listening = impl->listen(); !listening) return listening.error();
  return std::unique_ptr<LocalRuntimeApi>(new LocalRuntimeApi(std::move(impl)));
}

LocalRuntimeApi::LocalRuntimeApi(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LocalRuntimeApi::~LocalRuntimeApi() {
  impl_->stop();
}

std::string LocalRuntimeApi::endpoint() const {
  return std::string(kLocalHost) + ":" + std::to_string(impl_->serving->port());
}

InvokeResult LocalRuntimeApi::invoke(std::string event_json, std::chrono::milliseconds timeout,
                                     std::string function_arn) {
  if (auto refusal = invalid_request(event_json, function_arn)) return *refusal;
  const auto wait_limit = std::chrono::steady_clock::now() + timeout;
  auto invocation = std::make_shared<Invocation>();
  invocation->function_arn = std::move(function_arn);
  invocation->event_json = std::move(event_json);
  invocation->deadline = std::chrono::system_clock::now() + timeout;

  std::unique_lock lock(impl_->mutex);
  invocation->request_id = impl_->new_request_id();
  invocation->trace_id = impl_->new_trace_id();
  if (impl_->failure) {
    InvokeResult result = *impl_->failure;
    result.request_id = invocation->request_id;
    result.trace_id = invocation->trace_id;
    return result;
  }
  impl_->queued.push_back(invocation);
  // All of them: a wait whose caller has hung up takes the wake-up and leaves.
  impl_->invocation_queued.notify_all();
  const bool answered = impl_->invocation_answered.wait_until(
      lock, wait_limit, [&invocation] { return invocation->result.has_value(); });
  if (answered) return std::move(*invocation->result);

  impl_->forget(invocation);
  InvokeResult result = refused("Sandbox.Timedout",
                                "Task timed out after " + std::to_string(timeout.count()) + " ms");
  result.timed_out = true;
  result.request_id = invocation->request_id;
  result.trace_id = invocation->trace_id;
  return result;
}

void LocalRuntimeApi::fail_all(std::string error_type, std::string error_message) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->failure = refused(std::move(error_type), std::move(error_message));
    const auto end_with_failure = [this](const std::shared_ptr<Invocation>& invocation) {
      invocation->result = *impl_->failure;
      invocation->result->request_id = invocation->request_id;
      invocation->result->trace_id = invocation->trace_id;
    };
    for (const auto& invocation : impl_->queued) end_with_failure(invocation);
    for (const auto& [request_id, invocation] : impl_->in_flight) end_with_failure(invocation);
    impl_->queued.clear();
    impl_->in_flight.clear();
  }
  impl_->invocation_answered.notify_all();
}

std::size_t LocalRuntimeApi::waiting_functions() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->waiting_for_next;
}

std::optional<InvokeResult> LocalRuntimeApi::init_error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->init_error;
}

}  // namespace bulkqa::local
