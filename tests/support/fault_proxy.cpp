#include "support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/util/text.hpp"
#include "support/loopback_socket.hpp"
#include "support/service_rate_limit.hpp"

namespace bulkqa::testing {
namespace {

enum class Fault { none, error, throttle, drop_before, drop_after };

MessageHead parse_head(const std::string& head) {
  MessageHead parsed;
  std::size_t line_start = 0;
  while (line_start < head.size()) {
    std::size_t line_end = head.find("\r\n", line_start);
    if (line_end == std::string::npos) line_end = head.size();
    const std::string line = head.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    if (parsed.first_line.empty()) {
      parsed.first_line = line;
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    parsed.headers.emplace_back(to_ascii_lower(line.substr(0, colon)),
                                std::string(trim_blanks(line.substr(colon + 1))));
  }
  return parsed;
}

std::string http_response(int status, const std::string& reason, const std::string& content_type,
                          const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A throttling error (`throttle`) or a server error as the service of the request answers it:
// DynamoDB (JSON, the request names an X-Amz-Target) or S3 (XML). Throttling comes only from
// throttle_above, as a real service throttles above a rate: throttling drawn at random whatever the
// rate would drive a client's adaptive rate limit down to its floor.
std::string injected_error(const MessageHead& request, bool throttle, std::size_t variant) {
  const auto pick = [&](const auto& errors) -> const auto& {
    return errors[variant % std::size(errors)];
  };
  if (request.header("x-amz-target")) {
    static constexpr const char* kThrottles[] = {
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "com.amazon.coral.availability#ThrottlingException",
        "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded"};
    const bool server_error = !throttle;
    return http_response(server_error ? 500 : 400,
                         server_error ? "Internal Server Error" : "Bad Request",
                         "application/x-amz-json-1.0",
                         std::string(R"({"__type":")") +
                             (server_error ? "com.amazonaws.dynamodb.v20120810#InternalServerError"
                                           : pick(kThrottles)) +
                             R"(","message":"injected by the fault proxy"})");
  }
  struct S3Error {
    int status;
    const char* code;
  };
  static constexpr S3Error kServerErrors[] = {{500, "InternalError"}, {503, "ServiceUnavailable"}};
  const S3Error error = throttle ? S3Error{503, "SlowDown"} : pick(kServerErrors);
  return http_response(
      error.status, error.status == 500 ? "Internal Server Error" : "Service Unavailable",
      "application/xml",
      std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>") + error.code +
          "</Code><Message>injected by the fault proxy</Message>" + "</Error>");
}

void close_socket(int& fd) {
  if (fd < 0) return;
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  fd = -1;
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<std::string> MessageHead::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

struct FaultProxy::Impl {
  int listen_fd = -1;
  int port = 0;
  int upstream_port = 0;
  int wake_pipe[2] = {-1, -1};  // written once at shutdown: every poll() then returns

  mutable std::mutex mutex;
  std::condition_variable stopped_changed;
  std::condition_variable held_changed;
  bool stopping = false;
  std::function<bool(const MessageHead&, const std::string&)> hold;
  FaultShares shares;
  std::mt19937_64 random;
  FaultCounts counts;
  std::function<void(std::size_t)> forwarded_callback;
  // The rate limit of throttle_above; none until it is called.
  std::optional<ServiceRateLimit> rate_limit;

  std::thread acceptor;
  std::vector<std::thread> connections;

  // Answering in rounds (answer_in_rounds), under `mutex`.
  std::optional<std::chrono::milliseconds> round_quiet;  // set: answers go out in rounds
  std::condition_variable round_changed;
  std::size_t round_unanswered = 0;  // requests of the current round not answered nor given up
  std::size_t round_ready = 0;       // of those, the answers waiting for the round to go out
  std::uint64_t rounds_sent = 0;
  std::chrono::steady_clock::time_point last_arrival;
  std::vector<std::size_t> round_sizes;  // of the rounds sent since take_rounds()

  // A request's place in the current round, when answering in rounds: await() holds its answer
  // until the round goes out; a request that ends without an answer (dropped, the upstream gone)
  // leaves the round when its ticket goes away.
  class RoundTicket {
   public:
    explicit RoundTicket(Impl& proxy);
    ~RoundTicket();
    RoundTicket(const RoundTicket&) = delete;
    RoundTicket& operator=(const RoundTicket&) = delete;
    void await();

   private:
    Impl& proxy_;
    bool in_round_ = false;
  };

  void accept_loop();
  void serve(int client_fd);
  Fault draw_fault(std::size_t& variant);
  bool over_rate_limit();  // with mutex held
  // Under `lock`: sends the round out when every request has its answer and the quiet has passed.
  void await_round(std::unique_lock<std::mutex>& lock);
};

FaultProxy::Impl::RoundTicket::RoundTicket(Impl& proxy) : proxy_(proxy) {
  std::lock_guard lock(proxy_.mutex);
  if (!proxy_.round_quiet) return;
  in_round_ = true;
  ++proxy_.round_unanswered;
  proxy_.last_arrival = std::chrono::steady_clock::now();
}

FaultProxy::Impl::RoundTicket::~RoundTicket() {
  if (!in_round_) return;
  std::lock_guard lock(proxy_.mutex);
  --proxy_.round_unanswered;
  proxy_.round_changed.notify_all();  // the others may be all that is left of the round
}

void FaultProxy::Impl::RoundTicket::await() {
  if (!in_round_) return;
  in_round_ = false;
  std::unique_lock lock(proxy_.mutex);
  proxy_.await_round(lock);
}

void FaultProxy::Impl::await_round(std::unique_lock<std::mutex>& lock) {
  ++round_ready;
  const std::uint64_t round = rounds_sent;
  round_changed.notify_all();
  while (rounds_sent == round && !stopping) {
    if (round_ready < round_unanswered) {
      round_changed.wait(lock);
      continue;
    }
    const auto due = last_arrival + *round_quiet;
    if (std::chrono::steady_clock::now() < due) {
      round_changed.wait_until(lock, due);
      continue;
    }
    round_sizes.push_back(round_ready);
    round_unanswered = 0;
    round_ready = 0;
    ++rounds_sent;
    round_changed.notify_all();
  }
}

// Reads from one socket into a buffer, giving up when the proxy shuts down.
class SocketReader {
 public:
  SocketReader(int fd, int wake_fd) : fd_(fd), wake_fd_(wake_fd) {}

  // Appends what arrives; false on end of stream, error or shutdown.
  bool read_more() {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) <= 0 || (fds[1].revents & POLLIN) != 0) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  // Takes the bytes up to and including the blank line that ends a message head.
  std::optional<std::string> take_head() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more()) return std::nullopt;
    }
    return take(end + 4);
  }

  std::optional<std::string> take_exactly(std::size_t size) {
    while (buffer_.size() < size) {
      if (!read_more()) return std::nullopt;
    }
    return take(size);
  }

  std::optional<std::string> take_line() {
    std::size_t end;
    while ((end = buffer_.find("\r\n")) == std::string::npos) {
      if (!read_more()) return std::nullopt;
    }
    return take(end + 2);
  }

  std::string take_rest() {
    while (read_more()) {
    }
    return take(buffer_.size());
  }

  bool empty() const { return buffer_.empty(); }

 private:
  std::string take(std::size_t size) {
    std::string taken = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return taken;
  }

  int fd_;
  int wake_fd_;
  std::string buffer_;
};

namespace {

// The upstream's answer, byte for byte, and whether its connection can carry another request.
struct UpstreamResponse {
  std::string bytes;
  bool keep_alive = true;
};

std::optional<std::string> read_chunked_body(SocketReader& reader) {
  std::string body;
  for (;;) {
    auto size_line = reader.take_line();
    if (!size_line) return std::nullopt;
    body += *size_line;
    const std::size_t size = std::stoul(*size_line, nullptr, 16);
    auto chunk = reader.take_exactly(size + 2);
    if (!chunk) return std::nullopt;
    body += *chunk;
    if (size == 0) return body;
  }
}

std::optional<UpstreamResponse> read_response(SocketReader& reader, const std::string& method) {
  auto head_text = reader.take_head();
  if (!head_text) return std::nullopt;
  const MessageHead head = parse_head(*head_text);
  UpstreamResponse response{*head_text, true};
  const int status = std::stoi(head.first_line.substr(head.first_line.find(' ') + 1));
  response.keep_alive = head.first_line.starts_with("HTTP/1.1") &&
                        to_ascii_lower(head.header("connection").value_or("")) != "close";
  if (method == "HEAD" || status / 100 == 1 || status == 204 || status == 304) return response;
  if (to_ascii_lower(head.header("transfer-encoding").value_or("")) == "chunked") {
    auto body = read_chunked_body(reader);
    if (!body) return std::nullopt;
    response.bytes += *body;
  } else if (const auto length = head.header("content-length")) {
    auto body = reader.take_exactly(std::stoul(*length));
    if (!body) return std::nullopt;
    response.bytes += *body;
  } else {
    response.bytes += reader.take_rest();
    response.keep_alive = false;
  }
  return response;
}

}  // namespace

bool FaultProxy::Impl::over_rate_limit() {
  return rate_limit && !rate_limit->accepts(std::chrono::steady_clock::now());
}

Fault FaultProxy::Impl::draw_fault(std::size_t& variant) {
  std::lock_guard lock(mutex);
  ++counts.requests;
  if (over_rate_limit()) {
    ++counts.throttled;
    variant = 0;
    return Fault::throttle;
  }
  const double draw = std::uniform_real_distribution<double>(0, 1)(random);
  variant = static_cast<std::size_t>(random() % 16);
  if (draw < shares.error) return Fault::error;
  if (draw < shares.error + shares.drop_before) return Fault::drop_before;
  if (draw < shares.error + shares.drop_before + shares.drop_after) return Fault::drop_after;
  return Fault::none;
}

void FaultProxy::Impl::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) <= 0 || (fds[1].revents & POLLIN) != 0) return;
    const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(mutex);
    if (stopping) {
      ::close(client);
      return;
    }
    connections.emplace_back([this, client] { serve(client); });
  }
}

void FaultProxy::Impl::serve(int client_fd) {
  SocketReader client(client_fd, wake_pipe[0]);
  int upstream_fd = -1;
  std::optional<SocketReader> upstream;
  auto connect_upstream = [&] {
    close_socket(upstream_fd);
    upstream_fd = connect_to_loopback(upstream_port);
    upstream.emplace(upstream_fd, wake_pipe[0]);
    return upstream_fd >= 0;
  };
  // Sends the request upstream and reads the answer; a kept-alive connection the server has
  // closed meanwhile is replaced once, before any answer was read.
  auto exchange = [&](const std::string& request,
                      const std::string& method) -> std::optional<UpstreamResponse> {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if ((upstream_fd < 0 || attempt > 0) && !connect_upstream()) return std::nullopt;
      if (!send_all(upstream_fd, request)) continue;
      auto response = read_response(*upstream, method);
      if (response) return response;
    }
    return std::nullopt;
  };

  for (;;) {
    auto head_text = client.take_head();
    if (!head_text) break;
    const MessageHead head = parse_head(*head_text);
    const std::size_t body_size = std::stoul(head.header("content-length").value_or("0"));
    auto body = client.take_exactly(body_size);
    if (!body) break;
    {
      std::unique_lock lock(mutex);
      if (hold && hold(head, *body)) {
        ++counts.held;
        held_changed.notify_all();
        stopped_changed.wait(lock, [&] { return stopping; });
        break;
      }
    }
    RoundTicket round(*this);
    std::size_t variant = 0;
    const Fault fault = draw_fault(variant);
    if (fault == Fault::error || fault == Fault::throttle) {
      if (fault == Fault::error) {
        std::lock_guard lock(mutex);
        ++counts.errors;
      }
      round.await();
      if (!send_all(client_fd, injected_error(head, fault == Fault::throttle, variant))) break;
      continue;
    }
    if (fault == Fault::drop_before) {
      std::lock_guard lock(mutex);
      ++counts.drops_before;
      break;
    }
    const std::string method = head.first_line.substr(0, head.first_line.find(' '));
    auto response = exchange(*head_text + *body, method);
    if (!response) break;
    std::size_t forwarded;
    std::function<void(std::size_t)> callback;
    {
      std::lock_guard lock(mutex);
      forwarded = ++counts.forwarded;
      if (fault == Fault::drop_after) ++counts.drops_after;
      callback = forwarded_callback;
    }
    if (callback) callback(forwarded);
    if (fault == Fault::drop_after) break;
    round.await();
    if (!send_all(client_fd, response->bytes)) break;
    if (!response->keep_alive) close_socket(upstream_fd);
  }
  close_socket(upstream_fd);
  close_socket(client_fd);
}

FaultProxy::FaultProxy(const std::string& upstream_endpoint, FaultShares shares, std::uint64_t seed)
    : impl_(std::make_unique<Impl>()) {
  const auto upstream = aws::parse_endpoint(upstream_endpoint, "upstream");
  const auto colon = upstream ? upstream->authority.rfind(':') : std::string::npos;
  if (colon == std::string::npos) {
    throw std::runtime_error("fault proxy: upstream '" + upstream_endpoint + "' has no port");
  }
  impl_->upstream_port = std::stoi(upstream->authority.substr(colon + 1));
  impl_->shares = shares;
  impl_->random.seed(seed);

  const ListeningSocket listening = listen_on_loopback(256, "fault proxy");
  impl_->listen_fd = listening.fd;
  impl_->port = listening.port;
  if (::pipe2(impl_->wake_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("fault proxy: cannot make its wake-up pipe");
  }
  impl_->acceptor = std::thread([impl = impl_.get()] { impl->accept_loop(); });
}

FaultProxy::~FaultProxy() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->stopped_changed.notify_all();
  impl_->round_changed.notify_all();
  const char wake = 1;
  (void)!::write(impl_->wake_pipe[1], &wake, 1);
  impl_->acceptor.join();
  // No thread is added once stopping is set, so the list is stable now.
  for (auto& connection : impl_->connections) connection.join();
  ::close(impl_->listen_fd);
  ::close(impl_->wake_pipe[0]);
  ::close(impl_->wake_pipe[1]);
}

std::string FaultProxy::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

void FaultProxy::set_shares(FaultShares shares) {
  std::lock_guard lock(impl_->mutex);
  impl_->shares = shares;
}

void FaultProxy::throttle_above(double per_second) {
  std::lock_guard lock(impl_->mutex);
  impl_->rate_limit.emplace(per_second, std::chrono::steady_clock::now());
}

void FaultProxy::stall() {
  hold_when([](const MessageHead&, const std::string&) { return true; });
}

void FaultProxy::hold_when(std::function<bool(const MessageHead&, const std::string&)> hold) {
  std::lock_guard lock(impl_->mutex);
  impl_->hold = std::move(hold);
}

bool FaultProxy::wait_for_held(std::chrono::milliseconds limit) {
  std::unique_lock lock(impl_->mutex);
  return impl_->held_changed.wait_for(lock, limit, [this] { return impl_->counts.held > 0; });
}

void FaultProxy::on_forwarded(std::function<void(std::size_t)> callback) {
  std::lock_guard lock(impl_->mutex);
  impl_->forwarded_callback = std::move(callback);
}

FaultCounts FaultProxy::counts() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counts;
}

void FaultProxy::answer_in_rounds(std::chrono::milliseconds quiet) {
  std::lock_guard lock(impl_->mutex);
  impl_->round_quiet = quiet;
}

std::vector<std::size_t> FaultProxy::take_rounds() {
  std::lock_guard lock(impl_->mutex);
  return std::exchange(impl_->round_sizes, {});
}

}  // namespace bulkqa::testing
