// The credential chain against loopback fakes of the EC2 instance metadata service (IMDSv2: no
// answer without a session token) and of the ECS container endpoint, and against temporary shared
// credentials and config files; then the chain signing real calls to moto, where switching the
// credentials the fake serves switches who the next call runs as. The clock is injected: expiry
// and refresh happen without waiting.
#include <gtest/gtest.h>
#include <httplib.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "bulkqa/aws/credentials.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/aws/sts.hpp"
#include "bulkqa/local/http_server_thread.hpp"
#include "support/environment_map.hpp"
#include "support/moto.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa::aws {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::system_clock;
using testing::allow_policy;
using testing::environment_map;
using testing::fails_with;
using testing::MotoServer;

const system_clock::time_point kStart = std::chrono::sys_days{std::chrono::year{2026} / 12 / 2};
constexpr const char* kImdsToken = "imds-session-token";
constexpr const char* kRole = "portal-role";

std::string utc_text(system_clock::time_point time) {
  const std::time_t seconds = system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string credentials_json(const TemporaryCredentials& served) {
  return nlohmann::json{{"Code", "Success"},
                        {"Type", "AWS-HMAC"},
                        {"AccessKeyId", served.credentials.access_key_id},
                        {"SecretAccessKey", served.credentials.secret_access_key},
                        {"Token", served.credentials.session_token},
                        {"Expiration", utc_text(served.expiration)}}
      .dump();
}

TemporaryCredentials temporary(const std::string& key_id, system_clock::time_point expiration) {
  return {{key_id, "secret-of-" + key_id, "token-of-" + key_id}, expiration};
}

// A loopback HTTP server whose handlers share one lock with the test's reads and changes.
class FakeEndpoint {
 public:
  FakeEndpoint() = default;
  FakeEndpoint(const FakeEndpoint&) = delete;
  FakeEndpoint& operator=(const FakeEndpoint&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(serving_->port()); }
  void serve(TemporaryCredentials credentials) {
    const std::lock_guard lock(mutex_);
    served_ = std::move(credentials);
  }
  void set_failing(bool failing) {
    const std::lock_guard lock(mutex_);
    failing_ = failing;
  }
  int requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  int credential_answers() const {
    const std::lock_guard lock(mutex_);
    return credential_answers_;
  }

 protected:
  void start() {
    auto serving = local::HttpServerThread::start(server_, "127.0.0.1", 0);
    if (!serving) throw std::runtime_error(serving.error().describe());
    serving_ = std::move(*serving);
  }
  // Answers with the served credentials (or 500 while failing); the caller holds the lock.
  void answer_credentials(httplib::Response& response) {
    if (failing_) {
      response.status = 500;
      return;
    }
    ++credential_answers_;
    response.set_content(credentials_json(served_), "application/json");
  }

  httplib::Server server_;
  mutable std::mutex mutex_;
  TemporaryCredentials served_ = temporary("ASIAFIRST", kStart + 1h);
  bool failing_ = false;
  int requests_ = 0;
  int credential_answers_ = 0;

 private:
  std::unique_ptr<local::HttpServerThread> serving_;
};

// IMDSv2: a session token from PUT /latest/api/token (which must ask for a TTL), and no metadata
// without it. Without the token route it plays an IMDSv1-only service.
class FakeInstanceMetadata : public FakeEndpoint {
 public:
  explicit FakeInstanceMetadata(bool has_token_route = true) {
    if (has_token_route) {
      server_.Put("/latest/api/token",
                  [this](const httplib::Request& request, httplib::Response& response) {
                    const std::lock_guard lock(mutex_);
                    ++requests_;
                    ttl_asked_ = request.get_header_value("X-aws-ec2-metadata-token-ttl-seconds");
                    if (ttl_asked_.empty()) {
                      response.status = 400;
                      return;
                    }
                    response.set_content(kImdsToken, "text/plain");
                  });
    }
    server_.Get("/latest/meta-data/iam/security-credentials/",
                [this](const httplib::Request& request, httplib::Response& response) {
                  const std::lock_guard lock(mutex_);
                  if (!with_token(request, response)) return;
                  response.set_content(std::string(kRole) + "\n", "text/plain");
                });
    server_.Get(std::string("/latest/meta-data/iam/security-credentials/") + kRole,
                [this](const httplib::Request& request, httplib::Response& response) {
                  const std::lock_guard lock(mutex_);
                  if (!with_token(request, response)) return;
                  answer_credentials(response);
                });
    start();
  }

  int refused_without_token() const {
    const std::lock_guard lock(mutex_);
    return refused_without_token_;
  }
  std::string ttl_asked() const {
    const std::lock_guard lock(mutex_);
    return ttl_asked_;
  }

 private:
  bool with_token(const httplib::Request& request, httplib::Response& response) {
    ++requests_;
    if (request.get_header_value("X-aws-ec2-metadata-token") == kImdsToken) return true;
    ++refused_without_token_;
    response.status = 401;
    return false;
  }

  int refused_without_token_ = 0;
  std::string ttl_asked_;
};

// The ECS agent's endpoint: credentials at /creds for the holder of the expected Authorization.
class FakeContainerEndpoint : public FakeEndpoint {
 public:
  FakeContainerEndpoint() {
    server_.Get("/creds", [this](const httplib::Request& request, httplib::Response& response) {
      const std::lock_guard lock(mutex_);
      ++requests_;
      if (request.get_header_value("Authorization") != expected_token_) {
        response.status = 401;
        return;
      }
      answer_credentials(response);
    });
    start();
  }
  std::string uri() const { return endpoint() + "/creds"; }
  void expect_token(std::string token) {
    const std::lock_guard lock(mutex_);
    expected_token_ = std::move(token);
  }

 private:
  std::string expected_token_ = "container-token";
};

class CredentialChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::path(::testing::TempDir()) / MotoServer::unique_name("credential-chain");
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  // Variables as on a machine with no ~/.aws files, plus `variables`.
  std::map<std::string, std::string> environment(std::map<std::string, std::string> variables) {
    variables.emplace("HOME", (directory_ / "home").string());
    return variables;
  }
  std::shared_ptr<CredentialChain> chain(std::map<std::string, std::string> variables) {
    CredentialChainOptions options;
    options.environment = environment_map(environment(std::move(variables)));
    options.clock = [this] { return now_; };
    return default_credential_chain(std::move(options));
  }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path path = directory_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    return path;
  }

  fs::path directory_;
  system_clock::time_point now_ = kStart;
};

// --- Instance metadata
// ----------------------------------------------------------------------------

TEST_F(CredentialChainTest, InstanceMetadataGivesTheRoleCredentialsThroughASessionToken) {
  FakeInstanceMetadata imds;
  auto source = chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()}});
  auto credentials = source->credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIAFIRST");
  EXPECT_EQ(credentials->secret_access_key, "secret-of-ASIAFIRST");
  EXPECT_EQ(credentials->session_token, "token-of-ASIAFIRST");
  EXPECT_EQ(imds.ttl_asked(), "21600");
  EXPECT_EQ(imds.refused_without_token(), 0);
  EXPECT_EQ(imds.credential_answers(), 1);
}

TEST_F(CredentialChainTest, TheFakeLikeIMDSv2RefusesAGetWithoutTheToken) {
  FakeInstanceMetadata imds;
  HttpClient http;
  auto answer =
      http.send({"GET", imds.endpoint() + "/latest/meta-data/iam/security-credentials/", {}, ""});
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  EXPECT_EQ(answer->status, 401);
  EXPECT_EQ(imds.refused_without_token(), 1);
}

TEST_F(CredentialChainTest, AnEndpointWithoutSessionTokensGivesNoCredentials) {
  FakeInstanceMetadata v1_only(false);
  auto credentials =
      chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", v1_only.endpoint() + "/"}})->credentials();
  EXPECT_TRUE(fails_with(
      credentials, errc::kNoCredentials,
      {"instance metadata at " + v1_only.endpoint(), "PUT /latest/api/token", "HTTP 404"}));
  EXPECT_EQ(v1_only.credential_answers(), 0);
}

TEST_F(CredentialChainTest, RoleCredentialsAreRefreshedBeforeTheyExpireAndKeptWhileRefreshFails) {
  FakeInstanceMetadata imds;
  imds.serve(temporary("ASIAFIRST", kStart + 1h));
  auto source = chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()}});
  ASSERT_EQ(source->credentials().value().access_key_id, "ASIAFIRST");

  imds.serve(temporary("ASIASECOND", kStart + 2h));
  now_ = kStart + 54min;  // six minutes left: still used, not fetched again
  EXPECT_EQ(source->credentials().value().access_key_id, "ASIAFIRST");
  EXPECT_EQ(imds.credential_answers(), 1);
  now_ = kStart + 56min;  // within five minutes of expiry: fetched again
  EXPECT_EQ(source->credentials().value().access_key_id, "ASIASECOND");
  EXPECT_EQ(imds.credential_answers(), 2);

  imds.set_failing(true);
  now_ = kStart + 1h + 57min;  // the refresh fails while the second ones are valid for 3 minutes
  EXPECT_EQ(source->credentials().value().access_key_id, "ASIASECOND");
  now_ = kStart + 2h;  // expired, and the refresh still fails
  auto expired = source->credentials();
  EXPECT_TRUE(
      fails_with(expired, errc::kNoCredentials, {"instance metadata credentials", "HTTP 500"}));
  EXPECT_EQ(expired.error().message.find("secret-of"), std::string::npos);
  EXPECT_EQ(expired.error().message.find(kImdsToken), std::string::npos);

  imds.set_failing(false);
  imds.serve(temporary("ASIATHIRD", kStart + 3h));
  EXPECT_EQ(source->credentials().value().access_key_id, "ASIATHIRD");
}

TEST_F(CredentialChainTest, DisabledInstanceMetadataIsNotAskedAndTheErrorListsEverySource) {
  FakeInstanceMetadata imds;
  auto credentials = chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()},
                            {"AWS_EC2_METADATA_DISABLED", "TRUE"}})
                         ->credentials();
  EXPECT_TRUE(fails_with(credentials, errc::kNoCredentials,
                         {"environment: AWS_ACCESS_KEY_ID", "shared files: no profile 'default'",
                          "container: neither", "instance metadata: AWS_EC2_METADATA_DISABLED"}));
  EXPECT_EQ(imds.requests(), 0);
}

// --- Container credentials
// ------------------------------------------------------------------------

TEST_F(CredentialChainTest, ContainerCredentialsComeBeforeInstanceMetadataWithTheToken) {
  FakeContainerEndpoint container;
  FakeInstanceMetadata imds;
  container.serve(temporary("ASIACONTAINER", kStart + 1h));
  auto credentials = chain({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", container.uri()},
                            {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token"},
                            {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()}})
                         ->credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(imds.requests(), 0);
}

TEST_F(CredentialChainTest, ARefusedContainerTokenEndsTheSearchWithoutItsValue) {
  FakeContainerEndpoint container;
  FakeInstanceMetadata imds;
  auto credentials = chain({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", container.uri()},
                            {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-token"},
                            {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()}})
                         ->credentials();
  EXPECT_TRUE(fails_with(credentials, errc::kHttpError, {"container credentials", "HTTP 401"}));
  EXPECT_EQ(credentials.error().message.find("wrong-token"), std::string::npos);
  EXPECT_EQ(container.requests(), 1);  // a refusal is not retried
  EXPECT_EQ(imds.requests(), 0);
}

TEST_F(CredentialChainTest, TheTokenFileIsReadAgainAtEachRefresh) {
  FakeContainerEndpoint container;
  const fs::path token_file = write("token", "first-token\n");
  container.expect_token("first-token");
  container.serve(temporary("ASIAFIRST", kStart + 1h));
  auto source = chain({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", container.uri()},
                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-a-file-is-named"},
                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file.string()}});
  ASSERT_EQ(source->credentials().value().access_key_id, "ASIAFIRST");

  write("token", "second-token");
  container.expect_token("second-token");
  container.serve(temporary("ASIASECOND", kStart + 2h));
  now_ = kStart + 56min;
  auto refreshed = source->credentials();
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().describe();
  EXPECT_EQ(refreshed->access_key_id, "ASIASECOND");
}

// --- Shared files
// ---------------------------------------------------------------------------------

class SharedFilesTest : public CredentialChainTest {
 protected:
  void SetUp() override {
    CredentialChainTest::SetUp();
    credentials_file_ = write("aws/credentials",
                              "[default]\n"
                              "aws_access_key_id = AKIADEFAULT\n"
                              "aws_secret_access_key = default-secret\n"
                              "\n"
                              "[reviewer]\n"
                              "aws_access_key_id = ASIAREVIEWER\n"
                              "aws_secret_access_key = reviewer-secret\n"
                              "aws_session_token = reviewer-token\n");
    config_file_ = write("aws/config",
                         "[default]\n"
                         "region = us-west-2\n"
                         "[profile reviewer]\n"
                         "region = eu-west-1\n"
                         "[profile keys-in-config]\n"
                         "aws_access_key_id = AKIACONFIG\n"
                         "aws_secret_access_key = config-secret\n");
  }
  std::map<std::string, std::string> files(std::map<std::string, std::string> variables) {
    variables.emplace("AWS_SHARED_CREDENTIALS_FILE", credentials_file_.string());
    variables.emplace("AWS_CONFIG_FILE", config_file_.string());
    return variables;
  }

  fs::path credentials_file_, config_file_;
};

TEST_F(SharedFilesTest, TheDefaultProfileWithoutAwsProfile) {
  auto credentials = chain(files({}))->credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(credentials->secret_access_key, "default-secret");
  EXPECT_EQ(credentials->session_token, "");
  EXPECT_EQ(resolve_region(environment_map(environment(files({})))).value(), "us-west-2");
}

TEST_F(SharedFilesTest, AwsProfileChoosesTheOtherProfileWithItsTokenAndRegion) {
  const auto variables = files({{"AWS_PROFILE", "reviewer"}});
  auto credentials = chain(variables)->credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "ASIAREVIEWER");
  EXPECT_EQ(credentials->session_token, "reviewer-token");
  EXPECT_EQ(resolve_region(environment_map(environment(variables))).value(), "eu-west-1");
}

TEST_F(SharedFilesTest, KeysMayStandInTheConfigFile) {
  auto credentials = chain(files({{"AWS_PROFILE", "keys-in-config"}}))->credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.error().describe();
  EXPECT_EQ(credentials->access_key_id, "AKIACONFIG");
}

TEST_F(SharedFilesTest, TheEnvironmentComesFirstAndItsRegionToo) {
  const auto variables = files({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                {"AWS_REGION", "ap-southeast-2"}});
  EXPECT_EQ(chain(variables)->credentials().value().access_key_id, "AKIAENV");
  EXPECT_EQ(resolve_region(environment_map(environment(variables))).value(), "ap-southeast-2");
}

TEST_F(SharedFilesTest, TheFilesUnderHomeAreReadWithoutOverrides) {
  write("home/.aws/credentials",
        "[default]\naws_access_key_id = AKIAHOME\n"
        "aws_secret_access_key = home-secret\n");
  write("home/.aws/config", "[default]\nregion = sa-east-1\n");
  EXPECT_EQ(chain({})->credentials().value().access_key_id, "AKIAHOME");
  EXPECT_EQ(resolve_region(environment_map(environment({}))).value(), "sa-east-1");
}

TEST_F(SharedFilesTest, AMalformedFileIsNamedWithItsLineAndNoSecret) {
  write("aws/credentials", "[default]\naws_access_key_id = AKIADEFAULT\nsecret-without-a-key\n");
  auto credentials = chain(files({}))->credentials();
  EXPECT_TRUE(fails_with(credentials, errc::kInvalidCredentialsFile,
                         {credentials_file_.string() + " line 3"}));
  EXPECT_EQ(credentials.error().message.find("secret-without-a-key"), std::string::npos);
}

TEST_F(SharedFilesTest, AProfileNamedButMissingIsAnErrorNamingBothFiles) {
  EXPECT_TRUE(fails_with(chain(files({{"AWS_PROFILE", "nobody"}}))->credentials(),
                         errc::kInvalidConfiguration,
                         {"'nobody'", credentials_file_.string(), config_file_.string()}));
}

// --- Signing real calls with the chain
// ------------------------------------------------------------

TEST_F(CredentialChainTest, EachCallIsSignedWithWhatTheSourceHoldsThen) {
  MotoServer& moto = MotoServer::shared();
  const std::string bucket = MotoServer::unique_name("chain-bucket");
  moto.create_bucket(bucket);
  HttpClient http;
  ASSERT_TRUE(S3Client(moto.config(moto.admin()), http).put_object({bucket, "a.json", "{}"}).ok());
  const std::string reader_role =
      moto.create_role(MotoServer::unique_name("chain-reader"),
                       allow_policy("s3:GetObject", "arn:aws:s3:::" + bucket + "/*"));
  const std::string other_role =
      moto.create_role(MotoServer::unique_name("chain-other"), allow_policy("s3:ListBucket", "*"));
  const Credentials caller = moto.create_user(MotoServer::unique_name("chain-caller"),
                                              allow_policy("sts:AssumeRole", "*"));
  StsClient sts(moto.config(caller), http);
  auto as_reader = sts.assume_role(reader_role, "portal");
  auto as_other = sts.assume_role(other_role, "portal");
  ASSERT_TRUE(as_reader.ok() && as_other.ok());

  FakeInstanceMetadata imds;
  imds.serve({*as_reader, kStart + 1h});
  AwsConfig config = moto.config({});
  config.credential_source = chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()}});
  S3Client s3(config, http);
  auto read = s3.get_object(bucket, "a.json");
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(*read, "{}");

  imds.serve({*as_other, kStart + 2h});
  now_ = kStart + 56min;
  auto refused = s3.get_object(bucket, "a.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 403) << refused.error().describe();
  EXPECT_EQ(imds.credential_answers(), 2);
}

TEST_F(CredentialChainTest, ACallWithoutCredentialsFailsBeforeAnythingIsSent) {
  AwsConfig config = MotoServer::shared().config({});
  config.credential_source = chain({{"AWS_EC2_METADATA_DISABLED", "true"}});
  HttpClient http;
  auto read = S3Client(config, http).get_object("any-bucket", "a.json");
  EXPECT_TRUE(fails_with(read, errc::kNoCredentials, {"GetObject s3://any-bucket/a.json"}));
  EXPECT_EQ(read.error().service, "s3");
}

}  // namespace
}  // namespace bulkqa::aws
