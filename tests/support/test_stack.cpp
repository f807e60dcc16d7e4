#include "support/test_stack.hpp"

#include <functional>
#include <sstream>
#include <stdexcept>

#include "bulkqa/qa/s3_uri.hpp"
#include "support/moto.hpp"

namespace bulkqa::testing {

using nlohmann::json;

Answer answer_of(const std::string& worker, const std::string& url) {
  const std::size_t h = std::hash<std::string>{}(worker + "|" + url);
  return h % 4 == 0 ? Answer::disconfirm : Answer::confirm;
}

json annotations_for(const json& batch_items, const std::vector<std::string>& workers,
                     std::map<ImageKey, VoteCounts>& expected) {
  json annotations = json::array();
  for (const auto& worker : workers) {
    json content = json::object();
    for (std::size_t i = 0; i < batch_items.size(); ++i) {
      const std::string url = batch_items[i]["s3_image_url"];
      const std::string label = batch_items[i]["label"];
      const Answer answer = answer_of(worker, url);
      content[label + "-" + std::to_string(i)] = {{"Confirmed", answer == Answer::confirm}};
      auto& counts = expected[{url, label}];
      (answer == Answer::confirm ? counts.confirm : counts.disconfirm) += 1;
    }
    annotations.push_back(
        {{"workerId", worker}, {"annotationData", {{"content", content.dump()}}}});
  }
  return annotations;
}

TestStack::TestStack()
    : stack_bucket(MotoServer::unique_name("stack")),
      source_bucket(MotoServer::unique_name("images")),
      launch_bucket(MotoServer::unique_name("launch")),
      table(MotoServer::unique_name("table")),
      s3_(MotoServer::shared().config(MotoServer::shared().admin()), http_),
      dynamodb_(MotoServer::shared().config(MotoServer::shared().admin()), http_) {
  auto& moto = MotoServer::shared();
  for (const auto& bucket : {stack_bucket, source_bucket, launch_bucket}) {
    moto.create_bucket(bucket);
  }
  moto.create_image_table(table);
}

std::map<std::string, std::string> TestStack::environment(const std::string& endpoint) const {
  auto& moto = MotoServer::shared();
  auto environment = moto.environment(moto.admin());
  if (!endpoint.empty()) environment["AWS_ENDPOINT_URL"] = endpoint;
  environment["BULKQA_TABLE"] = table;
  environment["BULKQA_BUCKET"] = stack_bucket;
  return environment;
}

json TestStack::custom_resource_event(const std::string& type, const std::string& response_url,
                                      const std::string& request_id,
                                      const std::string& corpus_key) const {
  json event = {{"RequestType", type},
                {"ResponseURL", response_url},
                {"StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/bulkqa/1"},
                {"RequestId", request_id},
                {"LogicalResourceId", "Launch"},
                {"ResourceType", "Custom::BulkQaLaunch"},
                {"ResourceProperties",
                 {{"ServiceToken", "arn:aws:lambda:us-east-1:123456789012:function:launch"},
                  {"S3Bucket", stack_bucket},
                  {"DynamoDBTable", table},
                  {"LaunchBucket", launch_bucket},
                  {"LabelCorpusKey", corpus_key},
                  {"QABatchSize", "25"},
                  {"MinConfidence", "80"},
                  {"ImageSourceBucket", source_bucket},
                  {"ImageSourcePrefix", kImagePrefix}}}};
  if (type != "Create") event["PhysicalResourceId"] = "bulkqa-launch-" + stack_bucket;
  return event;
}

json TestStack::post_labeling_event(const std::string& payload_key) const {
  return {{"version", "2018-10-06"},
          {"labelingJobArn", kJobArn},
          {"labelCategories", json::array()},
          {"labelAttributeName", "bulkqa"},
          {"roleArn", "arn:aws:iam::123456789012:role/gt"},
          {"payload", {{"s3Uri", S3Uri{stack_bucket, payload_key}.str()}}}};
}

std::map<std::string, std::string> TestStack::stack_objects() {
  auto keys = s3_.list_all_keys(stack_bucket, "");
  if (!keys) throw std::runtime_error("listing " + stack_bucket + ": " + keys.error().describe());
  std::map<std::string, std::string> objects;
  for (const auto& key : *keys) {
    auto body = s3_.get_object(stack_bucket, key);
    if (!body) throw std::runtime_error("reading " + key + ": " + body.error().describe());
    objects[key] = std::move(*body);
  }
  return objects;
}

std::vector<json> TestStack::manifest_batches() {
  auto manifest = s3_.get_object(stack_bucket, "manifest.json");
  if (!manifest) throw std::runtime_error("reading the manifest: " + manifest.error().describe());
  std::vector<json> batches;
  std::istringstream lines(*manifest);
  for (std::string line; std::getline(lines, line);) {
    const auto uri = parse_s3_uri(json::parse(line).at("source-ref").get<std::string>());
    if (!uri) throw std::runtime_error("manifest line: " + uri.error().describe());
    auto batch = s3_.get_object(uri->bucket, uri->key);
    if (!batch) throw std::runtime_error("reading " + uri->key + ": " + batch.error().describe());
    batches.push_back(json::parse(*batch));
  }
  return batches;
}

std::map<ImageKey, json> TestStack::table_items() {
  auto items = dynamodb_.scan_all(table);
  if (!items) throw std::runtime_error("scanning " + table + ": " + items.error().describe());
  std::map<ImageKey, json> by_key;
  for (auto& item : *items) {
    ImageKey key{item["s3_image_url"]["S"], item["label"]["S"]};
    by_key.emplace(std::move(key), std::move(item));
  }
  return by_key;
}

int TestStack::count_of(const json& item, const char* attribute) {
  return item.contains(attribute) ? std::stoi(item[attribute]["N"].get<std::string>()) : 0;
}

}  // namespace bulkqa::testing
