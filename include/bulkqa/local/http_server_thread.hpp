// A cpp-httplib server listening on a thread of its own: the one way the servers of local/ start
// and stop. start() returns only once the server is running, because cpp-httplib's stop() does
// nothing to a server that has not begun listening yet: stopping one right after its thread
// started would otherwise leave that thread listening, and the destructor joining it, for ever.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "bulkqa/util/error.hpp"

namespace httplib {
class Server;
}

namespace bulkqa::local {

class HttpServerThread {
 public:
  // Binds `host`:`port` (port 0: a free one) and serves `server`, whose routes and options are
  // set, until destroyed; `server` must outlive the result. "BindFailed" when the address cannot
  // be bound, "ListenFailed" when the server stops before it runs.
  static Result<std::unique_ptr<HttpServerThread>> start(httplib::Server& server,
                                                         const std::string& host, int port);
  // Stops the server and joins its thread; requests in progress end first.
  ~HttpServerThread();
  HttpServerThread(const HttpServerThread&) = delete;
  HttpServerThread& operator=(const HttpServerThread&) = delete;

  // The port bound, the free one chosen when 0 was asked for.
  int port() const { return port_; }

 private:
  HttpServerThread(httplib::Server& server, int port);
  bool run();

  httplib::Server& server_;
  int port_;
  std::thread thread_;
  std::atomic<bool> returned_{false};  // the server's listen() returned
};

}  // namespace bulkqa::local
