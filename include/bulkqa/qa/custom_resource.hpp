// CloudFormation custom resources: the request CloudFormation sends to the launch Lambda, the
// response body it expects back at the request's pre-signed ResponseURL, and the launch resource's
// properties.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

// CloudFormation's limit on a custom resource response body.
inline constexpr std::size_t kMaxCustomResourceResponseBytes = 4096;

struct CustomResourceRequest {
  std::string request_type;  // "Create", "Update" or "Delete"
  std::string response_url;
  std::string stack_id;
  std::string request_id;
  std::string logical_resource_id;
  std::string physical_resource_id;        // empty on Create
  nlohmann::json resource_properties;      // an object ({} when absent)
  nlohmann::json old_resource_properties;  // an object, {} except on Update
};

// Errors (code "InvalidRequest") name the missing or malformed field; RequestType must be Create,
// Update or Delete.
Result<CustomResourceRequest> parse_custom_resource_request(const nlohmann::json& request);

struct CustomResourceResponse {
  bool success;
  std::string reason;                // shown in the stack's events; needed on failure
  std::string physical_resource_id;  // empty: the request's, or else its logical id
  nlohmann::json data;               // an object of values for Fn::GetAtt, or null
};

// The JSON body to PUT to the ResponseURL: Status (SUCCESS or FAILED), Reason, PhysicalResourceId,
// StackId, RequestId, LogicalResourceId, Data. With ids of the sizes CloudFormation uses, it never
// exceeds kMaxCustomResourceResponseBytes:
// a long Reason is cut at a UTF-8 character boundary and marked with "…"; when Data alone makes
// the body too big, Data is left out and Reason says so. Text that is not UTF-8 is sent with
// U+FFFD in place of the bad bytes.
std::string custom_resource_response_body(const CustomResourceRequest& request,
                                          const CustomResourceResponse& response);

// The launch custom resource's properties.
struct LaunchProperties {
  std::string s3_bucket;            // S3Bucket: where batches, manifests and outputs go
  std::string dynamodb_table;       // DynamoDBTable: one item per image
  std::string launch_bucket;        // LaunchBucket: holds the label corpus
  std::string label_corpus_key;     // LabelCorpusKey: the corpus CSV's key in LaunchBucket
  std::size_t qa_batch_size = 25;   // QABatchSize: images per batch, 1..1000
  double min_confidence = 0;        // MinConfidence: rows below it are left out, 0..100
  std::string image_source_bucket;  // ImageSourceBucket: holds the images
  std::string image_source_prefix;  // ImageSourcePrefix: put before each image_local_path
  std::size_t concurrency = 64;     // Concurrency: requests in flight, 1..1024
  // CopyImages: copy each image into the stack bucket, or (false) name the source object itself
  // in the batches and copy nothing.
  bool copy_images = true;
};

// CloudFormation passes every property value as a string; numbers given as JSON numbers are
// accepted too. Required: S3Bucket, DynamoDBTable, LaunchBucket, LabelCorpusKey,
// ImageSourceBucket. Optional: ImageSourcePrefix (""), QABatchSize (25), MinConfidence (0),
// Concurrency (64), CopyImages (true; "true" or "false").
// Other properties (ServiceToken, ...) are ignored. Errors (code "InvalidProperties") name the
// property.
Result<LaunchProperties> parse_launch_properties(const nlohmann::json& resource_properties);

}  // namespace bulkqa
