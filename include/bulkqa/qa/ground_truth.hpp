// The formats Ground Truth exchanges with a custom labeling workflow's Lambdas (SageMaker
// developer guide, "Processing data in a custom labeling workflow with AWS Lambda"): the
// pre-annotation event and response, the annotation-consolidation event and the payload file it
// points to, and the votes inside one reviewer's answer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa {

// {"version", "labelingJobArn", "dataObject": {"source-ref": "s3://..."} or {"source": "..."}}
struct PreLabelingEvent {
  std::string labeling_job_arn;
  std::optional<S3Uri> source_ref;           // the batch object, for "source-ref" manifest lines
  std::optional<std::string> inline_source;  // the batch JSON itself, for "source" lines
};

// Errors (code "InvalidEvent") name the field: labelingJobArn or dataObject missing, dataObject
// with neither or both of source-ref and source, a source-ref that is not an S3 URI.
Result<PreLabelingEvent> parse_pre_labeling_event(const nlohmann::json& event);

// {"taskInput": {"sourceRef": [batch items]}, "isHumanAnnotationRequired": "true"}
nlohmann::json pre_labeling_response(const std::vector<BatchItem>& items);

// {"version", "labelingJobArn", "labelCategories", "labelAttributeName", "roleArn",
//  "payload": {"s3Uri"}}
struct PostLabelingEvent {
  std::string labeling_job_arn;
  std::string label_attribute_name;
  std::string role_arn;
  S3Uri payload;  // where the consolidation payload (parse_consolidation_payload) lies
};

// Errors (code "InvalidEvent") name the missing or malformed field.
Result<PostLabelingEvent> parse_post_labeling_event(const nlohmann::json& event);

struct Annotation {
  std::string worker_id;
  std::optional<std::string> content;  // the answer inline (a JSON text), or
  std::optional<S3Uri> content_uri;    // where the answer was stored instead

  bool operator==(const Annotation&) const = default;
};

struct DatasetObject {
  std::string dataset_object_id;         // a number in the payload becomes its decimal text
  std::optional<S3Uri> data_object_uri;  // the manifest line's source-ref
  std::optional<std::string> data_object_content;  // or its inline source
  std::vector<Annotation> annotations;             // may be empty: nobody answered

  bool operator==(const DatasetObject&) const = default;
};

// [{"datasetObjectId", "dataObject": {"s3Uri" | "content"},
//   "annotations": [{"workerId", "annotationData": {"content" | "s3Uri"}}]}, ...]
// Errors (code "InvalidPayload") name the path, e.g. "[2].annotations[0].workerId: missing".
Result<std::vector<DatasetObject>> parse_consolidation_payload(std::string_view json_text);

// The consolidation payload Ground Truth stores for these objects: the inverse of
// parse_consolidation_payload.
nlohmann::json consolidation_payload_json(const std::vector<DatasetObject>& objects);

struct Vote {
  std::size_t image_index;  // 0-based position of the image in its batch
  bool confirmed;

  bool operator==(const Vote&) const = default;
};

// Reads one answer: a JSON object mapping checkbox names to {"Confirmed": true|false}, where a
// name ends in "-<index>" (the image's position in the batch; the rest of the name is free).
// Votes are matched by the index in the name, never by key order, since Ground Truth sorts the
// keys ("Crab-10" before "Crab-2"). Images without a checkbox get no vote. Votes come sorted by
// index. Errors (code "InvalidAnnotation") name the key: content not a JSON object, a name without
// a numeric "-<index>" suffix, an index >= batch_size, a value that is not an object with a
// boolean "Confirmed", two names with the same index.
Result<std::vector<Vote>> parse_votes(std::string_view annotation_content, std::size_t batch_size);

}  // namespace bulkqa
