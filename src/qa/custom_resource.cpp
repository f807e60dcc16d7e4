#include "bulkqa/qa/custom_resource.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <span>
#include <utility>

#include "bulkqa/util/json_fields.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

constexpr std::array<std::string_view, 3> kRequestTypes{"Create", "Update", "Delete"};
constexpr std::string_view kCutMark = "…";
constexpr std::size_t kMaxQABatchSize = 1000;
constexpr std::size_t kMaxLaunchConcurrency = 1024;

Result<nlohmann::json> properties_object(const JsonObjectReader& request, std::string_view key) {
  const nlohmann::json* properties = request.find(key);
  if (properties == nullptr) return nlohmann::json::object();
  if (!properties->is_object()) return request.type_error(key, "an object", *properties);
  return *properties;
}

std::string chosen_physical_id(const CustomResourceRequest& request,
                               const CustomResourceResponse& response) {
  if (!response.physical_resource_id.empty()) return response.physical_resource_id;
  if (!request.physical_resource_id.empty()) return request.physical_resource_id;
  return request.logical_resource_id;
}

class ResponseRenderer {
 public:
  ResponseRenderer(const CustomResourceRequest& request, const CustomResourceResponse& response)
      : document_{{"Status", response.success ? "SUCCESS" : "FAILED"},
                  {"PhysicalResourceId", chosen_physical_id(request, response)},
                  {"StackId", request.stack_id},
                  {"RequestId", request.request_id},
                  {"LogicalResourceId", request.logical_resource_id},
                  {"Data", response.data.is_null() ? nlohmann::json::object() : response.data}} {}

  void drop_data() { document_["Data"] = nlohmann::json::object(); }

  // Bad UTF-8 becomes U+FFFD rather than an exception: reasons often quote untrusted input.
  std::string render(std::string_view reason) {
    document_["Reason"] = reason;
    return document_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  bool fits(std::string_view reason) {
    return render(reason).size() <= kMaxCustomResourceResponseBytes;
  }

 private:
  nlohmann::json document_;
};

std::string cut_reason(std::string_view reason, std::size_t length) {
  return std::string(utf8_prefix(reason, length)) + std::string(kCutMark);
}

// The longest cut of `reason` that fits. Escaping makes the rendered size differ from the byte
// count, so each candidate is measured as rendered; the size grows with the cut, hence bisection.
std::string longest_fitting_cut(ResponseRenderer& renderer, std::string_view reason) {
  std::size_t fitting = 0;
  std::size_t too_long = reason.size();
  while (too_long - fitting > 1) {
    const std::size_t middle = fitting + (too_long - fitting) / 2;
    (renderer.fits(cut_reason(reason, middle)) ? fitting : too_long) = middle;
  }
  return cut_reason(reason, fitting);
}

Result<double> number_property(const JsonObjectReader& properties, std::string_view key,
                               double default_value) {
  const nlohmann::json* value = properties.find(key);
  if (value == nullptr) return default_value;
  if (value->is_number()) return value->get<double>();
  if (!value->is_string()) return properties.type_error(key, "a number or a string", *value);
  const std::string& text = value->get_ref<const std::string&>();
  const std::optional<double> number = parse_finite_number(trim_blanks(text));
  if (!number) return properties.error(key, quote_value(text) + " is not a number");
  return *number;
}

// A whole number from 1 to `max`, or `default_value` when the property is absent.
Result<std::size_t> count_property(const JsonObjectReader& properties, std::string_view key,
                                   std::size_t default_value, std::size_t max) {
  Result<double> count = number_property(properties, key, static_cast<double>(default_value));
  if (!count) return count.error();
  if (*count != std::floor(*count) || *count < 1 || *count > static_cast<double>(max)) {
    return properties.error(
        key, properties.find(key)->dump() + " is not an integer from 1 to " + std::to_string(max));
  }
  return static_cast<std::size_t>(*count);
}

// CloudFormation passes a Boolean parameter as the string "true" or "false"; JSON true and false
// are accepted too.
Result<bool> boolean_property(const JsonObjectReader& properties, std::string_view key,
                              bool default_value) {
  const nlohmann::json* value = properties.find(key);
  if (value == nullptr) return default_value;
  if (value->is_boolean()) return value->get<bool>();
  if (value->is_string() && value->get_ref<const std::string&>() == "true") return true;
  if (value->is_string() && value->get_ref<const std::string&>() == "false") return false;
  return properties.error(key, value->dump() + " is not true or false");
}

Result<double> read_min_confidence(const JsonObjectReader& properties) {
  constexpr std::string_view kKey = "MinConfidence";
  Result<double> confidence = number_property(properties, kKey, 0);
  if (!confidence) return confidence.error();
  if (*confidence < 0 || *confidence > 100) {
    return properties.error(kKey, properties.find(kKey)->dump() + " is outside [0, 100]");
  }
  return *confidence;
}

using StringField = std::pair<std::string_view, std::string*>;

// Reads required strings into their destinations, stopping at the first one at fault.
Status read_required_strings(const JsonObjectReader& object, std::span<const StringField> fields) {
  for (const auto& [key, destination] : fields) {
    Result<std::string> value = object.required_string(key);
    if (!value) return value.error();
    *destination = std::move(value).value();
  }
  return {};
}

}  // namespace

Result<CustomResourceRequest> parse_custom_resource_request(const nlohmann::json& request) {
  Result<JsonObjectReader> object = JsonObjectReader::open(request, "", errc::kInvalidRequest);
  if (!object) return object.error();
  CustomResourceRequest parsed;
  const std::array<StringField, 5> required{{
      {"RequestType", &parsed.request_type},
      {"ResponseURL", &parsed.response_url},
      {"StackId", &parsed.stack_id},
      {"RequestId", &parsed.request_id},
      {"LogicalResourceId", &parsed.logical_resource_id},
  }};
  if (Status status = read_required_strings(*object, required); !status) return status.error();
  if (std::find(kRequestTypes.begin(), kRequestTypes.end(), parsed.request_type) ==
      kRequestTypes.end()) {
    return object->error(
        "RequestType", quote_value(parsed.request_type) + " is not one of Create, Update, Delete");
  }
  Result<std::optional<std::string>> physical_id = object->optional_string("PhysicalResourceId");
  if (!physical_id) return physical_id.error();
  parsed.physical_resource_id = physical_id->value_or("");
  Result<nlohmann::json> properties = properties_object(*object, "ResourceProperties");
  if (!properties) return properties.error();
  parsed.resource_properties = std::move(properties).value();
  Result<nlohmann::json> old_properties = properties_object(*object, "OldResourceProperties");
  if (!old_properties) return old_properties.error();
  parsed.old_resource_properties = std::move(old_properties).value();
  return parsed;
}

std::string custom_resource_response_body(const CustomResourceRequest& request,
                                          const CustomResourceResponse& response) {
  ResponseRenderer renderer(request, response);
  std::string body = renderer.render(response.reason);
  if (body.size() <= kMaxCustomResourceResponseBytes) return body;
  std::string reason = response.reason;
  if (!renderer.fits("")) {
    renderer.drop_data();
    reason = "Data left out: the response would exceed " +
             std::to_string(kMaxCustomResourceResponseBytes) + " bytes. " + reason;
    if (renderer.fits(reason)) return renderer.render(reason);
  }
  return renderer.render(longest_fitting_cut(renderer, reason));
}

Result<LaunchProperties> parse_launch_properties(const nlohmann::json& resource_properties) {
  Result<JsonObjectReader> properties =
      JsonObjectReader::open(resource_properties, "ResourceProperties", errc::kInvalidProperties);
  if (!properties) return properties.error();
  LaunchProperties launch;
  const std::array<StringField, 5> required{{
      {"S3Bucket", &launch.s3_bucket},
      {"DynamoDBTable", &launch.dynamodb_table},
      {"LaunchBucket", &launch.launch_bucket},
      {"LabelCorpusKey", &launch.label_corpus_key},
      {"ImageSourceBucket", &launch.image_source_bucket},
  }};
  if (Status status = read_required_strings(*properties, required); !status) {
    return status.error();
  }
  Result<std::optional<std::string>> prefix = properties->optional_string("ImageSourcePrefix");
  if (!prefix) return prefix.error();
  launch.image_source_prefix = prefix->value_or("");
  Result<std::size_t> batch_size =
      count_property(*properties, "QABatchSize", launch.qa_batch_size, kMaxQABatchSize);
  if (!batch_size) return batch_size.error();
  launch.qa_batch_size = *batch_size;
  Result<std::size_t> concurrency =
      count_property(*properties, "Concurrency", launch.concurrency, kMaxLaunchConcurrency);
  if (!concurrency) return concurrency.error();
  launch.concurrency = *concurrency;
  Result<bool> copy_images = boolean_property(*properties, "CopyImages", launch.copy_images);
  if (!copy_images) return copy_images.error();
  launch.copy_images = *copy_images;
  Result<double> min_confidence = read_min_confidence(*properties);
  if (!min_confidence) return min_confidence.error();
  launch.min_confidence = *min_confidence;
  return launch;
}

}  // namespace bulkqa
