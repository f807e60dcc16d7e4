#include "bulkqa/aws/credentials.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/aws/sts.hpp"
#include "bulkqa/util/json_fields.hpp"
#include "bulkqa/util/log.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::aws {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

constexpr auto kNeverExpires = system_clock::time_point::max();
constexpr const char* kDefaultProfile = "default";
constexpr const char* kContainerHost = "http://169.254.170.2";
constexpr const char* kInstanceMetadataEndpoint = "http://169.254.169.254";
constexpr const char* kImdsTokenPath = "/latest/api/token";
constexpr const char* kImdsRolesPath = "/latest/meta-data/iam/security-credentials/";
constexpr const char* kImdsTokenTtlSeconds = "21600";  // the SDKs' six hours
constexpr int kContainerAttempts = 3;                  // as botocore's container fetcher
// A refresh that brought credentials already inside the renewal margin is not repeated sooner
// than this: otherwise every signature would call the endpoint.
constexpr std::chrono::minutes kMinimumRefreshInterval{1};

Error no_credentials(std::string why) {
  return make_error(errc::kNoCredentials, std::move(why));
}

Error invalid_file(std::string_view file_name, int line, const std::string& problem) {
  return make_error(errc::kInvalidCredentialsFile,
                    std::string(file_name) + " line " + std::to_string(line) + ": " + problem);
}

std::string profile_name(const EnvironmentLookup& environment) {
  return environment("AWS_PROFILE").value_or(kDefaultProfile);
}

// A file of ~/.aws/, or the variable that moves it; nullopt when neither it nor HOME is set.
std::optional<std::string> aws_file_path(const EnvironmentLookup& environment,
                                         const char* override_variable, const char* file_name) {
  if (auto path = environment(override_variable)) return path;
  if (auto home = environment("HOME")) return (fs::path(*home) / ".aws" / file_name).string();
  return std::nullopt;
}

// The file parsed, nullopt when it does not exist: the SDKs treat a missing file as empty.
Result<std::optional<IniFile>> read_ini_file(const std::string& path) {
  std::error_code error;
  if (!fs::exists(path, error)) return std::optional<IniFile>();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!fs::is_regular_file(path, error) || !in || !(text << in.rdbuf())) {
    return make_error(errc::kFileError, "cannot read " + path);
  }
  auto parsed = parse_ini(text.str(), path);
  if (!parsed) return parsed.error();
  return std::optional<IniFile>(std::move(*parsed));
}

class EnvironmentCredentials final : public CredentialProvider {
 public:
  explicit EnvironmentCredentials(EnvironmentLookup environment)
      : environment_(std::move(environment)) {}
  std::string name() const override { return "environment"; }

  Result<TemporaryCredentials> fetch() override {
    const auto key_id = environment_("AWS_ACCESS_KEY_ID");
    const auto secret = environment_("AWS_SECRET_ACCESS_KEY");
    if (!key_id && !secret) {
      return no_credentials("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
    }
    if (!key_id || !secret) {
      return make_error(errc::kInvalidConfiguration,
                        std::string(key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                            " is set but " +
                            (key_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not");
    }
    return TemporaryCredentials{{*key_id, *secret, environment_("AWS_SESSION_TOKEN").value_or("")},
                                kNeverExpires};
  }

 private:
  EnvironmentLookup environment_;
};

// Why the shared files gave nothing: an error when AWS_PROFILE names a profile neither file has
// (as in the SDKs), else kNoCredentials with the reasons of the profiles found without keys.
Error not_found(const EnvironmentLookup& environment, const std::string& profile,
                const std::string& files, const std::vector<std::string>& reasons) {
  if (reasons.empty() && environment("AWS_PROFILE")) {
    return make_error(
        errc::kInvalidConfiguration,
        "AWS_PROFILE names profile " + quote_value(profile) + ", which neither " + files + " has");
  }
  if (reasons.empty()) return no_credentials("no profile " + quote_value(profile) + " in " + files);
  std::string why;
  for (const auto& reason : reasons) why += (why.empty() ? "" : "; ") + reason;
  return no_credentials(why +
                        " (profiles that assume a role, use SSO or run a process are not "
                        "supported)");
}

class SharedFileCredentials final : public CredentialProvider {
 public:
  explicit SharedFileCredentials(EnvironmentLookup environment)
      : environment_(std::move(environment)) {}
  std::string name() const override { return "shared files"; }

  Result<TemporaryCredentials> fetch() override {
    const std::string profile = profile_name(environment_);
    const auto credentials_path =
        aws_file_path(environment_, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
    const auto config_path = aws_file_path(environment_, "AWS_CONFIG_FILE", "config");
    if (!credentials_path && !config_path) {
      return no_credentials("HOME, AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE are not set");
    }
    std::vector<std::string> reasons;  // one per profile section found without keys
    for (const auto& [path, find_profile] : {std::pair{credentials_path, &credentials_file_profile},
                                             std::pair{config_path, &config_file_profile}}) {
      if (!path) continue;
      auto file = read_ini_file(*path);
      if (!file) return file.error();
      const IniSection* section = *file ? find_profile(**file, profile) : nullptr;
      if (section == nullptr) continue;
      auto credentials = profile_credentials(*section, profile, *path);
      if (credentials) return TemporaryCredentials{std::move(*credentials), kNeverExpires};
      if (credentials.error().code != errc::kNoCredentials) return credentials.error();
      reasons.push_back(credentials.error().message);
    }
    const std::string files = credentials_path.value_or("(no credentials file)") + " or " +
                              config_path.value_or("(no config file)");
    return not_found(environment_, profile, files, reasons);
  }

 private:
  EnvironmentLookup environment_;
};

// Whether an HTTP attempt at a metadata endpoint is worth repeating.
bool worth_another_attempt(const HttpOutcome& outcome) {
  return outcome ? is_retryable_status(outcome->status) : outcome.error().retryable;
}

class ContainerCredentials final : public CredentialProvider {
 public:
  ContainerCredentials(EnvironmentLookup environment, HttpClientOptions http)
      : environment_(std::move(environment)), http_(std::move(http)) {}
  std::string name() const override { return "container"; }

  Result<TemporaryCredentials> fetch() override {
    auto request = container_credentials_request(environment_);
    if (!request) return request.error();
    std::vector<HttpTask> tasks(1);
    tasks.front().make_request = [&request] { return *request; };
    tasks.front().retry_delay = [](const HttpOutcome& outcome, int attempt) {
      return attempt < kContainerAttempts && worth_another_attempt(outcome)
                 ? std::optional(std::chrono::milliseconds(100 * attempt))
                 : std::nullopt;
    };
    auto answer = std::move(http_.run(std::move(tasks)).front());
    // The URL is not quoted: a full URI may carry a token in its query.
    if (!answer) return with_context("the container credentials endpoint", answer.error());
    if (answer->status != 200) {
      return make_error(errc::kHttpError, "the container credentials endpoint answered HTTP " +
                                              std::to_string(answer->status));
    }
    return parse_metadata_credentials(answer->body, "container credentials");
  }

 private:
  EnvironmentLookup environment_;
  HttpClient http_;
};

class InstanceMetadataCredentials final : public CredentialProvider {
 public:
  InstanceMetadataCredentials(EnvironmentLookup environment, HttpClientOptions http)
      : environment_(std::move(environment)), http_(std::move(http)) {}
  std::string name() const override { return "instance metadata"; }

  Result<TemporaryCredentials> fetch() override {
    if (const auto disabled = environment_("AWS_EC2_METADATA_DISABLED");
        disabled && equals_ignoring_ascii_case(*disabled, "true")) {
      return no_credentials("AWS_EC2_METADATA_DISABLED is true");
    }
    std::string endpoint =
        environment_("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(kInstanceMetadataEndpoint);
    while (endpoint.ends_with('/')) endpoint.pop_back();

    auto token = call(endpoint, {"PUT",
                                 endpoint + kImdsTokenPath,
                                 {{"X-aws-ec2-metadata-token-ttl-seconds", kImdsTokenTtlSeconds}},
                                 ""});
    if (!token) return token.error();
    const std::vector<HttpHeader> with_token{{"X-aws-ec2-metadata-token", *token}};
    auto roles = call(endpoint, {"GET", endpoint + kImdsRolesPath, with_token, ""});
    if (!roles) return roles.error();
    const std::string role(trim_whitespace(std::string_view(*roles).substr(0, roles->find('\n'))));
    if (role.empty()) return no_credentials("no IAM role is attached to this instance");
    auto credentials = call(
        endpoint, {"GET", endpoint + kImdsRolesPath + uri_encode(role, false), with_token, ""});
    if (!credentials) return credentials.error();
    return parse_metadata_credentials(*credentials, "instance metadata");
  }

 private:
  // The body of a 200 answer. Everything else means no credentials here, as in the SDKs, which
  // then look no further; the message says what happened without the token.
  Result<std::string> call(const std::string& endpoint, HttpRequest request) {
    const std::string what = request.method + " " + request.url.substr(endpoint.size());
    auto answer = http_.send(std::move(request));
    if (!answer) {
      return no_credentials("no instance metadata at " + endpoint + " (" + what + ": " +
                            answer.error().message + ")");
    }
    if (answer->status == 404 && what.find(kImdsRolesPath) != std::string::npos) {
      return no_credentials("no IAM role is attached to this instance (" + what + ": HTTP 404)");
    }
    if (answer->status != 200) {
      return no_credentials("instance metadata at " + endpoint + " answered " + what +
                            " with HTTP " + std::to_string(answer->status));
    }
    return std::move(answer->body);
  }

  EnvironmentLookup environment_;
  HttpClient http_;
};

bool is_eks_pod_identity_uri(std::string_view url) {
  for (std::string_view agent : {"http://169.254.170.23", "http://[fd00:ec2::23]"}) {
    if (url.starts_with(agent) &&
        (url.size() == agent.size() || url[agent.size()] == '/' || url[agent.size()] == ':')) {
      return true;
    }
  }
  return false;
}

Result<std::optional<std::string>> container_authorization(const EnvironmentLookup& environment) {
  std::optional<std::string> token;
  if (const auto path = environment("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    std::ifstream in(*path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) {
      return make_error(errc::kFileError,
                        "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *path);
    }
    token = std::string(trim_whitespace(text.str()));
  } else {
    token = environment("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (token && token->find_first_of("\r\n") != std::string::npos) {
    return make_error(errc::kInvalidConfiguration,
                      "the container authorization token holds a line break");
  }
  return token;
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

Result<IniFile> parse_ini(std::string_view text, std::string_view file_name) {
  IniFile file;
  IniSection* section = nullptr;
  const IniValue* last_value = nullptr;
  int line_number = 0;
  for (std::size_t start = 0; start <= text.size(); ++line_number) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    const std::string_view line = trim_whitespace(raw);
    const int number = line_number + 1;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (raw.front() == ' ' || raw.front() == '\t') {
      // A nested setting ("s3 =" then indented lines) belongs to the key above it.
      if (last_value == nullptr)
        return invalid_file(file_name, number, "indented line after no setting");
      continue;
    }
    if (line.front() == '[') {
      const std::string_view name =
          line.back() == ']' ? trim_blanks(line.substr(1, line.size() - 2)) : std::string_view();
      if (name.empty()) return invalid_file(file_name, number, "expected '[section name]'");
      section = &file.try_emplace(std::string(name), IniSection{number, {}}).first->second;
      last_value = nullptr;
      continue;
    }
    // The line's text is never quoted: it may hold a secret.
    const std::size_t separator = line.find_first_of("=:");
    if (separator == std::string_view::npos) {
      return invalid_file(file_name, number, "expected '[section]' or 'key = value'");
    }
    const std::string key = to_ascii_lower(trim_blanks(line.substr(0, separator)));
    if (key.empty()) return invalid_file(file_name, number, "a setting without a name");
    if (section == nullptr)
      return invalid_file(file_name, number, "a setting before any [section]");
    IniValue& value = section->values[key];
    value = {std::string(trim_blanks(line.substr(separator + 1))), number};
    last_value = &value;
  }
  return file;
}

const IniSection* credentials_file_profile(const IniFile& file, const std::string& profile) {
  const auto found = file.find(profile);
  return found == file.end() ? nullptr : &found->second;
}

const IniSection* config_file_profile(const IniFile& file, const std::string& profile) {
  for (const auto& [name, section] : file) {
    const std::string_view text(name);
    if (text.starts_with("profile ") && trim_blanks(text.substr(8)) == profile) return &section;
  }
  if (profile == kDefaultProfile) return credentials_file_profile(file, profile);
  return nullptr;
}

Result<Credentials> profile_credentials(const IniSection& section, std::string_view profile,
                                        std::string_view file_name) {
  const auto value = [&section](const char* key) -> const IniValue* {
    const auto found = section.values.find(key);
    return found == section.values.end() ? nullptr : &found->second;
  };
  const IniValue* key_id = value("aws_access_key_id");
  const IniValue* secret = value("aws_secret_access_key");
  if (key_id == nullptr && secret == nullptr) {
    return no_credentials("profile " + quote_value(profile) + " in " + std::string(file_name) +
                          " (line " + std::to_string(section.line) + ") has no aws_access_key_id");
  }
  for (const auto& [present, other, other_name] :
       {std::tuple{key_id, secret, "aws_secret_access_key"},
        std::tuple{secret, key_id, "aws_access_key_id"}}) {
    if (present != nullptr && other == nullptr) {
      return invalid_file(file_name, present->line,
                          "profile " + quote_value(profile) + " has no " + other_name);
    }
  }
  for (const IniValue* given : {key_id, secret}) {
    if (given->value.empty()) return invalid_file(file_name, given->line, "an empty key");
  }
  const IniValue* token = value("aws_session_token");
  return Credentials{key_id->value, secret->value, token ? token->value : ""};
}

Result<TemporaryCredentials> parse_metadata_credentials(std::string_view json,
                                                        std::string_view source) {
  const auto invalid = [source](const Error& error) {
    return with_context(std::string(source) + " answer", error);
  };
  auto parsed = parse_json(json, "the answer", errc::kInvalidResponse);
  if (!parsed) return invalid(parsed.error());
  auto reader = JsonObjectReader::open(*parsed, "", errc::kInvalidResponse);
  if (!reader) return invalid(reader.error());
  if (auto code = reader->optional_string("Code"); !code) {
    return invalid(code.error());
  } else if (*code && **code != "Success") {
    return invalid(make_error(errc::kInvalidResponse, "Code is " + quote_value(**code)));
  }
  TemporaryCredentials result;
  for (const auto& [field, target] :
       {std::pair{"AccessKeyId", &result.credentials.access_key_id},
        std::pair{"SecretAccessKey", &result.credentials.secret_access_key},
        std::pair{"Token", &result.credentials.session_token}}) {
    auto text = reader->required_string(field);
    if (!text) return invalid(text.error());
    *target = std::move(*text);
  }
  auto expiration_text = reader->required_string("Expiration");
  if (!expiration_text) return invalid(expiration_text.error());
  auto expiration = parse_utc_timestamp(*expiration_text);
  if (!expiration) {
    return invalid(make_error(errc::kInvalidResponse, "Expiration: " + expiration.error().message));
  }
  result.expiration = *expiration;
  return result;
}

Result<HttpRequest> container_credentials_request(const EnvironmentLookup& environment) {
  HttpRequest request{"GET", "", {{"Accept", "application/json"}}, ""};
  if (const auto relative = environment("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    if (!relative->starts_with('/')) {
      return make_error(errc::kInvalidConfiguration,
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI does not start with '/'");
    }
    request.url = kContainerHost + *relative;
  } else if (const auto full = environment("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    if (auto allowed = check_untrusted_url(*full); !allowed && !is_eks_pod_identity_uri(*full)) {
      return with_context("AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed.error());
    }
    request.url = *full;
  } else {
    return no_credentials(
        "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI "
        "is set");
  }
  auto token = container_authorization(environment);
  if (!token) return token.error();
  if (*token) request.headers.push_back({"Authorization", **token});
  return request;
}

std::unique_ptr<CredentialProvider> environment_credentials(EnvironmentLookup environment) {
  return std::make_unique<EnvironmentCredentials>(std::move(environment));
}

std::unique_ptr<CredentialProvider> shared_file_credentials(EnvironmentLookup environment) {
  return std::make_unique<SharedFileCredentials>(std::move(environment));
}

std::unique_ptr<CredentialProvider> container_credentials(EnvironmentLookup environment,
                                                          HttpClientOptions http) {
  return std::make_unique<ContainerCredentials>(std::move(environment), std::move(http));
}

std::unique_ptr<CredentialProvider> instance_metadata_credentials(EnvironmentLookup environment,
                                                                  HttpClientOptions http) {
  return std::make_unique<InstanceMetadataCredentials>(std::move(environment), std::move(http));
}

CredentialChain::CredentialChain(std::vector<std::unique_ptr<CredentialProvider>> providers,
                                 SystemClock clock)
    : providers_(std::move(providers)), clock_(std::move(clock)) {}

Result<TemporaryCredentials> CredentialChain::search() {
  std::string tried;
  for (const auto& provider : providers_) {
    auto found = provider->fetch();
    if (found) {
      chosen_ = provider.get();
      return found;
    }
    if (found.error().code != errc::kNoCredentials) {
      return with_context(provider->name() + " credentials", found.error());
    }
    tried += (tried.empty() ? "" : "; ") + provider->name() + ": " + found.error().message;
  }
  return no_credentials("no AWS credentials found (" + tried + ")");
}

Result<Credentials> CredentialChain::credentials() {
  const std::lock_guard lock(mutex_);
  const auto now = clock_();
  if (current_ && now < refresh_at_) return current_->credentials;

  auto fetched = chosen_ != nullptr ? chosen_->fetch() : search();
  if (fetched) {
    current_ = std::move(*fetched);
    const auto expiration = current_->expiration;
    refresh_at_ = expiration == kNeverExpires
                      ? kNeverExpires
                      : std::min(expiration, std::max(expiration - kCredentialRenewalMargin,
                                                      now + kMinimumRefreshInterval));
    return current_->credentials;
  }
  // search() names the provider at fault itself.
  const Error error = chosen_ != nullptr
                          ? with_context(chosen_->name() + " credentials", fetched.error())
                          : fetched.error();
  if (current_ && now < current_->expiration) {
    log::warn("refreshing AWS credentials failed; the current ones stay valid until they expire",
              {{"error", error.describe()}});
    return current_->credentials;
  }
  return error;
}

std::shared_ptr<CredentialChain> default_credential_chain(CredentialChainOptions options) {
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  providers.push_back(environment_credentials(options.environment));
  providers.push_back(shared_file_credentials(options.environment));
  providers.push_back(container_credentials(options.environment, options.metadata_http));
  providers.push_back(instance_metadata_credentials(options.environment, options.metadata_http));
  return std::make_shared<CredentialChain>(std::move(providers), std::move(options.clock));
}

Result<std::string> resolve_region(const EnvironmentLookup& environment) {
  if (auto region = environment("AWS_REGION")) return *region;
  if (auto region = environment("AWS_DEFAULT_REGION")) return *region;
  const std::string profile = profile_name(environment);
  const auto path = aws_file_path(environment, "AWS_CONFIG_FILE", "config");
  if (path) {
    auto file = read_ini_file(*path);
    if (!file) return file.error();
    const IniSection* section = *file ? config_file_profile(**file, profile) : nullptr;
    if (section != nullptr) {
      if (const auto region = section->values.find("region");
          region != section->values.end() && !region->second.value.empty()) {
        return region->second.value;
      }
    }
  }
  return make_error(errc::kInvalidConfiguration,
                    "no AWS region: AWS_REGION and AWS_DEFAULT_REGION are not set, and profile " +
                        quote_value(profile) + " has no region in " +
                        path.value_or("the config file (HOME is not set)"));
}

}  // namespace bulkqa::aws
