// CloudFormation's ResponseURL comes with the event. Launch answers only over HTTPS, or HTTP to a
// loopback host (local runs), and refuses any other URL before doing any work, since there is
// nowhere to send FAILED: its log says why. Every AWS call of the launch under test goes to a
// server that records request lines, so any work it started would show there.
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bulkqa/local/response_url_server.hpp"
#include "support/function_harness.hpp"
#include "support/request_line_server.hpp"
#include "support/test_certificates.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;

class HostileResponseUrl : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    directory_ = std::filesystem::temp_directory_path() /
                 ("bulkqa-hostile-url-" + std::to_string(::getpid()) + "-" + test->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::map<std::string, std::string> environment() const {
    return {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
            {"AWS_SECRET_ACCESS_KEY", "secret"},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ENDPOINT_URL", aws_.endpoint()},
            {"LOG_LEVEL", "info"}};
  }

  static json create_event(const std::string& response_url) {
    return {{"RequestType", "Create"},
            {"ResponseURL", response_url},
            {"StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/bulkqa/1"},
            {"RequestId", "hostile-1"},
            {"LogicalResourceId", "Launch"},
            {"ResourceType", "Custom::BulkQaLaunch"},
            {"ResourceProperties",
             {{"ServiceToken", "arn:aws:lambda:us-east-1:123456789012:function:launch"},
              {"S3Bucket", "stack-bucket"},
              {"DynamoDBTable", "images"},
              {"LaunchBucket", "launch-bucket"},
              {"LabelCorpusKey", "corpus.csv"},
              {"ImageSourceBucket", "image-bucket"}}}};
  }

  local::InvokeResult launch(const std::string& response_url,
                             std::map<std::string, std::string> extra_environment = {}) {
    auto process_environment = environment();
    process_environment.merge(extra_environment);
    testing::FunctionUnderTest function("bulkqa-launch", process_environment, log_file());
    return function.invoke(create_event(response_url));
  }

  std::filesystem::path log_file() const { return directory_ / "launch.log"; }

  // The request was refused before any AWS call, naming where the URL led, and the log says so.
  void expect_refused_before_any_work(const local::InvokeResult& result,
                                      const std::string& shown) const {
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.error_type, "ForbiddenUrl") << result.error_message;
    for (const std::string& part :
         {std::string("ResponseURL"), shown, std::string("CloudFormation gets no answer")}) {
      EXPECT_NE(result.error_message.find(part), std::string::npos) << result.error_message;
    }
    EXPECT_EQ(aws_.connections(), 0) << "launch did work for a request it cannot answer";
    EXPECT_TRUE(log_has_refusal()) << testing::read_file(log_file().string());
  }

  bool log_has_refusal() const {
    std::istringstream lines(testing::read_file(log_file().string()));
    for (std::string line; std::getline(lines, line);) {
      const json entry = json::parse(line, nullptr, false);
      if (entry.is_object() && entry.value("level", "") == "error" &&
          entry.value("error_code", "") == "ForbiddenUrl" &&
          entry.value("error", "").find("CloudFormation gets no answer") != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  std::string loopback(const std::string& scheme, int port, const std::string& path) const {
    return scheme + "://127.0.0.1:" + std::to_string(port) + path;
  }

  testing::RequestLineServer aws_;
  testing::RequestLineServer target_;  // where a refused URL on a loopback port would have led
  std::filesystem::path directory_;
};

TEST_F(HostileResponseUrl, GopherIsRefused) {
  const auto result = launch(loopback("gopher", target_.port(), "/_PUT%20/cfn/x"));
  expect_refused_before_any_work(result, loopback("gopher", target_.port(), ""));
  EXPECT_EQ(target_.connections(), 0);
}

TEST_F(HostileResponseUrl, FtpIsRefused) {
  const auto result = launch(loopback("ftp", target_.port(), "/cfn/x"));
  expect_refused_before_any_work(result, loopback("ftp", target_.port(), ""));
  EXPECT_EQ(target_.connections(), 0);
}

TEST_F(HostileResponseUrl, FileIsRefused) {
  const auto answer_file = directory_ / "answer.json";
  const auto result = launch("file://" + answer_file.string());
  expect_refused_before_any_work(result, "file://");
  EXPECT_FALSE(std::filesystem::exists(answer_file));
}

TEST_F(HostileResponseUrl, HttpToAHostOtherThanLoopbackIsRefused) {
  // 0.0.0.0 is not a loopback address, but Linux connects it to this machine: nothing leaves it.
  const auto result = launch("http://0.0.0.0:" + std::to_string(target_.port()) + "/cfn/x");
  expect_refused_before_any_work(result, "http://0.0.0.0:" + std::to_string(target_.port()));
  EXPECT_EQ(target_.connections(), 0);
}

TEST_F(HostileResponseUrl, AnHttpsUrlThatRedirectsToAFileDoesNotReachTheFile) {
  const auto certificates = testing::make_test_certificates(directory_);
  auto receiver =
      local::ResponseUrlServer::start_tls(certificates.server_certificate, certificates.server_key);
  ASSERT_TRUE(receiver.ok()) << receiver.error().describe();
  const auto redirected_file = directory_ / "redirected.json";
  (*receiver)->redirect("x", "file://" + redirected_file.string());
  const auto result =
      launch((*receiver)->url("x"), {{"SSL_CERT_FILE", certificates.ca_certificate.string()}});
  // An HTTPS URL is answered (FAILED: the corpus cannot be read), and the redirect is not taken.
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error_type, "ResponseRejected") << result.error_message;
  EXPECT_NE(result.error_message.find("HTTP 302"), std::string::npos) << result.error_message;
  EXPECT_EQ((*receiver)->put_count("x"), 1);
  EXPECT_FALSE(std::filesystem::exists(redirected_file));
}

}  // namespace
}  // namespace bulkqa
