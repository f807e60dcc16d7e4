// Runs one of the real function executables as a process behind a local Lambda Runtime API, and
// receives what the launch function PUTs to CloudFormation's ResponseURL.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "bulkqa/local/local_function.hpp"

namespace httplib {
class Server;
}

namespace bulkqa::testing {

// BULKQA_BIN_DIR/<name>, the directory ctest names.
std::string binary_path(const std::string& name);
// BULKQA_SOURCE_DIR/<relative>.
std::string source_path(const std::string& relative);
std::string read_file(const std::string& path);

class FunctionUnderTest {
 public:
  FunctionUnderTest(const std::string& executable, const std::map<std::string, std::string>& environment);

  // The invocation's answer. Fails the test when the function did not answer at all.
  local::InvokeResult invoke(const nlohmann::json& event,
                             std::chrono::milliseconds timeout = std::chrono::seconds(120));
  // The answer parsed as JSON; fails the test on an error answer.
  nlohmann::json invoke_ok(const nlohmann::json& event);

 private:
  std::unique_ptr<local::LocalFunction> function_;
};

// A stand-in for CloudFormation's pre-signed response URL.
class ResponseReceiver {
 public:
  ResponseReceiver();
  ~ResponseReceiver();

  // A fresh URL; what is PUT there is kept under `id`.
  std::string url(const std::string& id) const;
  // The JSON body PUT to url(id), or null when nothing came.
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
  };
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, Received> received_;
};

}  // namespace bulkqa::testing
