// The Lambda packages (build/dist/*.zip) proven as Lambda runs them: each zip unpacked into an
// otherwise empty root directory (its files under /var/task, /tmp, and a CA bundle where Amazon
// Linux keeps it), `bootstrap` started there with chroot and only Lambda's environment, then one
// full invocation against a local Runtime API and moto. Launch answers CloudFormation over HTTPS,
// so TLS is proven with the CA file at /etc/pki/tls/certs/ca-bundle.crt.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/local/function_process.hpp"
#include "bulkqa/local/local_function.hpp"
#include "bulkqa/local/response_url_server.hpp"
#include "support/function_harness.hpp"
#include "support/moto.hpp"
#include "support/test_certificates.hpp"

namespace bulkqa {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::MotoServer;

constexpr const char* kJobArn = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/package";
constexpr const char* kAmazonLinuxCaBundle = "etc/pki/tls/certs/ca-bundle.crt";
constexpr auto kTimeout = std::chrono::seconds(120);

fs::path package_zip(const std::string& name) {
  return fs::path(testing::binary_path("../dist/" + name + ".zip")).lexically_normal();
}

void run_or_fail(const std::string& program, const std::vector<std::string>& arguments) {
  auto process = local::FunctionProcess::start(program, {}, std::nullopt, arguments);
  ASSERT_TRUE(process.ok()) << process.error().describe();
  ASSERT_EQ(process->wait(), 0) << program;
}

class LambdaPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = fs::temp_directory_path() / MotoServer::unique_name("bulkqa-package");
    fs::create_directories(work_dir_);
    certificates_ = testing::make_test_certificates(work_dir_);
    auto receiver = local::ResponseUrlServer::start_tls(certificates_.server_certificate,
                                                        certificates_.server_key);
    ASSERT_TRUE(receiver.ok()) << receiver.error().describe();
    receiver_ = std::move(*receiver);

    stack_bucket_ = MotoServer::unique_name("package-stack");
    launch_bucket_ = MotoServer::unique_name("package-launch");
    table_ = MotoServer::unique_name("package-table");
    moto().create_bucket(stack_bucket_);
    moto().create_bucket(launch_bucket_);
    moto().create_image_table(table_);
    environment_ = moto().environment(moto().admin());
    environment_["BULKQA_TABLE"] = table_;
    environment_["BULKQA_BUCKET"] = stack_bucket_;
    environment_["LOG_LEVEL"] = "warn";
  }
  void TearDown() override { fs::remove_all(work_dir_); }
  static MotoServer& moto() { return MotoServer::shared(); }

  // The package unpacked into a fresh root that holds nothing else but /tmp and `ca_file` at
  // Amazon Linux's CA bundle path.
  fs::path unpack(const std::string& name, const fs::path& ca_file) {
    const fs::path root = work_dir_ / ("root-" + name);
    fs::create_directories(root / "var/task");
    fs::create_directories(root / "tmp");
    ::chmod((root / "tmp").c_str(), 01777);
    fs::create_directories((root / kAmazonLinuxCaBundle).parent_path());
    fs::copy_file(ca_file, root / kAmazonLinuxCaBundle);
    run_or_fail("/usr/bin/unzip", {"-q", package_zip(name).string(), "-d", (root / "var/task")});
    return root;
  }

  std::unique_ptr<local::LocalFunction> start(const std::string& name, const fs::path& ca_file) {
    const fs::path root = unpack(name, ca_file);
    auto function =
        local::LocalFunction::start_in_root(root, environment_, work_dir_ / (name + ".log"));
    EXPECT_TRUE(function.ok()) << function.error().describe();
    return function ? std::move(*function) : nullptr;
  }

  std::string log_of(const std::string& name) {
    return fs::exists(work_dir_ / (name + ".log")) ? testing::read_file(work_dir_ / (name + ".log"))
                                                   : "";
  }

  json create_event(const std::string& request_id) {
    return {{"RequestType", "Create"},
            {"ResponseURL", receiver_->url(request_id)},
            {"StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/package/1"},
            {"RequestId", request_id},
            {"LogicalResourceId", "Launch"},
            {"ResourceType", "Custom::BulkQaLaunch"},
            {"ResourceProperties",
             {{"S3Bucket", stack_bucket_},
              {"DynamoDBTable", table_},
              {"LaunchBucket", launch_bucket_},
              {"LabelCorpusKey", "corpus.csv"},
              {"QABatchSize", "25"},
              {"MinConfidence", "0"},
              {"ImageSourceBucket", launch_bucket_},
              {"ImageSourcePrefix", "images/"}}}};
  }

  void upload_corpus() {
    const std::string corpus =
        "image_local_path,label,confidence\ncrab/1.jpg,Crab,99\ncrab/2.jpg,Crab,88\n";
    ASSERT_TRUE(s3_.put_object({launch_bucket_, "corpus.csv", corpus}).ok());
    for (const char* path : {"crab/1.jpg", "crab/2.jpg"}) {
      ASSERT_TRUE(s3_.put_object({launch_bucket_, std::string("images/") + path, path}).ok());
    }
  }

  fs::path work_dir_;
  testing::TestCertificates certificates_;
  std::unique_ptr<local::ResponseUrlServer> receiver_;
  std::string stack_bucket_, launch_bucket_, table_;
  std::map<std::string, std::string> environment_;
  aws::HttpClient http_;
  aws::S3Client s3_{moto().config(moto().admin()), http_};
  aws::DynamoDbClient dynamodb_{moto().config(moto().admin()), http_};
};

TEST_F(LambdaPackageTest, EachPackageIsOneExecutableBootstrapUnderFiveMegabytes) {
  for (const std::string name : {"launch", "pre-labeling", "post-labeling"}) {
    const fs::path root = unpack(name, certificates_.ca_certificate);
    const auto status = fs::status(root / "var/task/bootstrap");
    ASSERT_TRUE(fs::is_regular_file(status)) << name;
    EXPECT_NE(status.permissions() & fs::perms::others_exec, fs::perms::none) << name;
    // Only the executable: it is statically linked and carries the worker template.
    EXPECT_EQ(std::distance(fs::recursive_directory_iterator(root / "var/task"),
                            fs::recursive_directory_iterator{}),
              1)
        << name;
    EXPECT_LT(fs::file_size(package_zip(name)), 5u * 1024 * 1024) << name;
  }
}

TEST_F(LambdaPackageTest, TheThreePackagesRunTheFlowInEmptyRoots) {
  upload_corpus();
  auto launch = start("launch", certificates_.ca_certificate);
  ASSERT_NE(launch, nullptr);
  const auto launched = launch->invoke(create_event("create").dump(), kTimeout);
  ASSERT_TRUE(launched.ok) << launched.error_message << "\n" << log_of("launch");
  const json response = receiver_->response("create");
  ASSERT_EQ(response["Status"], "SUCCESS") << response.dump();
  EXPECT_EQ(response["Data"]["ItemCount"], "2");
  // The worker template is built into the launch executable: the package carries no other file.
  EXPECT_EQ(response["Data"]["WorkerTemplateUri"],
            "s3://" + stack_bucket_ + "/templates/bulkqa.liquid.html");
  auto worker_template = s3_.get_object(stack_bucket_, "templates/bulkqa.liquid.html");
  ASSERT_TRUE(worker_template.ok()) << worker_template.error().describe();
  EXPECT_EQ(*worker_template,
            testing::read_file(testing::source_path("templates/bulkqa.liquid.html")));

  auto manifest = s3_.get_object(stack_bucket_, "manifest.json");
  ASSERT_TRUE(manifest.ok());
  const json line = json::parse(manifest->substr(0, manifest->find('\n')));

  auto pre_labeling = start("pre-labeling", certificates_.ca_certificate);
  ASSERT_NE(pre_labeling, nullptr);
  const json pre_event = {
      {"version", "2018-10-06"}, {"labelingJobArn", kJobArn}, {"dataObject", line}};
  const auto task = pre_labeling->invoke(pre_event.dump(), kTimeout);
  ASSERT_TRUE(task.ok) << task.error_message << "\n" << log_of("pre-labeling");
  const json items = json::parse(task.payload)["taskInput"]["sourceRef"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["s3_image_url"], "s3://" + stack_bucket_ + "/crab/1.jpg");

  const json payload = json::array(
      {{{"datasetObjectId", "0"},
        {"dataObject", {{"s3Uri", line["source-ref"]}}},
        {"annotations",
         {{{"workerId", "reviewer"},
           {"annotationData",
            {{"content", R"({"Crab-0":{"Confirmed":true},"Crab-1":{"Confirmed":false}})"}}}}}}}});
  ASSERT_TRUE(s3_.put_object({stack_bucket_, "output/request.json", payload.dump()}).ok());
  auto post_labeling = start("post-labeling", certificates_.ca_certificate);
  ASSERT_NE(post_labeling, nullptr);
  const json post_event = {
      {"version", "2018-10-06"},
      {"labelingJobArn", kJobArn},
      {"labelAttributeName", "qa"},
      {"roleArn", "arn:aws:iam::123456789012:role/gt"},
      {"payload", {{"s3Uri", "s3://" + stack_bucket_ + "/output/request.json"}}}};
  const auto consolidated = post_labeling->invoke(post_event.dump(), kTimeout);
  ASSERT_TRUE(consolidated.ok) << consolidated.error_message << "\n" << log_of("post-labeling");
  const json images =
      json::parse(consolidated.payload)[0]["consolidatedAnnotation"]["content"]["qa"]["images"];
  EXPECT_EQ(images[0]["confirm_count"], 1);
  EXPECT_EQ(images[1]["disconfirm_count"], 1);
  auto item = dynamodb_.get_item(
      table_, {{"s3_image_url", {{"S", "s3://" + stack_bucket_ + "/crab/1.jpg"}}},
               {"label", {{"S", "Crab"}}}});
  ASSERT_TRUE(item.ok() && item->has_value());
  EXPECT_EQ((**item)["WorkerConfirmCount"]["N"], "1");
}

TEST_F(LambdaPackageTest, TlsIsVerifiedAgainstTheAmazonLinuxBundle) {
  // A root whose CA bundle holds another authority: the ResponseURL's certificate cannot be
  // verified, so launch must fail to answer rather than send its answer unverified.
  const fs::path other_dir = work_dir_ / "other-ca";
  fs::create_directories(other_dir);
  const auto other = testing::make_test_certificates(other_dir);
  auto launch = start("launch", other.ca_certificate);
  ASSERT_NE(launch, nullptr);
  json event = create_event("untrusted");
  event["ResourceProperties"].erase("S3Bucket");
  const auto result = launch->invoke(event.dump(), kTimeout);
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error_message.find("certificate"), std::string::npos) << result.error_message;
  EXPECT_EQ(receiver_->put_count("untrusted"), 0);
}

}  // namespace
}  // namespace bulkqa
