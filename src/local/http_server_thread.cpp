#include "bulkqa/local/http_server_thread.hpp"

#include <algorithm>
#include <chrono>

#include <httplib.h>

namespace bulkqa::local {
namespace {

// cpp-httplib 0.11 tells no one when it begins listening, so start() looks; it takes microseconds.
constexpr auto kStartupPollInterval = std::chrono::milliseconds(1);

// The port bound, or 0 when none could be.
int bind_port(httplib::Server& server, const std::string& host, int port) {
  if (port == 0) return std::max(server.bind_to_any_port(host), 0);
  return server.bind_to_port(host, port) ? port : 0;
}

}  // namespace

Result<std::unique_ptr<HttpServerThread>> HttpServerThread::start(httplib::Server& server,
                                                                  const std::string& host,
                                                                  int port) {
  const int bound = bind_port(server, host, port);
  if (bound == 0) {
    return make_error(errc::kBindFailed,
                      "cannot listen on " + host + ":" + std::to_string(port) +
                          " (is the address this machine's, and the port free?)");
  }
  std::unique_ptr<HttpServerThread> running(new HttpServerThread(server, bound));
  if (!running->run()) {
    return make_error(errc::kListenFailed, "cannot serve on " + host + ":" + std::to_string(bound));
  }
  return running;
}

HttpServerThread::HttpServerThread(httplib::Server& server, int port)
    : server_(server), port_(port) {}

HttpServerThread::~HttpServerThread() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

// Starts the thread and waits until the server runs; false when it stopped first.
bool HttpServerThread::run() {
  thread_ = std::thread([this] {
    server_.listen_after_bind();
    returned_ = true;
  });
  while (!server_.is_running() && !returned_) std::this_thread::sleep_for(kStartupPollInterval);
  return !returned_;
}

}  // namespace bulkqa::local
