#include "bulkqa/aws/config.hpp"

#include <tuple>

namespace bulkqa::aws {
namespace {

Error config_error(std::string message) {
  return make_error(errc::kInvalidConfiguration, std::move(message));
}

// The endpoint for one service: its own override, then the global one, then AWS's public one.
Result<Endpoint> service_endpoint(const EnvironmentLookup& environment, const char* own_variable,
                                  const std::string& default_url) {
  if (auto url = environment(own_variable)) return parse_endpoint(*url, own_variable);
  if (auto url = environment("AWS_ENDPOINT_URL")) return parse_endpoint(*url, "AWS_ENDPOINT_URL");
  return parse_endpoint(default_url, "the default endpoint");
}

// Every service's endpoint in config.region, and the S3 addressing that goes with it.
Status resolve_endpoints(const EnvironmentLookup& environment, AwsConfig& config) {
  for (const auto& [variable, service, endpoint] :
       {std::tuple{"AWS_ENDPOINT_URL_S3", "s3", &config.s3},
        std::tuple{"AWS_ENDPOINT_URL_DYNAMODB", "dynamodb", &config.dynamodb},
        std::tuple{"AWS_ENDPOINT_URL_STS", "sts", &config.sts},
        std::tuple{"AWS_ENDPOINT_URL_CLOUDFORMATION", "cloudformation", &config.cloudformation}}) {
    auto resolved = service_endpoint(
        environment, variable,
        "https://" + std::string(service) + "." + config.region + ".amazonaws.com");
    if (!resolved) return resolved.error();
    *endpoint = std::move(*resolved);
  }
  config.s3_path_style = environment("AWS_ENDPOINT_URL_S3") || environment("AWS_ENDPOINT_URL");
  return {};
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
  const EnvironmentLookup env = process_environment;
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

  if (auto endpoints = resolve_endpoints(env, config); !endpoints) return endpoints.error();
  return config;
}

Result<AwsConfig> aws_config_from_credential_chain(std::shared_ptr<CredentialSource> credentials,
                                                   const EnvironmentLookup& environment) {
  AwsConfig config;
  auto region = resolve_region(environment);
  if (!region) return region.error();
  config.region = std::move(*region);
  if (auto endpoints = resolve_endpoints(environment, config); !endpoints) {
    return endpoints.error();
  }
  if (!credentials) {
    CredentialChainOptions options;
    options.environment = environment;
    credentials = default_credential_chain(std::move(options));
  }
  config.credential_source = std::move(credentials);
  return config;
}

std::shared_ptr<CredentialSource> credential_source_of(const AwsConfig& config) {
  if (config.credential_source) return config.credential_source;
  return std::make_shared<StaticCredentialSource>(config.credentials);
}

}  // namespace bulkqa::aws
