// Batches of review: up to N images that share a label, shown together to one reviewer. A batch
// is stored as a JSON array of items (the object that a manifest line's "source-ref" names).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

struct BatchItem {
  std::string s3_image_url;  // "s3://bucket/key" of the image
  std::string label;
  double confidence;  // percent, 0..100

  bool operator==(const BatchItem&) const = default;
};

// [{"s3_image_url": "...", "label": "...", "confidence": 97.5}, ...]
nlohmann::json batch_to_json(const std::vector<BatchItem>& items);

// The inverse of batch_to_json, for a batch of at least one image. Errors (code "InvalidBatch")
// name the element and field, e.g. "[3].confidence: expected a number, found string": not JSON
// (or nested deeper than kMaxJsonDepth), not an array, an empty array, an element that is not an
// object, s3_image_url not an S3 URI, an empty label, a confidence outside [0, 100] (NaN and
// infinities are not JSON: nlohmann refuses NaN, Infinity and 1e999 alike).
Result<std::vector<BatchItem>> parse_batch(std::string_view json_text);

struct Batch {
  std::string label;
  std::size_t sequence;  // 0-based position among all batches made together
  std::vector<BatchItem> items;
};

// Launch lays the batches out (qa/launch_plan.hpp).

// "batches/000042-Soccer_Ball.json": the 6-digit sequence (more digits past 999999) makes it
// unique; the label's slug (ASCII letters, digits, '-' and '_' kept, every other byte '_', at most
// 64 characters) makes it readable.
std::string batch_object_key(const Batch& batch);

// One {"source-ref": uri} JSON object per line, each line ending in '\n' (a Ground Truth input
// manifest).
std::string manifest_jsonl(const std::vector<std::string>& batch_uris);

}  // namespace bulkqa
