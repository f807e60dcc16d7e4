// The credential chain's pure parts: the shared files' format and profiles, the metadata
// endpoints' JSON, the container request built from the environment, the environment provider,
// and the chain's order, stickiness and refresh rules over scripted providers and a set clock.
// The HTTP providers against loopback fakes are in tests/integration/credential_chain_test.cpp.
#include "bulkqa/aws/credentials.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "support/environment_map.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa::aws {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;
using testing::environment_map;
using testing::fails_with;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// --- The shared files' format -------------------------------------------------------------------

TEST(ParseIni, ReadsSectionsKeysAndValuesIgnoringCommentsAndBlankLines) {
  auto file = parse_ini(
      "# a comment\r\n"
      "[default]\r\n"
      "aws_access_key_id = AKIDEXAMPLE\r\n"
      "\r\n"
      "; another comment\n"
      "[ profile dev ]\n"
      "Region: eu-west-1\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "output=json\n",
      "config");
  ASSERT_TRUE(file.ok()) << file.error().describe();
  ASSERT_EQ(file->size(), 2u);
  EXPECT_EQ(file->at("default").line, 2);
  EXPECT_EQ(file->at("default").values.at("aws_access_key_id").value, "AKIDEXAMPLE");
  EXPECT_EQ(file->at("default").values.at("aws_access_key_id").line, 3);
  const IniSection& dev = file->at("profile dev");
  EXPECT_EQ(dev.values.at("region").value, "eu-west-1");  // names are lower-cased
  EXPECT_EQ(dev.values.at("s3").value, "");               // nested settings are skipped
  EXPECT_EQ(dev.values.count("max_concurrent_requests"), 0u);
  EXPECT_EQ(dev.values.at("output").value, "json");
}

TEST(ParseIni, ALineThatIsNeitherSectionNorSettingNamesFileAndLineButNotItsText) {
  auto file = parse_ini("[default]\naws_access_key_id = AKID\n" + std::string(kSecret) + "\n",
                        "/home/me/.aws/credentials");
  EXPECT_TRUE(fails_with(file, errc::kInvalidCredentialsFile,
                         {"/home/me/.aws/credentials line 3", "key = value"}));
  EXPECT_EQ(file.error().message.find(kSecret), std::string::npos);
}

TEST(ParseIni, RefusesSettingsOutsideSectionsAndBrokenHeaders) {
  EXPECT_TRUE(fails_with(parse_ini("key = value\n", "f"), errc::kInvalidCredentialsFile,
                         {"f line 1", "before any [section]"}));
  EXPECT_TRUE(fails_with(parse_ini("[default\n", "f"), errc::kInvalidCredentialsFile,
                         {"f line 1", "[section name]"}));
  EXPECT_TRUE(fails_with(parse_ini("[ ]\n", "f"), errc::kInvalidCredentialsFile, {"f line 1"}));
  EXPECT_TRUE(fails_with(parse_ini("[a]\n  indented = 1\n", "f"), errc::kInvalidCredentialsFile,
                         {"f line 2", "indented"}));
  EXPECT_TRUE(fails_with(parse_ini("[a]\n= value\n", "f"), errc::kInvalidCredentialsFile,
                         {"f line 2", "without a name"}));
}

TEST(IniProfiles, TheCredentialsFileNamesProfilesBareTheConfigFileWithProfile) {
  const IniFile credentials = parse_ini("[dev]\na = 1\n[profile dev]\na = 2\n", "c").value();
  const IniFile config = parse_ini("[dev]\na = 3\n[profile dev]\na = 4\n", "c").value();
  EXPECT_EQ(credentials_file_profile(credentials, "dev")->values.at("a").value, "1");
  EXPECT_EQ(config_file_profile(config, "dev")->values.at("a").value, "4");
  EXPECT_EQ(config_file_profile(config, "prod"), nullptr);
}

TEST(IniProfiles, TheConfigFilesDefaultProfileMayBeWrittenEitherWay) {
  const IniFile bare = parse_ini("[default]\na = 1\n", "c").value();
  const IniFile prefixed = parse_ini("[profile default]\na = 2\n", "c").value();
  EXPECT_EQ(config_file_profile(bare, "default")->values.at("a").value, "1");
  EXPECT_EQ(config_file_profile(prefixed, "default")->values.at("a").value, "2");
}

TEST(ProfileCredentials, ReadsKeysAndTheSessionToken) {
  const IniFile file =
      parse_ini("[dev]\naws_access_key_id = AKID\naws_secret_access_key = " + std::string(kSecret) +
                    "\naws_session_token = token==\n",
                "c")
          .value();
  auto credentials = profile_credentials(file.at("dev"), "dev", "c");
  ASSERT_TRUE(credentials.ok()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKID");
  EXPECT_EQ(credentials->secret_access_key, kSecret);
  EXPECT_EQ(credentials->session_token, "token==");
}

TEST(ProfileCredentials, AProfileWithoutKeysHasNoCredentials) {
  const IniFile file = parse_ini("\n[dev]\nrole_arn = arn:aws:iam::1:role/x\n", "c").value();
  EXPECT_TRUE(fails_with(profile_credentials(file.at("dev"), "dev", "c"), errc::kNoCredentials,
                         {"'dev'", "line 2", "aws_access_key_id"}));
}

TEST(ProfileCredentials, HalfAKeyPairIsAnErrorAtItsLineWithoutTheSecret) {
  const IniFile secret_only =
      parse_ini("[dev]\n\naws_secret_access_key = " + std::string(kSecret) + "\n", "creds").value();
  auto refused = profile_credentials(secret_only.at("dev"), "dev", "creds");
  EXPECT_TRUE(fails_with(refused, errc::kInvalidCredentialsFile,
                         {"creds line 3", "'dev'", "no aws_access_key_id"}));
  EXPECT_EQ(refused.error().message.find(kSecret), std::string::npos);

  const IniFile id_only = parse_ini("[dev]\naws_access_key_id = AKID\n", "creds").value();
  EXPECT_TRUE(fails_with(profile_credentials(id_only.at("dev"), "dev", "creds"),
                         errc::kInvalidCredentialsFile, {"creds line 2", "aws_secret_access_key"}));

  const IniFile empty =
      parse_ini("[dev]\naws_access_key_id =\naws_secret_access_key = x\n", "creds").value();
  EXPECT_TRUE(fails_with(profile_credentials(empty.at("dev"), "dev", "creds"),
                         errc::kInvalidCredentialsFile, {"creds line 2", "empty"}));
}

// --- The metadata endpoints' answers ------------------------------------------------------------

std::string metadata_json(const std::string& expiration = "2026-12-02T12:00:00Z") {
  return R"({"Code": "Success", "LastUpdated": "2026-12-02T06:00:00Z", "Type": "AWS-HMAC",
             "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": ")" +
         std::string(kSecret) + R"(", "Token": "token/+=", "Expiration": ")" + expiration + R"("})";
}

TEST(ParseMetadataCredentials, ReadsKeysTokenAndExpiration) {
  auto parsed = parse_metadata_credentials(metadata_json(), "instance metadata");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->credentials.access_key_id, "ASIAEXAMPLE");
  EXPECT_EQ(parsed->credentials.secret_access_key, kSecret);
  EXPECT_EQ(parsed->credentials.session_token, "token/+=");
  EXPECT_EQ(parsed->expiration,
            std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours{12});
}

TEST(ParseMetadataCredentials, TheContainerFormWithoutCodeIsRead) {
  auto parsed = parse_metadata_credentials(
      R"({"RoleArn": "arn:aws:iam::1:role/r", "AccessKeyId": "A", "SecretAccessKey": "S",
          "Token": "T", "Expiration": "2026-12-02T12:00:00Z"})",
      "container credentials");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->credentials.access_key_id, "A");
}

TEST(ParseMetadataCredentials, ErrorsNameTheSourceAndFieldNeverASecret) {
  EXPECT_TRUE(fails_with(parse_metadata_credentials("<html>", "instance metadata"),
                         errc::kInvalidResponse, {"instance metadata answer", "not JSON"}));
  EXPECT_TRUE(fails_with(parse_metadata_credentials(R"({"Code": "Failed"})", "instance metadata"),
                         errc::kInvalidResponse, {"Code", "'Failed'"}));
  auto no_token = parse_metadata_credentials(R"({"AccessKeyId": "A", "SecretAccessKey": ")" +
                                                 std::string(kSecret) +
                                                 R"(", "Expiration": "2026-12-02T12:00:00Z"})",
                                             "container credentials");
  EXPECT_TRUE(fails_with(no_token, errc::kInvalidResponse, {"container credentials", "Token"}));
  EXPECT_EQ(no_token.error().message.find(kSecret), std::string::npos);
  EXPECT_TRUE(fails_with(parse_metadata_credentials(metadata_json("tomorrow"), "imds"),
                         errc::kInvalidResponse, {"Expiration", "'tomorrow'"}));
  auto wrong_type = parse_metadata_credentials(
      R"({"AccessKeyId": "A", "SecretAccessKey": 42, "Token": "T", "Expiration": "x"})", "imds");
  EXPECT_TRUE(fails_with(wrong_type, errc::kInvalidResponse, {"SecretAccessKey"}));
}

// --- The container request ----------------------------------------------------------------------

std::string header(const HttpRequest& request, std::string_view name) {
  for (const auto& h : request.headers) {
    if (h.name == name) return h.value;
  }
  return "<absent>";
}

TEST(ContainerCredentialsRequest, TheRelativeUriGoesToTheEcsAgent) {
  auto request = container_credentials_request(
      environment_map({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
                       {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://ignored.example"}}));
  ASSERT_TRUE(request.ok()) << request.error().describe();
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(header(*request, "Authorization"), "<absent>");
}

TEST(ContainerCredentialsRequest, AFullUriMustBeHttpsLoopbackOrTheEksAgent) {
  for (const char* allowed :
       {"https://creds.example/role", "http://127.0.0.1:8080/creds", "http://localhost/creds",
        "http://[::1]:9/c", "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials"}) {
    auto request = container_credentials_request(
        environment_map({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed}}));
    ASSERT_TRUE(request.ok()) << allowed << ": " << request.error().describe();
    EXPECT_EQ(request->url, allowed);
  }
  for (const char* refused : {"http://10.0.0.1/creds?token=hidden", "http://169.254.170.230/c",
                              "file:///etc/passwd", "http://169.254.170.23.evil.example/c"}) {
    auto request = container_credentials_request(
        environment_map({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", refused}}));
    EXPECT_TRUE(fails_with(request, "ForbiddenUrl", {"AWS_CONTAINER_CREDENTIALS_FULL_URI"}))
        << refused;
    EXPECT_EQ(request.error().message.find("hidden"), std::string::npos);
  }
}

TEST(ContainerCredentialsRequest, TheAuthorizationTokenIsSentAndALineBreakInItRefused) {
  auto request = container_credentials_request(
      environment_map({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c"},
                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc"}}));
  ASSERT_TRUE(request.ok()) << request.error().describe();
  EXPECT_EQ(header(*request, "Authorization"), "Basic abc");

  auto injected = container_credentials_request(
      environment_map({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c"},
                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Injected: 1"}}));
  EXPECT_TRUE(fails_with(injected, errc::kInvalidConfiguration, {"line break"}));
  EXPECT_EQ(injected.error().message.find("abc"), std::string::npos);
}

TEST(ContainerCredentialsRequest, AnUnreadableTokenFileIsNamed) {
  auto request = container_credentials_request(
      environment_map({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c"},
                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent/bulkqa/token"}}));
  EXPECT_TRUE(fails_with(request, errc::kFileError,
                         {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent/bulkqa/token"}));
}

TEST(ContainerCredentialsRequest, NeitherVariableMeansNoCredentialsHere) {
  EXPECT_TRUE(fails_with(container_credentials_request(environment_map({})), errc::kNoCredentials,
                         {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"}));
  EXPECT_TRUE(fails_with(container_credentials_request(environment_map(
                             {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/creds"}})),
                         errc::kInvalidConfiguration, {"'/'"}));
}

// --- The environment provider -------------------------------------------------------------------

TEST(EnvironmentCredentials, ReadsKeysAndTokenThatNeverExpire) {
  auto fetched =
      environment_credentials(environment_map({{"AWS_ACCESS_KEY_ID", "AKID"},
                                               {"AWS_SECRET_ACCESS_KEY", std::string(kSecret)},
                                               {"AWS_SESSION_TOKEN", "token"}}))
          ->fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.error().describe();
  EXPECT_EQ(fetched->credentials.access_key_id, "AKID");
  EXPECT_EQ(fetched->credentials.session_token, "token");
  EXPECT_EQ(fetched->expiration, system_clock::time_point::max());
}

TEST(EnvironmentCredentials, NoneIsNoCredentialsAndHalfAPairAnError) {
  EXPECT_TRUE(fails_with(environment_credentials(environment_map({}))->fetch(),
                         errc::kNoCredentials, {"AWS_ACCESS_KEY_ID"}));
  auto half =
      environment_credentials(environment_map({{"AWS_SECRET_ACCESS_KEY", std::string(kSecret)}}))
          ->fetch();
  EXPECT_TRUE(fails_with(half, errc::kInvalidConfiguration,
                         {"AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"}));
  EXPECT_EQ(half.error().message.find(kSecret), std::string::npos);
}

TEST(ResolveRegion, AwsRegionThenAwsDefaultRegion) {
  EXPECT_EQ(resolve_region(
                environment_map({{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}}))
                .value(),
            "eu-west-1");
  EXPECT_EQ(resolve_region(environment_map({{"AWS_DEFAULT_REGION", "us-west-2"}})).value(),
            "us-west-2");
  EXPECT_TRUE(fails_with(resolve_region(environment_map({})), errc::kInvalidConfiguration,
                         {"AWS_REGION", "'default'", "HOME is not set"}));
}

// --- The chain ----------------------------------------------------------------------------------

// A provider that gives its answers in order, repeating the last; it counts its fetches.
struct Script {
  std::vector<Result<TemporaryCredentials>> answers;
  int fetches = 0;
};

class ScriptedProvider final : public CredentialProvider {
 public:
  ScriptedProvider(std::string name, std::shared_ptr<Script> script)
      : name_(std::move(name)), script_(std::move(script)) {}
  std::string name() const override { return name_; }
  Result<TemporaryCredentials> fetch() override {
    const auto index = std::min<std::size_t>(script_->fetches++, script_->answers.size() - 1);
    return script_->answers[index];
  }

 private:
  std::string name_;
  std::shared_ptr<Script> script_;
};

const system_clock::time_point kStart = std::chrono::sys_days{std::chrono::year{2026} / 12 / 2};

TemporaryCredentials expiring(const std::string& key_id, system_clock::time_point expiration) {
  return {{key_id, std::string(kSecret), "token"}, expiration};
}

Error none_here(const std::string& why) {
  return make_error(errc::kNoCredentials, why);
}

class CredentialChainTest : public ::testing::Test {
 protected:
  std::shared_ptr<Script> add(const std::string& name,
                              std::vector<Result<TemporaryCredentials>> answers) {
    auto script = std::make_shared<Script>(Script{std::move(answers), 0});
    providers_.push_back(std::make_unique<ScriptedProvider>(name, script));
    return script;
  }
  CredentialChain chain() {
    return CredentialChain(std::move(providers_), [this] { return now_; });
  }

  std::vector<std::unique_ptr<CredentialProvider>> providers_;
  system_clock::time_point now_ = kStart;
};

TEST_F(CredentialChainTest, TheFirstProviderWithCredentialsWinsAndIsKept) {
  auto first = add("first", {none_here("nothing set")});
  auto second = add("second", {expiring("SECOND", kStart + 1h)});
  auto third = add("third", {expiring("THIRD", kStart + 1h)});
  CredentialChain source = chain();
  EXPECT_EQ(source.credentials().value().access_key_id, "SECOND");
  EXPECT_EQ(third->fetches, 0);
  // Refreshing asks the provider that answered, not the whole chain again.
  now_ = kStart + 58min;
  EXPECT_EQ(source.credentials().value().access_key_id, "SECOND");
  EXPECT_EQ(first->fetches, 1);
  EXPECT_EQ(second->fetches, 2);
  EXPECT_EQ(third->fetches, 0);
}

TEST_F(CredentialChainTest, NoCredentialsAnywhereListsWhatWasTried) {
  add("environment", {none_here("AWS_ACCESS_KEY_ID is not set")});
  add("instance metadata", {none_here("AWS_EC2_METADATA_DISABLED is true")});
  EXPECT_TRUE(fails_with(chain().credentials(), errc::kNoCredentials,
                         {"environment: AWS_ACCESS_KEY_ID is not set",
                          "instance metadata: AWS_EC2_METADATA_DISABLED"}));
}

TEST_F(CredentialChainTest, AConfiguredSourceThatFailsEndsTheSearch) {
  add("shared files", {make_error(errc::kInvalidCredentialsFile, "credentials line 3: bad")});
  auto later = add("instance metadata", {expiring("LATER", kStart + 1h)});
  EXPECT_TRUE(fails_with(chain().credentials(), errc::kInvalidCredentialsFile,
                         {"shared files credentials", "credentials line 3"}));
  EXPECT_EQ(later->fetches, 0);
}

TEST_F(CredentialChainTest, TemporaryCredentialsAreFetchedAgainFiveMinutesBeforeTheyExpire) {
  auto provider =
      add("container", {expiring("FIRST", kStart + 1h), expiring("SECOND", kStart + 2h)});
  CredentialChain source = chain();
  EXPECT_EQ(source.credentials().value().access_key_id, "FIRST");
  now_ = kStart + 1h - kCredentialRenewalMargin - 1s;
  EXPECT_EQ(source.credentials().value().access_key_id, "FIRST");
  EXPECT_EQ(provider->fetches, 1);
  now_ = kStart + 1h - kCredentialRenewalMargin;
  EXPECT_EQ(source.credentials().value().access_key_id, "SECOND");
  EXPECT_EQ(provider->fetches, 2);
}

TEST_F(CredentialChainTest, LongTermKeysAreNeverFetchedAgain) {
  auto provider = add("environment", {expiring("KEYS", system_clock::time_point::max())});
  CredentialChain source = chain();
  ASSERT_TRUE(source.credentials().ok());
  now_ = kStart + 24h * 365;
  EXPECT_EQ(source.credentials().value().access_key_id, "KEYS");
  EXPECT_EQ(provider->fetches, 1);
}

TEST_F(CredentialChainTest, AFailedRefreshKeepsValidCredentialsThenFailsOnceTheyExpire) {
  auto provider = add("instance metadata", {expiring("FIRST", kStart + 1h),
                                            none_here("instance metadata answered 500")});
  CredentialChain source = chain();
  ASSERT_TRUE(source.credentials().ok());
  now_ = kStart + 58min;
  EXPECT_EQ(source.credentials().value().access_key_id, "FIRST");
  now_ = kStart + 59min;  // tried again at each call while they last
  EXPECT_EQ(source.credentials().value().access_key_id, "FIRST");
  EXPECT_EQ(provider->fetches, 3);
  now_ = kStart + 1h;
  EXPECT_TRUE(fails_with(source.credentials(), errc::kNoCredentials,
                         {"instance metadata credentials", "answered 500"}));
}

TEST_F(CredentialChainTest, CredentialsAlreadyInsideTheMarginAreNotFetchedAtEveryCall) {
  auto provider = add("container", {expiring("SHORT", kStart + 3min)});
  CredentialChain source = chain();
  ASSERT_TRUE(source.credentials().ok());
  now_ = kStart + 59s;
  ASSERT_TRUE(source.credentials().ok());
  EXPECT_EQ(provider->fetches, 1);
  now_ = kStart + 1min;
  ASSERT_TRUE(source.credentials().ok());
  EXPECT_EQ(provider->fetches, 2);
}

TEST(StaticCredentialSource, AlwaysGivesItsCredentials) {
  StaticCredentialSource source({"AKID", std::string(kSecret), ""});
  EXPECT_EQ(source.credentials().value().access_key_id, "AKID");
}

}  // namespace
}  // namespace bulkqa::aws
