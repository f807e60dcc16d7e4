// The three Lambda executables as real processes behind a local Runtime API, against a real
// moto_server with IAM authentication on: launch Create -> pre-labeling for every manifest line ->
// post-labeling on consolidation requests -> counts checked item by item -> Delete.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "support/function_harness.hpp"
#include "support/moto.hpp"
#include "support/test_stack.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::MotoServer;

using testing::kImagePrefix;
using testing::kJobArn;

// What the test expects of a sample corpus, worked out here independently of the product's parser:
// the samples are plain CSV (no quoting) with CRLF line ends.
struct ExpectedImage {
  std::string path;
  std::string label;
  double confidence;
};

std::vector<ExpectedImage> read_sample(const std::string& file, double min_confidence) {
  std::istringstream text(testing::read_file(testing::source_path("samples/" + file)));
  std::string line;
  std::getline(text, line);
  std::map<std::string, int> column;
  {
    std::istringstream header(line.substr(0, line.find('\r')));
    std::string name;
    for (int i = 0; std::getline(header, name, ','); ++i) column[name] = i;
  }
  std::vector<ExpectedImage> images;
  while (std::getline(text, line)) {
    line = line.substr(0, line.find('\r'));
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::istringstream row(line);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    ExpectedImage image{fields[column["image_local_path"]], fields[column["label"]],
                        std::stod(fields[column["confidence"]])};
    if (image.confidence >= min_confidence) images.push_back(image);
  }
  return images;
}

// Batches as the product must cut them: labels in order of first appearance, corpus order inside.
std::vector<std::vector<ExpectedImage>> expected_batches(const std::vector<ExpectedImage>& images,
                                                         std::size_t size) {
  std::vector<std::string> labels;
  std::map<std::string, std::vector<ExpectedImage>> by_label;
  for (const auto& image : images) {
    if (!by_label.contains(image.label)) labels.push_back(image.label);
    by_label[image.label].push_back(image);
  }
  std::vector<std::vector<ExpectedImage>> batches;
  for (const auto& label : labels) {
    const auto& group = by_label[label];
    for (std::size_t first = 0; first < group.size(); first += size) {
      batches.emplace_back(group.begin() + first,
                           group.begin() + std::min(group.size(), first + size));
    }
  }
  return batches;
}

class FunctionsFlowTest : public ::testing::TestWithParam<std::string> {
 protected:
  static MotoServer& moto() { return MotoServer::shared(); }

  void upload_corpus(const std::string& file, const std::string& corpus_text) {
    ASSERT_TRUE(s3_.put_object({launch_bucket_, "corpus/" + file, corpus_text}).ok());
  }

  void upload_images(const std::vector<ExpectedImage>& images) {
    std::vector<aws::PutObjectRequest> puts;
    for (const auto& image : images) {
      puts.push_back(
          {source_bucket_, kImagePrefix + image.path, "image:" + image.path, "image/jpeg"});
    }
    for (const auto& status : s3_.put_objects(std::move(puts))) ASSERT_TRUE(status.ok());
  }

  json custom_resource_event(const std::string& type, const std::string& id,
                             const std::string& corpus_key) {
    return stack_.custom_resource_event(type, receiver_->url(id), id, corpus_key);
  }
  std::map<testing::ImageKey, json> table_items() { return stack_.table_items(); }
  static int count_of(const json& item, const char* attribute) {
    return testing::TestStack::count_of(item, attribute);
  }

  testing::TestStack stack_;
  const std::string& stack_bucket_ = stack_.stack_bucket;
  const std::string& source_bucket_ = stack_.source_bucket;
  const std::string& launch_bucket_ = stack_.launch_bucket;
  const std::string& table_ = stack_.table;
  const std::map<std::string, std::string> environment_ = stack_.environment();
  aws::S3Client& s3_ = stack_.s3();
  aws::DynamoDbClient& dynamodb_ = stack_.dynamodb();
  testing::ResponseReceiver receiver_;
};

TEST_P(FunctionsFlowTest, LaunchReviewTallyAndDelete) {
  const std::string file = GetParam();
  const auto all_images = read_sample(file, 0);
  const auto images = read_sample(file, 80);
  const auto batches = expected_batches(images, 25);
  upload_corpus(file, testing::read_file(testing::source_path("samples/" + file)));
  upload_images(all_images);

  // Launch: Create.
  testing::FunctionUnderTest launch("bulkqa-launch", environment_);
  launch.invoke_ok(custom_resource_event("Create", "create-1", "corpus/" + file));
  const json created = receiver_->response("create-1");
  ASSERT_EQ(created["Status"], "SUCCESS") << created.dump();
  EXPECT_EQ(receiver_->content_type("create-1"), "");
  EXPECT_EQ(created["PhysicalResourceId"], "bulkqa-launch-" + stack_bucket_);
  EXPECT_EQ(created["Data"]["ManifestUri"], "s3://" + stack_bucket_ + "/manifest.json");
  EXPECT_EQ(created["Data"]["BatchCount"], std::to_string(batches.size()));
  EXPECT_EQ(created["Data"]["ItemCount"], std::to_string(images.size()));

  // Images copied server-side, one object each.
  for (const auto& image : images) {
    auto copy = s3_.get_object(stack_bucket_, image.path);
    ASSERT_TRUE(copy.ok()) << image.path;
    EXPECT_EQ(*copy, "image:" + image.path);
  }

  // The manifest names one batch per line, in order; pre-labeling turns each into its task input.
  auto manifest = s3_.get_object(stack_bucket_, "manifest.json");
  ASSERT_TRUE(manifest.ok());
  std::vector<std::string> batch_uris;
  std::istringstream lines(*manifest);
  for (std::string line; std::getline(lines, line);) {
    batch_uris.push_back(json::parse(line).at("source-ref").get<std::string>());
  }
  ASSERT_EQ(batch_uris.size(), batches.size());

  testing::FunctionUnderTest pre_labeling("bulkqa-pre-labeling", environment_);
  std::vector<json> task_inputs;
  for (std::size_t b = 0; b < batches.size(); ++b) {
    const json answer = pre_labeling.invoke_ok({{"version", "2018-10-06"},
                                                {"labelingJobArn", kJobArn},
                                                {"dataObject", {{"source-ref", batch_uris[b]}}}});
    EXPECT_EQ(answer["isHumanAnnotationRequired"], "true");
    const json& items = answer["taskInput"]["sourceRef"];
    ASSERT_EQ(items.size(), batches[b].size()) << batch_uris[b];
    for (std::size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(items[i]["s3_image_url"], "s3://" + stack_bucket_ + "/" + batches[b][i].path);
      EXPECT_EQ(items[i]["label"], batches[b][i].label);
      EXPECT_DOUBLE_EQ(items[i]["confidence"].get<double>(), batches[b][i].confidence);
    }
    task_inputs.push_back(items);
  }

  // One table item per image, with its confidence and no votes yet.
  auto items = table_items();
  ASSERT_EQ(items.size(), images.size());
  for (const auto& image : images) {
    const auto found = items.find({"s3://" + stack_bucket_ + "/" + image.path, image.label});
    ASSERT_NE(found, items.end()) << image.path;
    EXPECT_DOUBLE_EQ(std::stod(found->second["confidence"]["N"].get<std::string>()),
                     image.confidence);
    EXPECT_FALSE(found->second.contains("WorkerConfirmCount"));
  }

  // Two reviewers per task.
  json payload = json::array();
  std::map<testing::ImageKey, testing::VoteCounts> expected;
  for (std::size_t b = 0; b < batches.size(); ++b) {
    payload.push_back({{"datasetObjectId", std::to_string(b)},
                       {"dataObject", {{"s3Uri", batch_uris[b]}}},
                       {"annotations", testing::annotations_for(
                                           task_inputs[b], {"worker-a", "worker-b"}, expected)}});
  }
  ASSERT_TRUE(
      s3_.put_object({stack_bucket_, "gt-output/iteration-1/request.json", payload.dump()}).ok());
  const json post_event = {
      {"version", "2018-10-06"},
      {"labelingJobArn", kJobArn},
      {"labelCategories", json::array()},
      {"labelAttributeName", "bulkqa"},
      {"roleArn", "arn:aws:iam::123456789012:role/gt"},
      {"payload", {{"s3Uri", "s3://" + stack_bucket_ + "/gt-output/iteration-1/request.json"}}}};

  testing::FunctionUnderTest post_labeling("bulkqa-post-labeling", environment_);
  const json consolidated = post_labeling.invoke_ok(post_event);
  ASSERT_EQ(consolidated.size(), batches.size());
  for (std::size_t b = 0; b < batches.size(); ++b) {
    EXPECT_EQ(consolidated[b]["datasetObjectId"], std::to_string(b));
    const json& result = consolidated[b]["consolidatedAnnotation"]["content"]["bulkqa"]["images"];
    ASSERT_EQ(result.size(), batches[b].size());
    for (std::size_t i = 0; i < result.size(); ++i) {
      const std::string url = "s3://" + stack_bucket_ + "/" + batches[b][i].path;
      const testing::VoteCounts counts = expected[{url, batches[b][i].label}];
      EXPECT_EQ(result[i]["s3_image_url"], url);
      EXPECT_EQ(result[i]["confirm_count"], counts.confirm) << url;
      EXPECT_EQ(result[i]["disconfirm_count"], counts.disconfirm) << url;
    }
  }

  auto check_table = [&] {
    for (const auto& [key, item] : table_items()) {
      const testing::VoteCounts counts = expected[key];
      EXPECT_EQ(count_of(item, "WorkerConfirmCount"), counts.confirm) << key.first;
      EXPECT_EQ(count_of(item, "WorkerDisconfirmCount"), counts.disconfirm) << key.first;
    }
  };
  check_table();

  // Ground Truth may invoke again with the same answers: same response, table unchanged.
  EXPECT_EQ(post_labeling.invoke_ok(post_event), consolidated);
  check_table();

  // Delete empties the stack bucket and answers SUCCESS with the same physical id.
  launch.invoke_ok(custom_resource_event("Delete", "delete-1", "corpus/" + file));
  const json deleted = receiver_->response("delete-1");
  EXPECT_EQ(deleted["Status"], "SUCCESS") << deleted.dump();
  EXPECT_EQ(deleted["PhysicalResourceId"], "bulkqa-launch-" + stack_bucket_);
  EXPECT_TRUE(s3_.list_all_keys(stack_bucket_, "")->empty());
}

INSTANTIATE_TEST_SUITE_P(Samples, FunctionsFlowTest,
                         ::testing::Values("smallsample.csv", "shellfish.csv"),
                         [](const auto& info) {
                           return info.param.substr(0, info.param.find('.'));
                         });

class LaunchFailureTest : public FunctionsFlowTest {};

TEST_F(LaunchFailureTest, ABadRowFailsTheResourceNamingTheLineAndWritesNothing) {
  upload_corpus("bad.csv",
                "image_local_path,label,confidence\r\n"
                "crab/1.jpg,Crab,99\r\n"
                "crab/2.jpg,Crab,98\r\n"
                "crab/3.jpg,Crab,ninety\r\n");
  upload_images(
      {{"crab/1.jpg", "Crab", 99}, {"crab/2.jpg", "Crab", 98}, {"crab/3.jpg", "Crab", 97}});
  testing::FunctionUnderTest launch("bulkqa-launch", environment_);
  launch.invoke(custom_resource_event("Create", "bad-row", "corpus/bad.csv"));
  const json response = receiver_->response("bad-row");
  ASSERT_EQ(response["Status"], "FAILED") << response.dump();
  EXPECT_NE(response["Reason"].get<std::string>().find("line 4"), std::string::npos)
      << response.dump();
  EXPECT_TRUE(s3_.list_all_keys(stack_bucket_, "")->empty());
  EXPECT_TRUE(table_items().empty());
}

TEST_F(LaunchFailureTest, AMissingPropertyFailsNamingIt) {
  json event = custom_resource_event("Create", "no-key", "corpus/x.csv");
  event["ResourceProperties"].erase("LabelCorpusKey");
  testing::FunctionUnderTest launch("bulkqa-launch", environment_);
  launch.invoke(event);
  const json response = receiver_->response("no-key");
  ASSERT_EQ(response["Status"], "FAILED");
  EXPECT_NE(response["Reason"].get<std::string>().find("LabelCorpusKey"), std::string::npos);
}

TEST_F(LaunchFailureTest, AMalformedRequestStillGetsAFailedAnswer) {
  json event = custom_resource_event("Create", "malformed", "corpus/x.csv");
  event.erase("RequestType");
  testing::FunctionUnderTest launch("bulkqa-launch", environment_);
  auto result = launch.invoke(event);
  EXPECT_FALSE(result.ok);
  const json response = receiver_->response("malformed");
  ASSERT_EQ(response["Status"], "FAILED") << response.dump();
  EXPECT_NE(response["Reason"].get<std::string>().find("RequestType"), std::string::npos);
  EXPECT_EQ(response["RequestId"], "malformed");
}

TEST_F(LaunchFailureTest, AMissingImageFailsTheResourceNamingIt) {
  upload_corpus("missing.csv",
                "image_local_path,label,confidence\ncrab/1.jpg,Crab,99\ncrab/gone.jpg,Crab,98\n");
  upload_images({{"crab/1.jpg", "Crab", 99}});
  testing::FunctionUnderTest launch("bulkqa-launch", environment_);
  launch.invoke(custom_resource_event("Create", "missing-image", "corpus/missing.csv"));
  const json response = receiver_->response("missing-image");
  ASSERT_EQ(response["Status"], "FAILED");
  EXPECT_NE(response["Reason"].get<std::string>().find("crab/gone.jpg"), std::string::npos);
  EXPECT_FALSE(s3_.get_object(stack_bucket_, "manifest.json").ok());
}

TEST_F(LaunchFailureTest, AFailedResponsePutIsRetried) {
  json event = custom_resource_event("Create", "flaky", "corpus/x.csv");
  event["ResourceProperties"].erase("S3Bucket");
  receiver_->fail_next("flaky", 2);
  testing::FunctionUnderTest launch("bulkqa-launch", environment_);
  launch.invoke(event);
  EXPECT_EQ(receiver_->put_count("flaky"), 3);
  EXPECT_EQ(receiver_->response("flaky")["Status"], "FAILED");
}

class ImagesInPlaceTest : public FunctionsFlowTest {
 protected:
  std::string source_url(const std::string& path) const {
    return "s3://" + source_bucket_ + "/" + kImagePrefix + path;
  }
  std::vector<std::string> source_keys() { return *s3_.list_all_keys(source_bucket_, ""); }
};

// CopyImages=false: the batches and the table name each image where it is, and the stack bucket
// holds nothing but the batches, the manifest and the worker template. Delete empties the stack
// bucket and leaves the images where they are.
TEST_F(ImagesInPlaceTest, ALaunchCopiesNothingAndItsBatchesAndItemsNameTheSourceObjects) {
  const std::string file = "smallsample.csv";
  const auto images = read_sample(file, 80);
  const auto batches = expected_batches(images, 25);
  upload_corpus(file, testing::read_file(testing::source_path("samples/" + file)));
  upload_images(read_sample(file, 0));
  const auto sources = source_keys();

  auto in_place = [&](const std::string& type, const std::string& id) {
    json event = custom_resource_event(type, id, "corpus/" + file);
    event["ResourceProperties"]["CopyImages"] = "false";
    return event;
  };
  testing::FunctionUnderTest launch("bulkqa-launch", environment_);
  launch.invoke_ok(in_place("Create", "in-place"));
  const json created = receiver_->response("in-place");
  ASSERT_EQ(created["Status"], "SUCCESS") << created.dump();
  EXPECT_EQ(created["Data"]["BatchCount"], std::to_string(batches.size()));
  EXPECT_EQ(created["Data"]["ItemCount"], std::to_string(images.size()));

  std::size_t batch_objects = 0;
  for (const auto& [key, body] : stack_.stack_objects()) {
    if (key.starts_with("batches/")) {
      ++batch_objects;
    } else {
      EXPECT_TRUE(key == "manifest.json" || key == "templates/bulkqa.liquid.html") << key;
    }
  }
  EXPECT_EQ(batch_objects, batches.size());

  const auto written = stack_.manifest_batches();
  ASSERT_EQ(written.size(), batches.size());
  for (std::size_t b = 0; b < batches.size(); ++b) {
    ASSERT_EQ(written[b].size(), batches[b].size()) << b;
    for (std::size_t i = 0; i < batches[b].size(); ++i) {
      EXPECT_EQ(written[b][i]["s3_image_url"], source_url(batches[b][i].path));
      EXPECT_EQ(written[b][i]["label"], batches[b][i].label);
    }
  }
  const auto items = table_items();
  EXPECT_EQ(items.size(), images.size());
  for (const auto& image : images) {
    EXPECT_TRUE(items.contains({source_url(image.path), image.label})) << image.path;
  }
  EXPECT_EQ(source_keys(), sources);

  launch.invoke_ok(in_place("Delete", "in-place-delete"));
  EXPECT_EQ(receiver_->response("in-place-delete")["Status"], "SUCCESS");
  EXPECT_TRUE(s3_.list_all_keys(stack_bucket_, "")->empty());
  EXPECT_EQ(source_keys(), sources);
}

class LaunchDeleteTest : public FunctionsFlowTest {};

// Listing gives 1,000 keys a page; at Concurrency 2 a round takes two pages, so 2,100 objects
// take a round of 2,000 and one of 100, each round's deletes side by side.
TEST_F(LaunchDeleteTest, ADeleteAtAConcurrencyItSetsEmptiesABucketOfThousandsInRounds) {
  constexpr std::size_t kObjects = 2100;
  std::vector<aws::PutObjectRequest> objects;
  for (std::size_t i = 0; i < kObjects; ++i) {
    objects.push_back({stack_bucket_, "ground-truth-output/" + std::to_string(i) + ".json", "{}"});
  }
  for (const auto& status : s3_.put_objects(std::move(objects))) ASSERT_TRUE(status.ok());
  const auto log_file =
      std::filesystem::temp_directory_path() / (MotoServer::unique_name("launch") + ".log");
  auto environment = environment_;
  environment["LOG_LEVEL"] = "info";
  {
    testing::FunctionUnderTest launch("bulkqa-launch", environment, log_file);
    json event = custom_resource_event("Delete", "delete-many", "corpus/x.csv");
    event["ResourceProperties"]["Concurrency"] = "2";
    launch.invoke_ok(event);
  }
  const std::string log = testing::read_file(log_file);
  std::filesystem::remove(log_file);
  const json response = receiver_->response("delete-many");
  EXPECT_EQ(response["Status"], "SUCCESS") << response.dump();
  EXPECT_TRUE(s3_.list_all_keys(stack_bucket_, "")->empty());
  std::istringstream lines(log);
  std::size_t emptied = 0;
  for (std::string line; std::getline(lines, line);) {
    const json entry = json::parse(line, nullptr, false);
    if (entry.is_object() && entry.value("message", "") == "bucket emptied") {
      emptied = entry.value("objects", std::size_t{0});
    }
  }
  EXPECT_EQ(emptied, kObjects) << log;
}

class LogTest : public FunctionsFlowTest {};

TEST_F(LogTest, EveryLineIsJsonWithTheRequestIdAndNoSecret) {
  const auto log_file =
      std::filesystem::temp_directory_path() / (MotoServer::unique_name("pre-labeling") + ".log");
  auto environment = environment_;
  environment["LOG_LEVEL"] = "trace";
  {
    testing::FunctionUnderTest pre_labeling("bulkqa-pre-labeling", environment, log_file);
    // One call that reads S3 (signed requests) and one that fails.
    const json batch = json::array({{{"s3_image_url", "s3://" + stack_bucket_ + "/a.jpg"},
                                     {"label", "Crab"},
                                     {"confidence", 91.5}}});
    ASSERT_TRUE(s3_.put_object({stack_bucket_, "batches/x.json", batch.dump()}).ok());
    pre_labeling.invoke_ok(
        {{"version", "2018-10-06"},
         {"labelingJobArn", kJobArn},
         {"dataObject", {{"source-ref", "s3://" + stack_bucket_ + "/batches/x.json"}}}});
    EXPECT_FALSE(
        pre_labeling
            .invoke({{"version", "2018-10-06"},
                     {"labelingJobArn", kJobArn},
                     {"dataObject", {{"source-ref", "s3://" + stack_bucket_ + "/missing.json"}}}})
            .ok);
  }
  const std::string log = testing::read_file(log_file);
  std::filesystem::remove(log_file);
  EXPECT_EQ(log.find(moto().admin().secret_access_key), std::string::npos);
  EXPECT_EQ(log.find("Signature="), std::string::npos);
  std::istringstream lines(log);
  int lines_with_request_id = 0;
  for (std::string line; std::getline(lines, line);) {
    const json entry = json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << line;
    EXPECT_TRUE(entry.contains("level") && entry.contains("message")) << line;
    if (entry.contains("request_id")) ++lines_with_request_id;
  }
  EXPECT_GE(lines_with_request_id, 2);
}

class PreLabelingTest : public FunctionsFlowTest {};

TEST_F(PreLabelingTest, ASourceOutsideTheStackBucketIsRefused) {
  testing::FunctionUnderTest pre_labeling("bulkqa-pre-labeling", environment_);
  auto result =
      pre_labeling.invoke({{"version", "2018-10-06"},
                           {"labelingJobArn", kJobArn},
                           {"dataObject", {{"source-ref", "s3://" + source_bucket_ + "/x.json"}}}});
  ASSERT_FALSE(result.ok);
  EXPECT_NE(result.error_message.find(stack_bucket_), std::string::npos) << result.error_message;
}

TEST_F(PreLabelingTest, AnInlineSourceIsServedAsIs) {
  const json batch = json::array({{{"s3_image_url", "s3://" + stack_bucket_ + "/a.jpg"},
                                   {"label", "Crab"},
                                   {"confidence", 91.5}}});
  testing::FunctionUnderTest pre_labeling("bulkqa-pre-labeling", environment_);
  const json answer = pre_labeling.invoke_ok({{"version", "2018-10-06"},
                                              {"labelingJobArn", kJobArn},
                                              {"dataObject", {{"source", batch.dump()}}}});
  EXPECT_EQ(answer["taskInput"]["sourceRef"], batch);
}

class PostLabelingTest : public FunctionsFlowTest {};

// Answers that cannot be read: tests/integration/hostile_answers_test.cpp.
TEST_F(PostLabelingTest, AVoteForAnImageWithoutAnItemFailsTheInvocation) {
  const json batch = json::array({{{"s3_image_url", "s3://" + stack_bucket_ + "/ghost.jpg"},
                                   {"label", "Crab"},
                                   {"confidence", 99}}});
  const json payload =
      json::array({{{"datasetObjectId", "0"},
                    {"dataObject", {{"content", batch.dump()}}},
                    {"annotations",
                     {{{"workerId", "w"},
                       {"annotationData", {{"content", R"({"Crab-0":{"Confirmed":true}})"}}}}}}}});
  ASSERT_TRUE(s3_.put_object({stack_bucket_, "gt/ghost.json", payload.dump()}).ok());
  testing::FunctionUnderTest post_labeling("bulkqa-post-labeling", environment_);
  auto result =
      post_labeling.invoke({{"version", "2018-10-06"},
                            {"labelingJobArn", kJobArn},
                            {"labelAttributeName", "qa"},
                            {"roleArn", "arn:aws:iam::123456789012:role/gt"},
                            {"payload", {{"s3Uri", "s3://" + stack_bucket_ + "/gt/ghost.json"}}}});
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.error_type, "MissingItem");
  EXPECT_NE(result.error_message.find("ghost.jpg"), std::string::npos);
  EXPECT_TRUE(table_items().empty());
}

}  // namespace
}  // namespace bulkqa
