// A stack's resources in the shared moto under names no other test uses (the stack, image source
// and launch buckets, the image table), admin clients to set them up and inspect them, the events
// CloudFormation and Ground Truth send the functions about them, and deterministic reviewers.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"

namespace bulkqa::testing {

inline constexpr const char* kImagePrefix = "caltech101/";
inline constexpr const char* kJobArn =
    "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/bulkqa-test";

// An image's table key: (s3_image_url, label).
using ImageKey = std::pair<std::string, std::string>;

struct VoteCounts {
  int confirm = 0;
  int disconfirm = 0;
  bool operator==(const VoteCounts&) const = default;
};

// A deterministic reviewer: most images confirmed, some rejected (every image has its checkbox in
// an answer, as the worker template gives it).
enum class Answer { confirm, disconfirm };
Answer answer_of(const std::string& worker, const std::string& url);

// Ground Truth's annotations of `workers` for one task whose input is `batch_items` (the batch
// object's JSON array), answered by answer_of; the votes they carry are added to `expected`.
// Checkbox names carry the image's index; nlohmann's sorted keys put "-10" before "-2", as Ground
// Truth does.
nlohmann::json annotations_for(const nlohmann::json& batch_items,
                               const std::vector<std::string>& workers,
                               std::map<ImageKey, VoteCounts>& expected);

class TestStack {
 public:
  TestStack();  // creates the buckets and the table

  std::string stack_bucket, source_bucket, launch_bucket, table;

  // The functions' environment: the administrator's key, reaching moto through `endpoint`
  // (moto itself when empty).
  std::map<std::string, std::string> environment(const std::string& endpoint = "") const;

  nlohmann::json custom_resource_event(const std::string& type, const std::string& response_url,
                                       const std::string& request_id,
                                       const std::string& corpus_key) const;
  nlohmann::json post_labeling_event(const std::string& payload_key) const;

  // Every object of the stack bucket, key -> content.
  std::map<std::string, std::string> stack_objects();
  // The batch objects the manifest names, in order, each as its JSON array of items.
  std::vector<nlohmann::json> manifest_batches();
  // Every item of the table by key.
  std::map<ImageKey, nlohmann::json> table_items();
  static int count_of(const nlohmann::json& item, const char* attribute);

  aws::S3Client& s3() { return s3_; }
  aws::DynamoDbClient& dynamodb() { return dynamodb_; }

 private:
  aws::HttpClient http_;
  aws::S3Client s3_;
  aws::DynamoDbClient dynamodb_;
};

}  // namespace bulkqa::testing
