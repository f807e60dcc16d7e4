#include "bulkqa/aws/config.hpp"

#include <cstdlib>
#include <optional>

namespace bulkqa::aws {
namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

Error config_error(std::string message) {
  return make_error(errc::kInvalidConfiguration, std::move(message));
}

// The endpoint for one service: its own override, then the global one, then AWS's public one.
Result<Endpoint> service_endpoint(const char* own_variable, const std::string& default_url) {
  if (auto url = env(own_variable)) return parse_endpoint(*url, own_variable);
  if (auto url = env("AWS_ENDPOINT_URL")) return parse_endpoint(*url, "AWS_ENDPOINT_URL");
  return parse_endpoint(default_url, "the default endpoint");
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view url, std::string_view source) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return config_error(std::string(source) + ": endpoint '" + std::string(url) +
                        "' has no scheme (expected http:// or https://)");
  }
  Endpoint endpoint;
  endpoint.scheme = std::string(url.substr(0, scheme_end));
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    return config_error(std::string(source) + ": endpoint scheme '" + endpoint.scheme +
                        "' is neither http nor https");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const auto path_start = rest.find('/');
  endpoint.authority = std::string(rest.substr(0, path_start));
  if (endpoint.authority.empty()) {
    return config_error(std::string(source) + ": endpoint '" + std::string(url) + "' has no host");
  }
  if (path_start != std::string_view::npos) {
    std::string_view path = rest.substr(path_start);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    endpoint.base_path = std::string(path);
  }
  return endpoint;
}

Result<AwsConfig> aws_config_from_environment() {
  AwsConfig config;
  auto key_id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (!key_id) return config_error("AWS_ACCESS_KEY_ID is not set");
  if (!secret) return config_error("AWS_SECRET_ACCESS_KEY is not set");
  config.credentials = {*key_id, *secret, env("AWS_SESSION_TOKEN").value_or("")};

  auto region = env("AWS_REGION");
  if (!region) region = env("AWS_DEFAULT_REGION");
  if (!region) return config_error("neither AWS_REGION nor AWS_DEFAULT_REGION is set");
  config.region = *region;

  const bool s3_overridden = env("AWS_ENDPOINT_URL_S3") || env("AWS_ENDPOINT_URL");
  auto s3 =
      service_endpoint("AWS_ENDPOINT_URL_S3", "https://s3." + config.region + ".amazonaws.com");
  if (!s3) return s3.error();
  auto dynamodb = service_endpoint("AWS_ENDPOINT_URL_DYNAMODB",
                                   "https://dynamodb." + config.region + ".amazonaws.com");
  if (!dynamodb) return dynamodb.error();
  auto sts =
      service_endpoint("AWS_ENDPOINT_URL_STS", "https://sts." + config.region + ".amazonaws.com");
  if (!sts) return sts.error();
  config.s3 = *s3;
  config.dynamodb = *dynamodb;
  config.sts = *sts;
  config.s3_path_style = s3_overridden;
  return config;
}

}  // namespace bulkqa::aws
