// Where a deployed stack's review portal keeps its state, as `bulkqa serve`, `bulkqa reviewers`
// and `bulkqa progress` are told: --stack NAME (its outputs, read with DescribeStacks) or
// --bucket, --table and --portal-table, with --region; credentials by the standard AWS chain.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/portal/portal.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::cli {

struct PortalTarget {
  std::string stack;
  std::string bucket;
  std::string table;
  std::string portal_table;
  std::string region;

  // Whether any option names a deployed stack (serve runs the local moto stack otherwise).
  bool is_set() const;
};

// Registers the options above on `command`.
void add_portal_target_options(CLI::App& command, PortalTarget& target);

struct DeployedStack {
  aws::AwsConfig aws;
  std::string stack_bucket;
  std::string image_table;
  std::string portal_table;
};

// The stack's names and how to reach AWS. kInvalidOptions names a missing or conflicting option;
// kStackNotFound, kNoCredentials and AWS errors as the calls give them.
Result<DeployedStack> resolve_portal_target(const PortalTarget& target);

// Whether an endpoint is on this machine's loopback: an emulator such as moto.
bool is_loopback_endpoint(const aws::Endpoint& endpoint);

// Options of a Portal on `stack`, its images through presigned S3 GET URLs that expire with the
// lease or after an hour, whichever is first; through the portal's own /s3/ route when S3 is an
// emulator on the loopback (moto does not answer presigned URLs with IAM authentication on).
portal::PortalOptions deployed_portal_options(const DeployedStack& stack,
                                              std::chrono::seconds lease_time);

// The portal of the stack `target` names, as `bulkqa reviewers` and `bulkqa progress` use it.
Result<std::unique_ptr<portal::Portal>> open_existing_portal(const PortalTarget& target);

}  // namespace bulkqa::cli
