#include "portal_target.hpp"

#include <algorithm>
#include <optional>

#include "bulkqa/aws/cloudformation.hpp"
#include "bulkqa/aws/credentials.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/review/http_fields.hpp"
#include "bulkqa/util/log.hpp"

namespace bulkqa::cli {

bool PortalTarget::is_set() const {
  return !stack.empty() || !bucket.empty() || !table.empty() || !portal_table.empty();
}

void add_portal_target_options(CLI::App& command, PortalTarget& target) {
  command.add_option("--stack", target.stack,
                     "a deployed bulkqa stack: its outputs name the bucket and the tables");
  command.add_option("--bucket", target.bucket, "the stack bucket (instead of --stack)");
  command.add_option("--table", target.table, "the image table (instead of --stack)");
  command.add_option("--portal-table", target.portal_table,
                     "the portal table (instead of --stack)");
  command.add_option("--region", target.region,
                     "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)");
}

namespace {

// The explicit names, each required when --stack is not given, refused beside it.
Status check_names(const PortalTarget& target) {
  const std::pair<const char*, const std::string*> names[] = {
      {"--bucket", &target.bucket},
      {"--table", &target.table},
      {"--portal-table", &target.portal_table}};
  for (const auto& [option, value] : names) {
    if (!target.stack.empty() && !value->empty()) {
      return make_error(errc::kInvalidOptions,
                        std::string(option) + " and --stack both say where the stack is: give one");
    }
    if (target.stack.empty() && value->empty()) {
      return make_error(errc::kInvalidOptions,
                        std::string(option) +
                            " is missing: give --stack, or --bucket, --table "
                            "and --portal-table");
    }
  }
  return {};
}

// The stack's output `name`, or kStackNotFound saying the stack lacks it.
Result<std::string> stack_output(const aws::StackDescription& stack, const std::string& name) {
  auto found = stack.outputs.find(name);
  if (found != stack.outputs.end() && !found->second.empty()) return found->second;
  return make_error(errc::kStackNotFound, "stack " + stack.name + " has no output " + name +
                                              ": is it a bulkqa stack, updated to this version?");
}

Status read_stack_outputs(const std::string& stack_name, DeployedStack& stack) {
  aws::HttpClient http;
  auto described = aws::CloudFormationClient(stack.aws, http).describe_stack(stack_name);
  if (!described) return described.error();
  for (auto [output, field] : {std::pair{"StackBucketName", &stack.stack_bucket},
                               std::pair{"ImageTableName", &stack.image_table},
                               std::pair{"PortalTableName", &stack.portal_table}}) {
    auto value = stack_output(*described, output);
    if (!value) return value.error();
    *field = std::move(*value);
  }
  return {};
}

}  // namespace

Result<DeployedStack> resolve_portal_target(const PortalTarget& target) {
  if (Status checked = check_names(target); !checked) return checked.error();
  // --region wins over the environment and the profile, as the AWS CLI's does.
  const std::string region = target.region;
  const aws::EnvironmentLookup environment =
      [region](const std::string& name) -> std::optional<std::string> {
    if (!region.empty() && name == "AWS_REGION") return region;
    return aws::process_environment(name);
  };
  auto config = aws::aws_config_from_credential_chain(nullptr, environment);
  if (!config) return config.error();
  DeployedStack stack{std::move(*config), target.bucket, target.table, target.portal_table};
  if (!target.stack.empty()) {
    if (Status read = read_stack_outputs(target.stack, stack); !read) return read.error();
  }
  return stack;
}

bool is_loopback_endpoint(const aws::Endpoint& endpoint) {
  const std::string_view authority = endpoint.authority;
  const std::string_view host = authority.starts_with('[')
                                    ? authority.substr(1, authority.find(']') - 1)
                                    : authority.substr(0, authority.find(':'));
  return is_loopback_address(host);
}

portal::PortalOptions deployed_portal_options(const DeployedStack& stack,
                                              std::chrono::seconds lease_time) {
  portal::PortalOptions options;
  options.aws = stack.aws;
  options.portal_table = stack.portal_table;
  options.image_table = stack.image_table;
  options.stack_bucket = stack.stack_bucket;
  options.lease_time = lease_time;
  if (is_loopback_endpoint(stack.aws.s3)) {
    options.image_url = [](const S3Uri& uri) { return "/s3/" + uri.bucket + "/" + uri.key; };
    return options;
  }
  // Presigning makes no request, so one client serves every thread; its HttpClient is unused.
  auto http = std::make_shared<aws::HttpClient>();
  auto s3 = std::make_shared<aws::S3Client>(stack.aws, *http);
  const auto expiry = std::min(lease_time, aws::kMaxPresignedUrlExpiry);
  options.image_url = [http, s3, expiry](const S3Uri& uri) -> std::string {
    auto url = s3->presigned_get_url(uri.bucket, uri.key, expiry);
    if (url) return *url;
    log::warn("cannot presign an image URL", {{"error", url.error().describe()}});
    return {};
  };
  return options;
}

Result<std::unique_ptr<portal::Portal>> open_existing_portal(const PortalTarget& target) {
  auto stack = resolve_portal_target(target);
  if (!stack) return stack.error();
  return portal::Portal::open_existing(deployed_portal_options(
      *stack,
      std::chrono::duration_cast<std::chrono::seconds>(portal::PortalOptions{}.lease_time)));
}

}  // namespace bulkqa::cli
