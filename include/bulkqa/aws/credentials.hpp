// Where AWS credentials come from, in the order the AWS SDKs look: the environment, the shared
// credentials and config files, ECS container credentials, then EC2 instance metadata (IMDSv2).
// Temporary credentials are fetched again shortly before they expire, so a long-running process
// (the review portal) never signs with stale keys. No secret appears in an error or a log line.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

// Credentials and when they stop working: time_point::max() for long-term keys.
struct TemporaryCredentials {
  Credentials credentials;
  std::chrono::system_clock::time_point expiration;
};

// Cached credentials are renewed this long before they expire, so none expires mid-call.
inline constexpr std::chrono::minutes kCredentialRenewalMargin{5};

// The credentials to sign with now. Callers ask again before each signature rather than keeping
// the answer, so that refreshed credentials reach them. Implementations are thread-safe.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual Result<Credentials> credentials() = 0;
};

// Fixed credentials: those of the environment, of moto's users, of an assumed role.
class StaticCredentialSource final : public CredentialSource {
 public:
  explicit StaticCredentialSource(Credentials credentials) : credentials_(std::move(credentials)) {}
  Result<Credentials> credentials() override { return credentials_; }

 private:
  const Credentials credentials_;
};

// An environment variable's value; nullopt when it is unset or empty. Tests pass a map instead
// of the process's environment.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> process_environment(const std::string& name);

using SystemClock = std::function<std::chrono::system_clock::time_point()>;

// One place credentials may come from. fetch() answers an Error with code errc::kNoCredentials
// when this place holds none (its message says why), and the chain asks the next one; any other
// Error (a malformed file, a configured endpoint that fails) ends the search, as in the SDKs.
// Not thread-safe: CredentialChain calls it under its mutex.
class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  virtual std::string name() const = 0;
  virtual Result<TemporaryCredentials> fetch() = 0;
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
std::unique_ptr<CredentialProvider> environment_credentials(EnvironmentLookup environment);
// The profile AWS_PROFILE names ("default" without it) in the credentials file
// (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), else in the config file
// (AWS_CONFIG_FILE, else ~/.aws/config, where it is "[profile NAME]"). Keys only: profiles that
// assume a role, use SSO or run a process are not read.
std::unique_ptr<CredentialProvider> shared_file_credentials(EnvironmentLookup environment);
// ECS (and EKS Pod Identity): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI against 169.254.170.2, or
// AWS_CONTAINER_CREDENTIALS_FULL_URI (https, loopback, or the EKS agent's addresses), with the
// Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at each fetch) or
// AWS_CONTAINER_AUTHORIZATION_TOKEN.
std::unique_ptr<CredentialProvider> container_credentials(EnvironmentLookup environment,
                                                          HttpClientOptions http);
// EC2 instance metadata, IMDSv2 only: a session token from PUT /latest/api/token, then the role
// under /latest/meta-data/iam/security-credentials/. AWS_EC2_METADATA_SERVICE_ENDPOINT moves the
// endpoint (default http://169.254.169.254); AWS_EC2_METADATA_DISABLED=true turns it off.
std::unique_ptr<CredentialProvider> instance_metadata_credentials(EnvironmentLookup environment,
                                                                  HttpClientOptions http);

// Asks its providers in order until one has credentials, then keeps to that provider: its
// credentials are fetched again once within kCredentialRenewalMargin of their expiration. A
// failed refresh keeps the old credentials while they are still valid (the next call tries
// again). Errors: the search's own (with the provider's name), or errc::kNoCredentials listing
// every provider tried and why it had none.
class CredentialChain final : public CredentialSource {
 public:
  explicit CredentialChain(
      std::vector<std::unique_ptr<CredentialProvider>> providers,
      SystemClock clock = [] { return std::chrono::system_clock::now(); });
  Result<Credentials> credentials() override;

 private:
  Result<TemporaryCredentials> search();

  std::mutex mutex_;
  std::vector<std::unique_ptr<CredentialProvider>> providers_;
  SystemClock clock_;
  CredentialProvider* chosen_ = nullptr;  // the provider that answered first
  std::optional<TemporaryCredentials> current_;
  std::chrono::system_clock::time_point refresh_at_;  // when current_ is fetched again
};

struct CredentialChainOptions {
  EnvironmentLookup environment = process_environment;
  SystemClock clock = [] { return std::chrono::system_clock::now(); };
  // For the metadata endpoints, which answer within a second when they exist at all (the SDKs
  // wait one second for IMDS); off EC2, 169.254.169.254 does not answer.
  HttpClientOptions metadata_http = {1, std::chrono::milliseconds(1000),
                                     std::chrono::milliseconds(2000), ""};
};

// The SDKs' default chain: environment, shared files, container, instance metadata.
std::shared_ptr<CredentialChain> default_credential_chain(CredentialChainOptions options = {});

// The region as the SDKs find it: AWS_REGION, AWS_DEFAULT_REGION, then the `region` of the
// profile (AWS_PROFILE, else "default") in the config file. Errors: kInvalidConfiguration naming
// where it looked, kInvalidCredentialsFile for a malformed config file.
Result<std::string> resolve_region(const EnvironmentLookup& environment);

// The files' format, read without I/O: "[section]" headers and "key = value" lines (blank lines
// and lines starting with '#' or ';' ignored; indented lines continue the previous key's nested
// settings, which credentials never use). Errors (kInvalidCredentialsFile) name the file and line.
struct IniValue {
  std::string value;
  int line = 0;
};
struct IniSection {
  int line = 0;  // of its header
  std::map<std::string, IniValue> values;
};
using IniFile = std::map<std::string, IniSection>;  // by the name inside the brackets, trimmed
Result<IniFile> parse_ini(std::string_view text, std::string_view file_name);

// A profile's section: "[NAME]" in the credentials file; "[profile NAME]" in the config file,
// where the default profile may also be "[default]". nullptr when absent.
const IniSection* credentials_file_profile(const IniFile& file, const std::string& profile);
const IniSection* config_file_profile(const IniFile& file, const std::string& profile);

// The keys in a profile's section: kNoCredentials when it has no aws_access_key_id (and no
// aws_secret_access_key), kInvalidCredentialsFile naming the file and line when it has only one.
Result<Credentials> profile_credentials(const IniSection& section, std::string_view profile,
                                        std::string_view file_name);

// The JSON that the container endpoint and instance metadata answer with: AccessKeyId,
// SecretAccessKey, Token, Expiration (and Code "Success" from IMDS). Errors (kInvalidResponse)
// name `source` and the field at fault, never a value.
Result<TemporaryCredentials> parse_metadata_credentials(std::string_view json,
                                                        std::string_view source);

// The request that container_credentials() sends, from the environment alone: kNoCredentials when
// neither URI variable is set, kInvalidConfiguration for a URI it must not call or a token with a
// line break. The token file is read here.
Result<HttpRequest> container_credentials_request(const EnvironmentLookup& environment);

}  // namespace bulkqa::aws
