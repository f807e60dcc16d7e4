// URLs that come with an event (CloudFormation's ResponseURL): only HTTPS, or HTTP to this
// machine's loopback, may be requested, judged on the host curl would connect to.
#include <gtest/gtest.h>

#include "bulkqa/aws/http.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa::aws {
namespace {

TEST(HostileUrls, HttpsAnywhereAndHttpToLoopbackAreAllowed) {
  for (const char* url : {
           "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
           "arn%3Aaws%3Acloudformation?X-Amz-Signature=abc",
           "HTTPS://example.com/x",
           "http://127.0.0.1:8080/cfn/x",
           "http://127.255.255.254/x",
           "http://localhost:1/x",
           "http://LocalHost/x",
           "http://[::1]:8080/x",
           "http://[0:0:0:0:0:0:0:1]/x",
           // Other spellings of 127.0.0.1 that curl reads as it: judged as curl would connect.
           "http://2130706433/x",
           "http://0x7f.1/x",
       }) {
    EXPECT_TRUE(check_untrusted_url(url).ok()) << url;
  }
}

TEST(HostileUrls, OtherSchemesAreRefused) {
  for (const char* url : {"gopher://127.0.0.1:70/_x", "file:///etc/passwd", "ftp://127.0.0.1/x",
                          "dict://127.0.0.1:11211/stat", "ldap://127.0.0.1/x", "scp://127.0.0.1/x",
                          "telnet://127.0.0.1/", "tftp://127.0.0.1/x"}) {
    EXPECT_TRUE(testing::fails_with(check_untrusted_url(url), "ForbiddenUrl",
                                    {"is refused", "only https://"}))
        << url;
  }
}

TEST(HostileUrls, HttpToAnyOtherHostIsRefused) {
  for (const char* url : {
           "http://example.com/x",
           "http://0.0.0.0:8080/x",
           "http://10.0.0.1/x",
           "http://169.254.169.254/latest/meta-data/",
           "http://128.0.0.1/x",
           "http://127.0.0.1.example.com/x",
           "http://localhost.example.com/x",
           "http://127.0.0.1@example.com/x",
           "http://example.com#@127.0.0.1/x",
           "http://[::2]/x",
       }) {
    EXPECT_TRUE(testing::fails_with(check_untrusted_url(url), "ForbiddenUrl", {"http://"})) << url;
  }
}

TEST(HostileUrls, WhatIsNotAUrlIsRefused) {
  for (const char* url : {"", "not a url", "https://", "http://exa mple.com/"}) {
    EXPECT_TRUE(testing::fails_with(check_untrusted_url(url), "ForbiddenUrl", {"not a URL"}))
        << url;
  }
}

TEST(HostileUrls, TheRefusalShowsWhereTheUrlLeadsButNotItsSignature) {
  const Status refused =
      check_untrusted_url("gopher://127.0.0.1:7070/x?X-Amz-Signature=secret-signature");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("gopher://127.0.0.1:7070"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(refused.error().message.find("secret-signature"), std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace bulkqa::aws
