// A stand-in for CloudFormation's pre-signed ResponseURL on 127.0.0.1: keeps what the launch
// function PUTs there, so a local run (or a test) can read the custom resource's answer.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/util/error.hpp"

namespace httplib {
class Server;
}

namespace bulkqa::local {

class HttpServerThread;

class ResponseUrlServer {
 public:
  static Result<std::unique_ptr<ResponseUrlServer>> start();
  // The same over HTTPS, as CloudFormation's pre-signed S3 URLs are: the server presents the
  // certificate chain and key in these PEM files.
  static Result<std::unique_ptr<ResponseUrlServer>> start_tls(
      const std::filesystem::path& certificate_file, const std::filesystem::path& key_file);
  ~ResponseUrlServer();
  ResponseUrlServer(const ResponseUrlServer&) = delete;
  ResponseUrlServer& operator=(const ResponseUrlServer&) = delete;

  // The URL whose PUTs are kept under `id`.
  std::string url(const std::string& id) const;
  // Answers the next `count` PUTs to url(id) with HTTP 500, as a flaky endpoint would.
  void fail_next(const std::string& id, int count);
  // Answers every PUT to url(id) with a 302 redirect to `location` (which a client must not follow
  // to anything but HTTPS).
  void redirect(const std::string& id, const std::string& location);
  // The JSON body last PUT to url(id); null when nothing came, discarded when not JSON.
  nlohmann::json response(const std::string& id) const;
  // How many PUTs url(id) received.
  int put_count(const std::string& id) const;
  // The Content-Type header of the last PUT to url(id) ("" when absent).
  std::string content_type(const std::string& id) const;

 private:
  struct Received {
    std::string body;
    std::string content_type;
    int count = 0;
    int failures_left = 0;
    std::string redirect_to;
  };
  ResponseUrlServer(std::unique_ptr<httplib::Server> server, std::string scheme);
  static Result<std::unique_ptr<ResponseUrlServer>> serve(std::unique_ptr<ResponseUrlServer> sink);

  std::unique_ptr<httplib::Server> server_;
  std::string scheme_;
  mutable std::mutex mutex_;
  std::map<std::string, Received> received_;
  // Last, so that it stops first: its handlers use the members above.
  std::unique_ptr<HttpServerThread> serving_;
};

}  // namespace bulkqa::local
