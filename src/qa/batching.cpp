#include "bulkqa/qa/batching.hpp"

#include <algorithm>

#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/qa/stack_layout.hpp"
#include "bulkqa/util/json_fields.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

constexpr std::size_t kMaxSlugLength = 64;
constexpr std::size_t kSequenceDigits = 6;

Result<BatchItem> read_batch_item(const nlohmann::json& element, std::size_t index) {
  Result<JsonObjectReader> object =
      JsonObjectReader::open(element, element_path("", index), errc::kInvalidBatch);
  if (!object) return object.error();
  Result<std::string> url = object->required_string("s3_image_url");
  if (!url) return url.error();
  if (Result<S3Uri> uri = parse_s3_uri(*url); !uri) {
    return object->error("s3_image_url", uri.error().message);
  }
  Result<std::string> label = object->required_string("label");
  if (!label) return label.error();
  const nlohmann::json* confidence = object->find("confidence");
  if (confidence == nullptr) return object->error("confidence", "missing");
  if (!confidence->is_number()) return object->type_error("confidence", "a number", *confidence);
  const double value = confidence->get<double>();
  if (value < 0 || value > 100) {
    return object->error("confidence", confidence->dump() + " is outside [0, 100]");
  }
  return BatchItem{std::move(url).value(), std::move(label).value(), value};
}

std::string label_slug(std::string_view label) {
  std::string slug;
  for (const char c : label.substr(0, kMaxSlugLength)) {
    const bool kept = is_ascii_alphanumeric(c) || c == '-' || c == '_';
    slug += kept ? c : '_';
  }
  return slug;
}

std::string zero_padded(std::size_t number, std::size_t width) {
  std::string digits = std::to_string(number);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

}  // namespace

nlohmann::json batch_to_json(const std::vector<BatchItem>& items) {
  nlohmann::json array = nlohmann::json::array();
  for (const BatchItem& item : items) {
    array.push_back({{"s3_image_url", item.s3_image_url},
                     {"label", item.label},
                     {"confidence", item.confidence}});
  }
  return array;
}

Result<std::vector<BatchItem>> parse_batch(std::string_view json_text) {
  const Result<nlohmann::json> parsed = parse_json(json_text, "batch", errc::kInvalidBatch);
  if (!parsed) return parsed.error();
  const nlohmann::json& document = *parsed;
  if (!document.is_array()) {
    return make_error(errc::kInvalidBatch,
                      std::string("batch: expected an array, found ") + document.type_name());
  }
  if (document.empty()) {
    return make_error(errc::kInvalidBatch,
                      "batch: the array is empty; a batch holds at least one image");
  }
  std::vector<BatchItem> items;
  items.reserve(document.size());
  for (std::size_t index = 0; index < document.size(); ++index) {
    Result<BatchItem> item = read_batch_item(document[index], index);
    if (!item) return item.error();
    items.push_back(std::move(item).value());
  }
  return items;
}

std::string batch_object_key(const Batch& batch) {
  return kBatchPrefix + zero_padded(batch.sequence, kSequenceDigits) + "-" +
         label_slug(batch.label) + ".json";
}

std::string manifest_jsonl(const std::vector<std::string>& batch_uris) {
  std::string manifest;
  for (const std::string& uri : batch_uris) {
    manifest += nlohmann::json{{"source-ref", uri}}.dump();
    manifest += '\n';
  }
  return manifest;
}

}  // namespace bulkqa
