// LocalFunction: a function executable hosted as `sam local` hosts it. When its process exits, an
// invocation waiting on it fails at once with Runtime.ExitError, as Lambda reports it, and so do
// the ones after; interrupt() stops the process from another thread.
#include "bulkqa/local/local_function.hpp"

#include <chrono>
#include <future>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/function_harness.hpp"

namespace bulkqa {
namespace {

// Long enough that only a hang could reach it: these invocations must end well before.
constexpr std::chrono::minutes kTimeout{5};

std::unique_ptr<local::LocalFunction> start_echo() {
  auto function = local::LocalFunction::start(testing::binary_path("bulkqa-test-echo-function"),
                                              {{"LOG_LEVEL", "error"}});
  if (!function) throw std::runtime_error(function.error().describe());
  return std::move(*function);
}

void expect_exit_error(const local::InvokeResult& result, const std::string& status) {
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.error_type, "Runtime.ExitError");
  EXPECT_NE(result.error_message.find("status " + status), std::string::npos)
      << result.error_message;
}

TEST(LocalFunction, AProcessThatExitsMidInvocationFailsItAndTheNextOnes) {
  auto function = start_echo();
  const auto answered = function->invoke(R"({"hello": 1})", kTimeout);
  ASSERT_TRUE(answered.ok) << answered.error_type << ": " << answered.error_message;

  expect_exit_error(function->invoke(R"({"exit": 3})", kTimeout), "3");
  expect_exit_error(function->invoke(R"({"hello": 2})", kTimeout), "3");
}

TEST(LocalFunction, InterruptStopsTheProcessAndWhatWaitsOnIt) {
  auto function = start_echo();
  ASSERT_TRUE(function->invoke("{}", kTimeout).ok);
  function->interrupt();
  expect_exit_error(function->invoke("{}", kTimeout), std::to_string(128 + SIGTERM));
}

}  // namespace
}  // namespace bulkqa
