#include "support/function_harness.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <httplib.h>

namespace bulkqa::testing {
namespace {

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set (run under ctest)");
  return value;
}

}  // namespace

std::string binary_path(const std::string& name) { return required_env("BULKQA_BIN_DIR") + "/" + name; }

std::string source_path(const std::string& relative) {
  return required_env("BULKQA_SOURCE_DIR") + "/" + relative;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

FunctionUnderTest::FunctionUnderTest(const std::string& executable,
                                     const std::map<std::string, std::string>& environment) {
  auto process_environment = environment;
  if (!process_environment.contains("LOG_LEVEL")) process_environment["LOG_LEVEL"] = "warn";
  auto function = local::LocalFunction::start(binary_path(executable), process_environment);
  if (!function) throw std::runtime_error(function.error().describe());
  function_ = std::move(*function);
}

local::InvokeResult FunctionUnderTest::invoke(const nlohmann::json& event,
                                              std::chrono::milliseconds timeout) {
  auto result = function_->invoke(event.dump(), timeout);
  EXPECT_FALSE(result.timed_out) << "the function did not answer in time";
  return result;
}

nlohmann::json FunctionUnderTest::invoke_ok(const nlohmann::json& event) {
  auto result = invoke(event);
  EXPECT_TRUE(result.ok) << result.error_type << ": " << result.error_message;
  if (!result.ok) return nullptr;
  return nlohmann::json::parse(result.payload);
}

ResponseReceiver::ResponseReceiver() : server_(std::make_unique<httplib::Server>()) {
  server_->Put(R"(/cfn/(.+))", [this](const httplib::Request& request, httplib::Response& answer) {
    std::lock_guard lock(mutex_);
    auto& received = received_[request.matches[1]];
    received.body = request.body;
    received.content_type = request.get_header_value("Content-Type");
    ++received.count;
    answer.status = 200;
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind the response receiver");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

ResponseReceiver::~ResponseReceiver() {
  server_->stop();
  thread_.join();
}

std::string ResponseReceiver::url(const std::string& id) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/cfn/" + id;
}

nlohmann::json ResponseReceiver::response(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = received_.find(id);
  if (found == received_.end()) return nullptr;
  return nlohmann::json::parse(found->second.body, nullptr, false);
}

int ResponseReceiver::put_count(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = received_.find(id);
  return found == received_.end() ? 0 : found->second.count;
}

std::string ResponseReceiver::content_type(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = received_.find(id);
  return found == received_.end() ? "" : found->second.content_type;
}

}  // namespace bulkqa::testing
