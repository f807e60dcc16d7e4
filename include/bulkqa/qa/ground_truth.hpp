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

// What consolidating `objects` reads from S3 besides the payload, each object once, in payload
// order: the batches not given inline, and the answers stored in S3 rather than inline. Nothing
// read depends on anything else read, so all of it can be read at once.
struct ConsolidationReads {
  std::vector<S3Uri> batches;
  std::vector<S3Uri> answers;
};
ConsolidationReads consolidation_reads(const std::vector<DatasetObject>& objects);

struct Vote {
  std::size_t image_index;  // 0-based position of the image in its batch
  bool confirmed;

  bool operator==(const Vote&) const = default;
};

// Reads one reviewer's answer to `batch`: a JSON object mapping each checkbox name to
// {"Confirmed": true|false}, or that object as the one element of an array (the shape the
// documentation of crowd-form shows). Image N's checkbox is named exactly "<label of image N>-N",
// as the worker template writes it; votes are matched by that name, never by key order, since
// Ground Truth sorts the keys ("Crab-10" before "Crab-2"). Returns one vote per image, in batch
// order. Errors name the key: code "InvalidAnnotation" for content that is not JSON (or is nested
// deeper than kMaxJsonDepth), not such an object, a key that is not a checkbox of the batch (no
// "-<index>" suffix, an index outside the batch, "Crab-01", "Crab--1", or "Lobster-0" in a Crab
// batch), a value that is not an object with a boolean "Confirmed"; "IncompleteAnswer" for an
// image without its checkbox.
Result<std::vector<Vote>> parse_votes(std::string_view annotation_content,
                                      const std::vector<BatchItem>& batch);

// The annotation content the worker template submits for `votes` on `batch`, what parse_votes
// reads back: {"<label>-<index>": {"Confirmed": true|false}, ...}. A label that is not UTF-8 has
// its bad bytes replaced rather than making the text unwritable.
std::string annotation_content(const std::vector<BatchItem>& batch, const std::vector<Vote>& votes);

}  // namespace bulkqa
