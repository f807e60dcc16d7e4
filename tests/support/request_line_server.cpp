#include "support/request_line_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "bulkqa/util/text.hpp"
#include "support/loopback_socket.hpp"

namespace bulkqa::testing {
namespace {

constexpr std::string_view kAnswer =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
// A client that never writes (FTP waits for a greeting) is given up on after this long.
constexpr timeval kReadTimeout{1, 0};

// Reads until `done` holds for what came so far, the peer stops, or the read timeout passes.
template <typename Done>
std::string read_until(int fd, std::string received, const Done& done) {
  char buffer[4096];
  while (!done(received)) {
    const ssize_t count = ::recv(fd, buffer, sizeof buffer, 0);
    if (count <= 0) break;
    received.append(buffer, static_cast<std::size_t>(count));
  }
  return received;
}

std::optional<std::size_t> content_length(std::string_view head) {
  constexpr std::string_view kName = "\r\ncontent-length:";
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;
       at = head.find("\r\n", at + 2)) {
    if (!equals_ignoring_ascii_case(head.substr(at, kName.size()), kName)) continue;
    const std::size_t end = head.find("\r\n", at + kName.size());
    return parse_unsigned(trim_blanks(head.substr(at + kName.size(), end - at - kName.size())));
  }
  return std::nullopt;
}

}  // namespace

struct RequestLineServer::Impl {
  int listen_fd = -1;
  int wake_pipe[2] = {-1, -1};  // written at shutdown: the accept loop's poll() then returns
  int port = 0;
  std::thread acceptor;
  mutable std::mutex mutex;
  std::vector<std::string> lines;
  int connections = 0;

  void accept_loop() {
    while (true) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) <= 0 || (fds[1].revents & POLLIN) != 0) return;
      const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      serve(client);
      ::close(client);
    }
  }

  void serve(int client) {
    {
      std::lock_guard lock(mutex);
      ++connections;
    }
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &kReadTimeout, sizeof kReadTimeout);
    const std::string first = read_until(
        client, {}, [](const std::string& text) { return text.find("\r\n") != std::string::npos; });
    const std::string line = first.substr(0, first.find("\r\n"));
    if (!line.empty()) {
      std::lock_guard lock(mutex);
      lines.push_back(line);
    }
    if (!line.ends_with(" HTTP/1.1")) return;
    const std::string head = read_until(client, first, [](const std::string& text) {
      return text.find("\r\n\r\n") != std::string::npos;
    });
    const std::size_t body_start = head.find("\r\n\r\n") + 4;
    const std::size_t body_size = content_length(head.substr(0, body_start)).value_or(0);
    // The whole body is read first: closing with unread data would reset the connection.
    read_until(client, head,
               [&](const std::string& text) { return text.size() >= body_start + body_size; });
    ::send(client, kAnswer.data(), kAnswer.size(), MSG_NOSIGNAL);
  }
};

RequestLineServer::RequestLineServer() : impl_(std::make_unique<Impl>()) {
  const ListeningSocket listening = listen_on_loopback(16, "request line server");
  impl_->listen_fd = listening.fd;
  impl_->port = listening.port;
  if (::pipe2(impl_->wake_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("request line server: cannot make its wake-up pipe");
  }
  impl_->acceptor = std::thread([impl = impl_.get()] { impl->accept_loop(); });
}

RequestLineServer::~RequestLineServer() {
  const char wake = 1;
  (void)!::write(impl_->wake_pipe[1], &wake, 1);
  impl_->acceptor.join();
  ::close(impl_->listen_fd);
  ::close(impl_->wake_pipe[0]);
  ::close(impl_->wake_pipe[1]);
}

int RequestLineServer::port() const {
  return impl_->port;
}

std::string RequestLineServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

std::vector<std::string> RequestLineServer::request_lines() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->lines;
}

int RequestLineServer::connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

}  // namespace bulkqa::testing
