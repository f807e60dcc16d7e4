// A TCP server on 127.0.0.1 that keeps the first line each connection sends, exactly as the client
// wrote it (an HTTP request line before any server could normalize its path), and answers HTTP
// requests with 404 and an empty body. Every connection counts, also one whose client never writes
// a line, as an FTP client waits for the server to speak first.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace bulkqa::testing {

class RequestLineServer {
 public:
  RequestLineServer();  // throws when it cannot listen
  ~RequestLineServer();
  RequestLineServer(const RequestLineServer&) = delete;
  RequestLineServer& operator=(const RequestLineServer&) = delete;

  int port() const;
  std::string endpoint() const;  // "http://127.0.0.1:<port>"
  std::vector<std::string> request_lines() const;
  int connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulkqa::testing
