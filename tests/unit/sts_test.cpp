// AssumeRole answers and their timestamps, parsed without a server.
#include <gtest/gtest.h>

#include "bulkqa/aws/sts.hpp"

namespace bulkqa::aws {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

// The shape of the AssumeRole answer in the STS API reference.
constexpr const char* kAnswer =
    R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLEtMSJHMEUCIDoKK3JH9uG</SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>)";

TEST(UtcTimestamp, ReadsSecondsAndIgnoresFractions) {
  const auto expected = sys_days(std::chrono::year(2019) / 11 / 9) + 13h + 34min + 41s;
  EXPECT_EQ(*parse_utc_timestamp("2019-11-09T13:34:41Z"), expected);
  EXPECT_EQ(*parse_utc_timestamp("2019-11-09T13:34:41.123456Z"), expected);
  EXPECT_EQ(*parse_utc_timestamp("2024-02-29T00:00:00Z"),
            sys_days(std::chrono::year(2024) / 2 / 29));
}

TEST(UtcTimestamp, RefusesOtherShapesQuotingTheText) {
  for (const char* text : {"", "2019-11-09", "2019-11-09T13:34:41", "2019-11-09 13:34:41Z",
                           "2019-13-09T13:34:41Z", "2023-02-29T00:00:00Z", "2019-11-09T24:00:00Z",
                           "2019-11-09T13:34:41+01:00", "2019-11-09T13:3a:41Z"}) {
    auto parsed = parse_utc_timestamp(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, "InvalidTimestamp");
    EXPECT_NE(parsed.error().message.find(std::string("'") + text + "'"), std::string::npos);
  }
}

TEST(AssumeRoleResponse, ReadsTheCredentialsAndTheirExpiration) {
  auto parsed = parse_assume_role_response(kAnswer);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->credentials.access_key_id, "ASIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(parsed->credentials.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  EXPECT_EQ(parsed->credentials.session_token,
            "IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLEtMSJHMEUCIDoKK3JH9uG");
  EXPECT_EQ(parsed->expiration, sys_days(std::chrono::year(2019) / 11 / 9) + 13h + 34min + 41s);
}

TEST(AssumeRoleResponse, NamesWhatIsMissing) {
  std::string without_token = kAnswer;
  const auto start = without_token.find("<SessionToken>");
  without_token.erase(start, without_token.find("</SessionToken>") + 15 - start);
  auto parsed = parse_assume_role_response(without_token);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, "InvalidResponse");
  EXPECT_NE(parsed.error().message.find("SessionToken"), std::string::npos);

  std::string bad_expiration = kAnswer;
  bad_expiration.replace(bad_expiration.find("2019-11-09T13:34:41Z"), 20, "tomorrow");
  parsed = parse_assume_role_response(bad_expiration);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("Expiration"), std::string::npos);

  parsed = parse_assume_role_response("<ErrorResponse/>");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("Credentials"), std::string::npos);
  EXPECT_FALSE(parse_assume_role_response("not xml <").ok());
}

}  // namespace
}  // namespace bulkqa::aws
