// Least privilege proven, not assumed: each function runs with moto IAM credentials whose policy is
// the one cloudformation/bulkqa.yaml gives its role, read from the YAML with the intrinsic
// functions resolved to the test's buckets and table (tests/support/template_policies.py). The
// whole flow passes under those policies, and calls outside a role are refused.
//
// How moto's authorization differs from AWS's, and what moto is given for it: see
// support/template_policies.hpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/local/function_process.hpp"
#include "bulkqa/local/local_stack.hpp"
#include "support/function_harness.hpp"
#include "support/moto.hpp"
#include "support/template_policies.hpp"

namespace bulkqa {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::MotoServer;

using testing::actions_of;
using testing::allows;
using testing::as_moto_enforces;
using testing::Deployment;
using testing::is_dynamodb_statement;
using testing::kAccount;
using testing::kRegion;
using testing::kStackUuid;
using testing::template_policies;

std::string table_arn(const std::string& table) {
  return std::string("arn:aws:dynamodb:") + kRegion + ":" + kAccount + ":table/" + table;
}

// Actions IAM defines no resource type for: "*" is the only resource they take.
bool takes_no_resource(const json& statement) {
  return actions_of(statement) == std::vector<std::string>{"cloudwatch:PutMetricData"};
}

// For the template's defaults, and with the images in place (CopyImages=false: statements added).
class EveryStatement : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(EveryStatement, NamesItsActionsAndResourcesWithoutWildcardsOfAService) {
  const Deployment deployment{"stack", "launch", "images", "table"};
  const json policies = template_policies(deployment, GetParam());
  const std::set<std::string> roles = {"LaunchRole", "PreLabelingRole", "PostLabelingRole",
                                       "SageMakerExecutionRole", "PortalPolicy"};
  for (const auto& [role, policy] : policies.items()) {
    EXPECT_TRUE(roles.contains(role)) << role;
    for (const auto& statement : policy["Statement"]) {
      EXPECT_EQ(statement["Effect"], "Allow") << role;
      for (const auto& action : actions_of(statement)) {
        EXPECT_EQ(action.find('*'), std::string::npos) << role << ": " << action;
      }
      const json resources = statement["Resource"].is_array()
                                 ? statement["Resource"]
                                 : json::array({statement["Resource"]});
      for (const auto& resource : resources) {
        if (takes_no_resource(statement)) continue;
        EXPECT_NE(resource, "*") << role << ": " << statement.dump();
      }
      if (is_dynamodb_statement(statement)) {
        // Only the portal's own policy reaches the portal table.
        if (role == "PortalPolicy" && statement["Sid"] == "PortalState") {
          EXPECT_EQ(statement["Resource"], table_arn(deployment.portal_table)) << role;
        } else {
          EXPECT_EQ(statement["Resource"], table_arn(deployment.table)) << role;
        }
      }
    }
  }
  EXPECT_EQ(policies.size(), roles.size());
}

INSTANTIATE_TEST_SUITE_P(TemplatePolicies, EveryStatement,
                         ::testing::Values(std::vector<std::string>{},
                                           std::vector<std::string>{"CopyImages=false"}),
                         [](const auto& info) {
                           return info.param.empty() ? "Defaults" : "ImagesInPlace";
                         });

// The statements of `role` that allow `action`.
std::vector<json> statements_allowing(const json& policies, const std::string& role,
                                      const std::string& action) {
  std::vector<json> found;
  for (const auto& statement : policies[role]["Statement"]) {
    if (allows(statement, action)) found.push_back(statement);
  }
  return found;
}

std::string function_arn(const std::string& name) {
  return std::string("arn:aws:lambda:") + kRegion + ":" + kAccount + ":function:" + name;
}

TEST(TemplatePolicies, TheLabelingJobRoleInvokesExactlyTheTwoLabelingFunctions) {
  const json policies = template_policies({"stack", "launch", "images", "table"});
  const auto invoking =
      statements_allowing(policies, "SageMakerExecutionRole", "lambda:InvokeFunction");
  ASSERT_EQ(invoking.size(), 1u);
  // Named so that roles built on AWS's managed Ground Truth policy may invoke them too.
  EXPECT_EQ(invoking[0]["Resource"],
            json::array({function_arn(std::string("bulkqa-PreLabelingFunction-") + kStackUuid),
                         function_arn(std::string("bulkqa-PostLabelingFunction-") + kStackUuid)}));
  for (const auto& [role, policy] : policies.items()) {
    if (role != "SageMakerExecutionRole") {
      EXPECT_TRUE(statements_allowing(policies, role, "lambda:InvokeFunction").empty()) << role;
    }
  }
}

// IAM's wildcards in a resource: '*' any run of characters, '?' any one.
bool iam_matches(std::string_view pattern, std::string_view arn) {
  if (pattern.empty()) return arn.empty();
  if (pattern.front() == '*') {
    for (std::size_t skip = 0; skip <= arn.size(); ++skip) {
      if (iam_matches(pattern.substr(1), arn.substr(skip))) return true;
    }
    return false;
  }
  return !arn.empty() && (pattern.front() == '?' || pattern.front() == arn.front()) &&
         iam_matches(pattern.substr(1), arn.substr(1));
}

// Whether one of the role's statements allows `action` on `arn`.
bool role_allows(const json& policies, const std::string& role, const std::string& action,
                 const std::string& arn) {
  for (const auto& statement : statements_allowing(policies, role, action)) {
    const json resources = statement["Resource"].is_array() ? statement["Resource"]
                                                            : json::array({statement["Resource"]});
    for (const auto& resource : resources) {
      if (iam_matches(resource.get<std::string>(), arn)) return true;
    }
  }
  return false;
}

TEST(TemplatePolicies, TheLabelingJobRoleHoldsWhatAwsDocumentsForCustomLabelingJobs) {
  const json policies = template_policies({"stack", "launch", "images", "table"});
  const std::string role = "SageMakerExecutionRole";
  EXPECT_TRUE(role_allows(policies, role, "cloudwatch:PutMetricData", "*"));
  for (const char* action : {"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"}) {
    EXPECT_TRUE(role_allows(policies, role, action, "arn:aws:s3:::stack/ground-truth-output/x"))
        << action;
    EXPECT_FALSE(role_allows(policies, role, action, "arn:aws:s3:::images/x")) << action;
  }
  // Ground Truth logs to the group /aws/sagemaker/LabelingJobs, one stream per job.
  const std::string group = std::string("arn:aws:logs:") + kRegion + ":" + kAccount +
                            ":log-group:/aws/sagemaker/LabelingJobs";
  for (const char* action : {"logs:CreateLogGroup", "logs:DescribeLogStreams"}) {
    EXPECT_TRUE(role_allows(policies, role, action, group)) << action;
    EXPECT_TRUE(role_allows(policies, role, action, group + ":*")) << action;
  }
  for (const char* action : {"logs:CreateLogStream", "logs:PutLogEvents"}) {
    EXPECT_TRUE(role_allows(policies, role, action, group + ":log-stream:bulkqa-review-1/worker"))
        << action;
  }
  for (const std::string& other : {std::string("arn:aws:logs:") + kRegion + ":" + kAccount +
                                       ":log-group:/aws/sagemaker/Endpoints/x:log-stream:y",
                                   group + "Other:log-stream:y"}) {
    EXPECT_FALSE(role_allows(policies, role, "logs:PutLogEvents", other)) << other;
  }
}

TEST(TemplatePolicies, LaunchListsTheImageSourceOnlyUnderItsPrefix) {
  // moto does not evaluate s3:prefix, so the condition is checked here as the template states it.
  const json with_prefix = template_policies({"stack", "launch", "images", "table"});
  const auto listing = statements_allowing(with_prefix, "LaunchRole", "s3:ListBucket");
  ASSERT_EQ(listing.size(), 2u);  // the stack bucket, and the image source
  EXPECT_EQ(listing[0]["Resource"], "arn:aws:s3:::images");
  EXPECT_EQ(listing[0]["Condition"], json({{"StringEquals", {{"s3:prefix", "caltech101/"}}}}));
  // Without a prefix the whole bucket is the image source, and listing sends no prefix.
  Deployment whole_bucket{"stack", "launch", "images", "table"};
  whole_bucket.image_prefix = "";
  const auto unconditioned =
      statements_allowing(template_policies(whole_bucket), "LaunchRole", "s3:ListBucket");
  ASSERT_EQ(unconditioned.size(), 2u);
  EXPECT_FALSE(unconditioned[0].contains("Condition")) << unconditioned[0].dump();
}

TEST(TemplatePolicies, AssumingTheEventRoleIsGrantedOnlyWhenSwitchedOnAndOnlyForTheJobRole) {
  const Deployment deployment{"stack", "launch", "images", "table"};
  const json by_default = template_policies(deployment);
  for (const auto& [role, policy] : by_default.items()) {
    EXPECT_TRUE(statements_allowing(by_default, role, "sts:AssumeRole").empty()) << role;
  }
  const json switched_on = template_policies(deployment, {"AssumeEventRole=true"});
  const auto assuming = statements_allowing(switched_on, "PostLabelingRole", "sts:AssumeRole");
  ASSERT_EQ(assuming.size(), 1u);
  EXPECT_EQ(assuming[0]["Resource"],
            std::string("arn:aws:iam::") + kAccount + ":role/SageMakerExecutionRole");
}

TEST(TemplatePolicies, ThePortalReadsOnlyTheStackBucketAndWritesOnlyItsTableAndVotes) {
  const json policies = template_policies({"stack", "launch", "images", "table"});
  const std::string portal = "PortalPolicy";
  EXPECT_TRUE(role_allows(policies, portal, "s3:GetObject", "arn:aws:s3:::stack/batches/0.json"));
  EXPECT_TRUE(role_allows(policies, portal, "s3:GetObject", "arn:aws:s3:::stack/manifest.json"));
  EXPECT_FALSE(role_allows(policies, portal, "s3:GetObject", "arn:aws:s3:::launch/corpus.csv"));
  EXPECT_FALSE(role_allows(policies, portal, "s3:PutObject", "arn:aws:s3:::stack/x"));
  // The images were copied into the stack bucket: the image source is none of its business
  // (ImagesInPlaceAreReadableUnderThePrefixOnly covers CopyImages=false).
  EXPECT_FALSE(
      role_allows(policies, portal, "s3:GetObject", "arn:aws:s3:::images/caltech101/crab/1.jpg"));
  for (const auto& statement : policies[portal]["Statement"]) {
    EXPECT_NE(statement.value("Sid", ""), "ReadImagesInPlace") << statement.dump();
  }
  const std::string portal_table = table_arn("portal-table");
  for (const char* action : {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                             "dynamodb:DeleteItem", "dynamodb:Query"}) {
    EXPECT_TRUE(role_allows(policies, portal, action, portal_table)) << action;
  }
  EXPECT_FALSE(role_allows(policies, portal, "dynamodb:Scan", portal_table));
  // The image table: counting votes, and reading them for the report page; never a delete.
  EXPECT_TRUE(role_allows(policies, portal, "dynamodb:UpdateItem", table_arn("table")));
  EXPECT_TRUE(role_allows(policies, portal, "dynamodb:Scan", table_arn("table")));
  for (const char* action : {"dynamodb:DeleteItem", "dynamodb:PutItem"}) {
    EXPECT_FALSE(role_allows(policies, portal, action, table_arn("table"))) << action;
  }
  // Its own stack's outputs (serve --stack), and no other stack's.
  std::string own_stack;
  for (const auto& statement : policies[portal]["Statement"]) {
    if (statement["Action"] == "cloudformation:DescribeStacks") own_stack = statement["Resource"];
  }
  EXPECT_TRUE(own_stack.starts_with("arn:aws:cloudformation:")) << own_stack;
  EXPECT_EQ(own_stack.find('*'), std::string::npos) << own_stack;
  EXPECT_TRUE(role_allows(policies, portal, "cloudformation:DescribeStacks", own_stack));
  EXPECT_FALSE(role_allows(policies, portal, "cloudformation:DescribeStacks",
                           "arn:aws:cloudformation:us-east-1:123456789012:stack/other/1"));
  // No other role reaches the portal table (it holds the reviewers' identities).
  for (const auto& [role, policy] : policies.items()) {
    if (role == portal) continue;
    for (const char* action : {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}) {
      EXPECT_FALSE(role_allows(policies, role, action, portal_table)) << role << " " << action;
    }
  }
}

// With CopyImages=false the reviewers see the images where they are: the labeling job's role (the
// worker UI's grant_read_access signs with it) and the portal read them, under the prefix only,
// and nothing more; with the default (copies) neither reaches the image source.
TEST(TemplatePolicies, ImagesInPlaceAreReadableUnderThePrefixOnly) {
  const Deployment deployment{"stack", "launch", "images", "table"};
  const json copied = template_policies(deployment);
  const json in_place = template_policies(deployment, {"CopyImages=false"});
  const std::string image = "arn:aws:s3:::images/caltech101/crab/1.jpg";
  for (const std::string role : {"SageMakerExecutionRole", "PortalPolicy"}) {
    EXPECT_TRUE(role_allows(in_place, role, "s3:GetObject", image)) << role;
    EXPECT_FALSE(role_allows(copied, role, "s3:GetObject", image)) << role;
    for (const char* outside : {"arn:aws:s3:::images/elsewhere/crab/1.jpg",
                                "arn:aws:s3:::images/caltech101", "arn:aws:s3:::launch/x.jpg"}) {
      EXPECT_FALSE(role_allows(in_place, role, "s3:GetObject", outside)) << role << " " << outside;
    }
    for (const char* action : {"s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}) {
      EXPECT_FALSE(role_allows(in_place, role, action, image)) << role << " " << action;
      EXPECT_FALSE(role_allows(in_place, role, action, "arn:aws:s3:::images")) << role << action;
    }
  }
  // Launch copies nothing then: it still lists the source to check the images exist
  // (LaunchListsTheImageSourceOnlyUnderItsPrefix), and no longer reads them.
  EXPECT_TRUE(role_allows(copied, "LaunchRole", "s3:GetObject", image));
  EXPECT_FALSE(role_allows(in_place, "LaunchRole", "s3:GetObject", image));
  // The other roles are as they were.
  for (const std::string role : {"PreLabelingRole", "PostLabelingRole"}) {
    EXPECT_FALSE(role_allows(in_place, role, "s3:GetObject", image)) << role;
  }
  for (const auto& [role, policy] : in_place.items()) {
    if (role == "SageMakerExecutionRole" || role == "PortalPolicy" || role == "LaunchRole")
      continue;
    EXPECT_EQ(policy, copied[role]) << role;
  }
}

TEST(TemplatePolicies, NoManagedPolicyAnywhere) {
  const std::string text = testing::read_file(testing::source_path("cloudformation/bulkqa.yaml"));
  EXPECT_EQ(text.find("ManagedPolicyArns"), std::string::npos);
  EXPECT_EQ(text.find("FullAccess"), std::string::npos);
}

class TemplateFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_dir_ = fs::temp_directory_path() / MotoServer::unique_name("bulkqa-iam");
    options_.bin_dir = testing::binary_path("");
    options_.log_dir = log_dir_;
    deployment_ = {options_.stack_bucket, options_.launch_bucket, options_.image_bucket,
                   options_.table};
  }
  void TearDown() override { fs::remove_all(log_dir_); }

  // The local stack with each function under the policy the template gives its role for the
  // template's `parameters`.
  std::unique_ptr<local::LocalStack> start(const std::vector<std::string>& parameters) {
    policies_ = template_policies(deployment_, parameters);
    options_.function_policies = {
        {"bulkqa-launch", as_moto_enforces(policies_["LaunchRole"])},
        {"bulkqa-pre-labeling", as_moto_enforces(policies_["PreLabelingRole"])},
        {"bulkqa-post-labeling", as_moto_enforces(policies_["PostLabelingRole"])}};
    auto started = local::LocalStack::start(options_);
    if (!started) ADD_FAILURE() << started.error().describe();
    return started ? std::move(*started) : nullptr;
  }

  // Launch, every task through pre-labeling, one reviewer confirming every image through
  // post-labeling, the counts, and Delete; the tasks pre-labeling made.
  std::vector<local::Task> run_whole_flow(local::LocalStack& stack,
                                          const local::LaunchSettings& settings) {
    const std::string corpus = testing::read_file(testing::source_path("samples/smallsample.csv"));
    EXPECT_TRUE(
        stack.s3().put_object({options_.launch_bucket, deployment_.corpus_key, corpus}).ok());
    std::vector<aws::PutObjectRequest> images;
    std::set<std::string> paths;
    std::istringstream lines(corpus);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      const std::string path = line.substr(0, line.find(','));
      if (!path.empty() && paths.insert(path).second) {
        images.push_back({options_.image_bucket, deployment_.image_prefix + path, "image:" + path});
      }
    }
    for (const auto& status : stack.s3().put_objects(std::move(images))) {
      EXPECT_TRUE(status.ok());
    }

    auto data = stack.launch(settings);
    if (!data) {
      ADD_FAILURE() << data.error().describe();
      return {};
    }
    EXPECT_EQ((*data)["WorkerTemplateUri"],
              "s3://" + options_.stack_bucket + "/templates/bulkqa.liquid.html");

    auto tasks = stack.tasks();
    if (!tasks) {
      ADD_FAILURE() << tasks.error().describe();
      return {};
    }
    EXPECT_EQ(std::to_string(tasks->size()), (*data)["BatchCount"]);

    // One reviewer confirms every image of every task.
    json payload = json::array();
    std::size_t reviewed = 0;
    for (std::size_t t = 0; t < tasks->size(); ++t) {
      json content = json::object();
      for (std::size_t i = 0; i < (*tasks)[t].items.size(); ++i) {
        content[(*tasks)[t].items[i].label + "-" + std::to_string(i)] = {{"Confirmed", true}};
        ++reviewed;
      }
      payload.push_back(
          {{"datasetObjectId", std::to_string(t)},
           {"dataObject", {{"s3Uri", (*tasks)[t].source_ref}}},
           {"annotations",
            {{{"workerId", "reviewer"}, {"annotationData", {{"content", content.dump()}}}}}}});
    }
    auto consolidated = stack.consolidate(
        "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/iam", "qa", payload);
    EXPECT_TRUE(consolidated.ok()) << consolidated.error().describe();
    if (consolidated) {
      EXPECT_EQ(consolidated->size(), tasks->size());
    }

    auto images_after = stack.reviewed_images();
    EXPECT_TRUE(images_after.ok()) << images_after.error().describe();
    if (images_after) {
      EXPECT_EQ(images_after->size(), reviewed);
      for (const auto& image : *images_after) {
        EXPECT_EQ(image.confirm_count, 1u) << image.s3_image_url;
        EXPECT_EQ(image.disconfirm_count, 0u) << image.s3_image_url;
      }
    }

    const auto deleted = stack.delete_launch(settings);
    EXPECT_TRUE(deleted.ok()) << deleted.error().describe();
    auto left = stack.s3().list_all_keys(options_.stack_bucket, "");
    EXPECT_TRUE(left.ok() && left->empty());
    return std::move(*tasks);
  }

  fs::path log_dir_;
  local::LocalStackOptions options_;
  Deployment deployment_;
  json policies_;
};

TEST_F(TemplateFlowTest, TheWholeFlowPassesWithEachFunctionUnderItsOwnRole) {
  auto stack = start({});
  ASSERT_TRUE(stack);
  const local::LaunchSettings settings{deployment_.corpus_key, deployment_.image_prefix, 25, 80};
  const auto tasks = run_whole_flow(*stack, settings);
  ASSERT_FALSE(tasks.empty());
  for (const auto& task : tasks) {
    for (const auto& item : task.items) {
      EXPECT_TRUE(item.s3_image_url.starts_with("s3://" + options_.stack_bucket + "/"))
          << item.s3_image_url;
    }
  }
}

// CopyImages=false: the functions pass the same flow under the template's policies for it, the
// tasks name the source objects, and the labeling job's role (whose grant_read_access signs the
// images' URLs for the worker UI) reads each of them.
TEST_F(TemplateFlowTest, TheWholeFlowPassesWithImagesInPlaceAndTheLabelingJobRoleReadsThem) {
  auto stack = start({"CopyImages=false"});
  ASSERT_TRUE(stack);
  local::LaunchSettings settings{deployment_.corpus_key, deployment_.image_prefix, 25, 80};
  settings.copy_images = false;
  const auto tasks = run_whole_flow(*stack, settings);
  ASSERT_FALSE(tasks.empty());

  auto labeling_job_user =
      stack->moto().create_user(MotoServer::unique_name("labeling-job"),
                                as_moto_enforces(policies_["SageMakerExecutionRole"]));
  ASSERT_TRUE(labeling_job_user.ok()) << labeling_job_user.error().describe();
  aws::HttpClient http;
  aws::S3Client as_labeling_job(stack->moto().config(*labeling_job_user), http);
  const std::string source = "s3://" + options_.image_bucket + "/" + deployment_.image_prefix;
  for (const auto& task : tasks) {
    for (const auto& item : task.items) {
      ASSERT_TRUE(item.s3_image_url.starts_with(source)) << item.s3_image_url;
      const std::string path = item.s3_image_url.substr(source.size());
      auto image =
          as_labeling_job.get_object(options_.image_bucket, deployment_.image_prefix + path);
      ASSERT_TRUE(image.ok()) << image.error().describe();
      EXPECT_EQ(*image, "image:" + path);
    }
  }
}

// Calls outside each role, made with that role's policy against the shared moto.
class TemplateRoleLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_ = {MotoServer::unique_name("iam-stack"), MotoServer::unique_name("iam-launch"),
                   MotoServer::unique_name("iam-images"), MotoServer::unique_name("iam-table")};
    for (const auto& bucket :
         {deployment_.stack_bucket, deployment_.launch_bucket, deployment_.image_bucket}) {
      moto().create_bucket(bucket);
    }
    moto().create_image_table(deployment_.table);
    for (const auto& [bucket, key] : std::vector<std::pair<std::string, std::string>>{
             {deployment_.stack_bucket, "batches/0.json"},
             {deployment_.launch_bucket, deployment_.corpus_key},
             {deployment_.launch_bucket, "packages/launch.zip"},
             {deployment_.image_bucket, deployment_.image_prefix + "crab/1.jpg"},
             {deployment_.image_bucket, "elsewhere/crab/1.jpg"}}) {
      ASSERT_TRUE(admin_s3_.put_object({bucket, key, "x"}).ok());
    }
    policies_ = template_policies(deployment_);
  }
  static MotoServer& moto() { return MotoServer::shared(); }

  aws::AwsConfig as_role(const std::string& role) { return as_role(role, policies_); }
  aws::AwsConfig as_role(const std::string& role, const json& policies) {
    return moto().config(
        moto().create_user(MotoServer::unique_name(role), as_moto_enforces(policies[role])));
  }

  // The object is still there: whatever the delete answered, it did not take effect.
  void expect_delete_refused(aws::S3Client& s3, const std::string& bucket, const std::string& key) {
    auto deleted = s3.delete_objects(bucket, {key});
    EXPECT_TRUE(!deleted.ok() || !deleted->empty()) << bucket << "/" << key;
    EXPECT_TRUE(admin_s3_.get_object(bucket, key).ok()) << bucket << "/" << key;
  }

  void expect_denied(const Status& status, const std::string& what) {
    ASSERT_FALSE(status.ok()) << what;
    EXPECT_NE(status.error().code.find("AccessDenied"), std::string::npos)
        << what << ": " << status.error().describe();
  }

  template <typename T>
  static Status status_of(const Result<T>& result) {
    if (!result) return result.error();
    return {};
  }

  json item() const {
    return {{"s3_image_url", {{"S", "s3://" + deployment_.stack_bucket + "/crab/1.jpg"}}},
            {"label", {{"S", "Crab"}}}};
  }
  json key() const { return item(); }

  Deployment deployment_;
  json policies_;
  aws::HttpClient http_;
  aws::S3Client admin_s3_{moto().config(moto().admin()), http_};
};

TEST_F(TemplateRoleLimitsTest, PreLabelingOnlyReadsTheStackBucket) {
  const auto config = as_role("PreLabelingRole");
  aws::S3Client s3(config, http_);
  aws::DynamoDbClient dynamodb(config, http_);
  EXPECT_TRUE(s3.get_object(deployment_.stack_bucket, "batches/0.json").ok());
  expect_delete_refused(s3, deployment_.stack_bucket, "batches/0.json");
  expect_denied(s3.put_object({deployment_.stack_bucket, "batches/1.json", "{}"}), "PutObject");
  expect_denied(status_of(s3.get_object(deployment_.launch_bucket, deployment_.corpus_key)),
                "GetObject on the launch bucket");
  expect_denied(dynamodb.put_item(deployment_.table, item()), "PutItem");
  expect_denied(
      status_of(dynamodb.call("GetItem", {{"TableName", deployment_.table}, {"Key", key()}})),
      "GetItem");
}

TEST_F(TemplateRoleLimitsTest, PostLabelingReadsTheStackBucketAndOnlyUpdatesItems) {
  const auto config = as_role("PostLabelingRole");
  aws::S3Client s3(config, http_);
  aws::DynamoDbClient dynamodb(config, http_);
  EXPECT_TRUE(s3.get_object(deployment_.stack_bucket, "batches/0.json").ok());
  expect_delete_refused(s3, deployment_.stack_bucket, "batches/0.json");
  expect_denied(s3.put_object({deployment_.stack_bucket, "batches/1.json", "{}"}), "PutObject");
  expect_denied(
      status_of(s3.get_object(deployment_.image_bucket, deployment_.image_prefix + "crab/1.jpg")),
      "GetObject on the image source");
  expect_denied(dynamodb.put_item(deployment_.table, item()), "PutItem");
  expect_denied(
      status_of(dynamodb.call("DeleteItem", {{"TableName", deployment_.table}, {"Key", key()}})),
      "DeleteItem");
  expect_denied(status_of(dynamodb.call("Scan", {{"TableName", deployment_.table}})), "Scan");
  EXPECT_TRUE(dynamodb.get_item(deployment_.table, key()).ok());
}

TEST_F(TemplateRoleLimitsTest, LaunchReadsOnlyTheCorpusAndTheImagesUnderThePrefix) {
  const auto config = as_role("LaunchRole");
  aws::S3Client s3(config, http_);
  aws::DynamoDbClient dynamodb(config, http_);
  EXPECT_TRUE(s3.get_object(deployment_.launch_bucket, deployment_.corpus_key).ok());
  EXPECT_TRUE(
      s3.get_object(deployment_.image_bucket, deployment_.image_prefix + "crab/1.jpg").ok());
  expect_denied(status_of(s3.get_object(deployment_.launch_bucket, "packages/launch.zip")),
                "GetObject of another key in the launch bucket");
  expect_denied(status_of(s3.get_object(deployment_.image_bucket, "elsewhere/crab/1.jpg")),
                "GetObject outside the image prefix");
  auto images = s3.list_objects(deployment_.image_bucket, deployment_.image_prefix, std::nullopt);
  ASSERT_TRUE(images.ok()) << images.error().describe();
  EXPECT_EQ(images->keys, std::vector<std::string>{deployment_.image_prefix + "crab/1.jpg"});
  expect_denied(status_of(s3.list_objects(deployment_.launch_bucket, "", std::nullopt)),
                "ListBucket on the launch bucket");
  expect_delete_refused(s3, deployment_.image_bucket, deployment_.image_prefix + "crab/1.jpg");
  expect_delete_refused(s3, deployment_.launch_bucket, deployment_.corpus_key);
  expect_denied(s3.put_object({deployment_.launch_bucket, "x", "x"}),
                "PutObject to the launch bucket");
  expect_denied(status_of(dynamodb.call("Scan", {{"TableName", deployment_.table}})), "Scan");
  expect_denied(
      status_of(dynamodb.call("DeleteItem", {{"TableName", deployment_.table}, {"Key", key()}})),
      "DeleteItem");
}

TEST_F(TemplateRoleLimitsTest, TheLabelingJobRoleReadsAndWritesTheStackBucketButDeletesNothing) {
  const auto config = as_role("SageMakerExecutionRole");
  aws::S3Client s3(config, http_);
  EXPECT_TRUE(s3.put_object({deployment_.stack_bucket, "ground-truth-output/x.json", "{}"}).ok());
  EXPECT_TRUE(s3.get_object(deployment_.stack_bucket, "batches/0.json").ok());
  expect_delete_refused(s3, deployment_.stack_bucket, "batches/0.json");
  expect_denied(status_of(s3.get_object(deployment_.launch_bucket, deployment_.corpus_key)),
                "GetObject on the launch bucket");
}

// The images in place, as moto enforces the policies: the labeling job's role and the portal read
// the source under the prefix (CopyImages=false) and nowhere else in that bucket; by default they
// do not reach it at all.
TEST_F(TemplateRoleLimitsTest, TheLabelingJobRoleAndThePortalReadImagesInPlaceOnlyUnderThePrefix) {
  const json in_place = template_policies(deployment_, {"CopyImages=false"});
  const std::string image = deployment_.image_prefix + "crab/1.jpg";
  for (const std::string role : {"SageMakerExecutionRole", "PortalPolicy"}) {
    aws::S3Client s3(as_role(role, in_place), http_);
    auto read = s3.get_object(deployment_.image_bucket, image);
    ASSERT_TRUE(read.ok()) << role << ": " << read.error().describe();
    EXPECT_EQ(*read, "x");
    expect_denied(status_of(s3.get_object(deployment_.image_bucket, "elsewhere/crab/1.jpg")),
                  role + ": GetObject outside the image prefix");
    expect_denied(s3.put_object({deployment_.image_bucket, image, "y"}),
                  role + ": PutObject in the image source");
    expect_delete_refused(s3, deployment_.image_bucket, image);
    expect_denied(status_of(s3.list_objects(deployment_.image_bucket, deployment_.image_prefix,
                                            std::nullopt)),
                  role + ": ListBucket on the image source");

    aws::S3Client copied(as_role(role), http_);
    expect_denied(status_of(copied.get_object(deployment_.image_bucket, image)),
                  role + ": GetObject on the image source when the images are copied");
  }
}

}  // namespace
}  // namespace bulkqa
