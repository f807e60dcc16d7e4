// The Lambda runtime client (run_handler) against the local host (LocalRuntimeApi), with the echo
// test function running as a real child process.
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bulkqa/local/function_process.hpp"
#include "bulkqa/local/runtime_api.hpp"
#include "support/function_harness.hpp"

namespace {

using bulkqa::local::FunctionProcess;
using bulkqa::local::InvokeResult;
using bulkqa::local::LocalRuntimeApi;
using nlohmann::json;

constexpr std::chrono::milliseconds kGenerousTimeout{60000};

using bulkqa::testing::read_file;

std::string echo_function_path() {
  return bulkqa::testing::binary_path("bulkqa-test-echo-function");
}

size_t count_occurrences(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// Polls `condition` until it holds, for at most ten seconds.
bool eventually(const std::function<bool()>& condition) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class LambdaRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "bulkqa-runtime-XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    scratch_ = pattern;
    stderr_path_ = scratch_ / "function.stderr";
    auto started = LocalRuntimeApi::start();
    ASSERT_TRUE(started.ok()) << started.error().describe();
    api_ = std::move(started).value();
  }

  void TearDown() override {
    function_.reset();
    if (HasFailure() && std::filesystem::exists(stderr_path_)) {
      std::cerr << "function stderr:\n" << read_file(stderr_path_) << "\n";
    }
    std::filesystem::remove_all(scratch_);
  }

  void start_function(std::map<std::string, std::string> environment = {}) {
    environment.emplace("AWS_LAMBDA_RUNTIME_API", api_ ? api_->endpoint() : "");
    auto started = FunctionProcess::start(echo_function_path(), environment, stderr_path_);
    ASSERT_TRUE(started.ok()) << started.error().describe();
    function_.emplace(std::move(started).value());
  }

  // Invokes the echo function, expecting a response; returns the parsed answer.
  json invoke_ok(const json& event) {
    const InvokeResult result = api_->invoke(event.dump(), kGenerousTimeout);
    EXPECT_TRUE(result.ok) << result.error_type << ": " << result.error_message;
    EXPECT_FALSE(result.timed_out);
    return json::parse(result.payload, nullptr, false);
  }

  std::filesystem::path scratch_;
  std::filesystem::path stderr_path_;
  std::unique_ptr<LocalRuntimeApi> api_;
  std::optional<FunctionProcess> function_;
};

TEST_F(LambdaRuntimeTest, ResponseRoundTrips) {
  start_function();
  const json event = {{"greeting", "hello"}, {"labels", {"cat", "dog"}}};
  const json answer = invoke_ok(event);
  EXPECT_EQ(answer["event"], event);
}

TEST_F(LambdaRuntimeTest, InvocationIdsArriveAndTraceIdIsExported) {
  start_function();
  const std::string arn = "arn:aws:lambda:eu-west-1:111122223333:function:echo";
  const InvokeResult result = api_->invoke(R"({"n": 1})", kGenerousTimeout, arn);
  ASSERT_TRUE(result.ok) << result.error_type << ": " << result.error_message;
  const json answer = json::parse(result.payload);
  EXPECT_FALSE(result.request_id.empty());
  EXPECT_EQ(answer["request_id"], result.request_id);
  EXPECT_EQ(answer["function_arn"], arn);
  EXPECT_EQ(result.trace_id.rfind("Root=1-", 0), 0u) << result.trace_id;
  EXPECT_EQ(answer["trace_id"], result.trace_id);
  EXPECT_EQ(answer["exported_trace_id"], result.trace_id);
}

TEST_F(LambdaRuntimeTest, RemainingTimeIsPositiveAndWithinTheTimeout) {
  start_function();
  const auto timeout = std::chrono::milliseconds(20000);
  const InvokeResult result = api_->invoke("{}", timeout);
  ASSERT_TRUE(result.ok) << result.error_type << ": " << result.error_message;
  const auto remaining_ms = json::parse(result.payload)["remaining_ms"].get<long long>();
  EXPECT_GT(remaining_ms, 0);
  EXPECT_LE(remaining_ms, timeout.count());
}

TEST_F(LambdaRuntimeTest, ThrowingHandlerYieldsAnErrorAndTheLoopGoesOn) {
  start_function();
  const InvokeResult failed = api_->invoke(R"({"throw": "bucket missing"})", kGenerousTimeout);
  EXPECT_FALSE(failed.ok);
  EXPECT_FALSE(failed.timed_out);
  EXPECT_EQ(failed.error_type, "std::runtime_error");
  EXPECT_EQ(failed.error_message, "bucket missing");
  EXPECT_EQ(invoke_ok({{"after", "throw"}})["event"]["after"], "throw");
}

TEST_F(LambdaRuntimeTest, FailureResponseYieldsAnErrorAndTheLoopGoesOn) {
  start_function();
  const InvokeResult failed = api_->invoke(R"({"fail": "no such label"})", kGenerousTimeout);
  EXPECT_FALSE(failed.ok);
  EXPECT_FALSE(failed.timed_out);
  EXPECT_EQ(failed.error_type, "EchoFailure");
  EXPECT_EQ(failed.error_message, "no such label");
  EXPECT_EQ(invoke_ok({{"after", "fail"}})["event"]["after"], "fail");
}

TEST_F(LambdaRuntimeTest, FiftyInvocationsInSequenceAreAllAnswered) {
  start_function();
  std::set<std::string> request_ids;
  for (int n = 0; n < 50; ++n) {
    const json answer = invoke_ok({{"n", n}});
    EXPECT_EQ(answer["event"]["n"], n);
    request_ids.insert(answer["request_id"].get<std::string>());
  }
  EXPECT_EQ(request_ids.size(), 50u);
}

TEST_F(LambdaRuntimeTest, ConcurrentInvocationsEachGetTheirOwnAnswer) {
  start_function();
  constexpr int kCallers = 8;
  std::vector<InvokeResult> results(kCallers);
  std::vector<std::thread> callers;
  for (int n = 0; n < kCallers; ++n) {
    callers.emplace_back([this, n, &results] {
      results[n] = api_->invoke(json{{"caller", n}}.dump(), kGenerousTimeout);
    });
  }
  for (auto& caller : callers) caller.join();
  for (int n = 0; n < kCallers; ++n) {
    ASSERT_TRUE(results[n].ok) << results[n].error_type << ": " << results[n].error_message;
    const json answer = json::parse(results[n].payload);
    EXPECT_EQ(answer["event"]["caller"], n);
    EXPECT_EQ(answer["request_id"], results[n].request_id);
  }
}

TEST_F(LambdaRuntimeTest, InitErrorIsReported) {
  start_function({{"ECHO_INIT_FAIL", "1"}});
  EXPECT_NE(function_->wait(), 0);
  const auto init_error = api_->init_error();
  ASSERT_TRUE(init_error.has_value());
  EXPECT_FALSE(init_error->ok);
  EXPECT_EQ(init_error->error_type, "EchoInitFailure");
  EXPECT_EQ(init_error->error_message, "ECHO_INIT_FAIL is set");
}

TEST_F(LambdaRuntimeTest, NoInitErrorWhenTheFunctionStartsWell) {
  start_function();
  invoke_ok(json::object());
  EXPECT_FALSE(api_->init_error().has_value());
}

TEST_F(LambdaRuntimeTest, InvokeWithNothingRunningTimesOutAndIsNotDeliveredLater) {
  const InvokeResult result = api_->invoke(R"({"stale": true})", std::chrono::milliseconds(100));
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.ok);

  start_function();
  const json answer = invoke_ok({{"fresh", true}});
  EXPECT_EQ(answer["event"], json({{"fresh", true}}));
}

// The first process dies while waiting in /invocation/next; its abandoned wait must not swallow
// the invocations meant for its successor.
TEST_F(LambdaRuntimeTest, RestartedFunctionGetsTheInvocations) {
  start_function();
  invoke_ok({{"process", 1}});
  ASSERT_TRUE(eventually([this] { return api_->waiting_functions() == 1; }));
  function_.reset();
  ASSERT_TRUE(eventually([this] { return api_->waiting_functions() == 0; }));
  start_function();
  for (int n = 0; n < 5; ++n) {
    const InvokeResult result = api_->invoke(json{{"n", n}}.dump(), std::chrono::seconds(10));
    ASSERT_TRUE(result.ok) << n << ": " << result.error_type << ": " << result.error_message;
    EXPECT_EQ(json::parse(result.payload)["event"]["n"], n);
  }
}

TEST_F(LambdaRuntimeTest, EventThatIsNotJsonIsRefused) {
  const InvokeResult result = api_->invoke("{not json", kGenerousTimeout);
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.error_type, "InvalidRequestContentException");
}

TEST_F(LambdaRuntimeTest, AnswerForAnUnknownRequestIdGets404) {
  httplib::Client client("http://" + api_->endpoint());
  const auto response =
      client.Post("/2018-06-01/runtime/invocation/no-such-id/response", "{}", "application/json");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 404);
  const auto error = client.Post("/2018-06-01/runtime/invocation/no-such-id/error",
                                 R"({"errorMessage":"x","errorType":"y"})", "application/json");
  ASSERT_TRUE(error) << httplib::to_string(error.error());
  EXPECT_EQ(error->status, 404);
}

TEST_F(LambdaRuntimeTest, FunctionExitsOnceWhenTheHostGoesAway) {
  start_function();
  invoke_ok(json::object());
  api_.reset();
  EXPECT_NE(function_->wait(), 0);
  EXPECT_EQ(count_occurrences(read_file(stderr_path_), "no next invocation"), 1u);
}

TEST_F(LambdaRuntimeTest, MissingRuntimeApiEndpointIsAnErrorOnStderr) {
  api_.reset();
  start_function();  // with AWS_LAMBDA_RUNTIME_API empty
  EXPECT_EQ(function_->wait(), 1);
  EXPECT_NE(read_file(stderr_path_).find("AWS_LAMBDA_RUNTIME_API"), std::string::npos);
}

TEST_F(LambdaRuntimeTest, LogsOneStartAndEndLinePerInvocationWithoutThePayload) {
  start_function();
  const std::string secret = "label-data-that-must-not-be-logged";
  const json answer = invoke_ok({{"image", secret}});
  const std::string request_id = answer["request_id"];

  std::istringstream lines(read_file(stderr_path_));
  std::vector<json> own_lines;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.find(secret), std::string::npos) << line;
    const json parsed = json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << "not a JSON line: " << line;
    if (parsed.value("request_id", "") == request_id) own_lines.push_back(parsed);
  }
  ASSERT_EQ(own_lines.size(), 2u);
  EXPECT_EQ(own_lines[0]["message"], "invocation start");
  EXPECT_EQ(own_lines[1]["message"], "invocation end");
  EXPECT_EQ(own_lines[1]["outcome"], "success");
  EXPECT_TRUE(own_lines[1].contains("duration_ms"));
}

TEST(FunctionProcessTest, MissingExecutableIsAnErrorNamingIt) {
  const auto started = FunctionProcess::start("/nonexistent/bulkqa-no-such-function");
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("/nonexistent/bulkqa-no-such-function"),
            std::string::npos);
}

TEST(FunctionProcessTest, DestructorTerminatesAndReapsTheProcess) {
  auto api = LocalRuntimeApi::start();
  ASSERT_TRUE(api.ok()) << api.error().describe();
  pid_t pid = -1;
  {
    auto started = FunctionProcess::start(echo_function_path(),
                                          {{"AWS_LAMBDA_RUNTIME_API", (*api)->endpoint()}});
    ASSERT_TRUE(started.ok()) << started.error().describe();
    EXPECT_TRUE(started->running());
    pid = started->pid();
  }
  errno = 0;
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
