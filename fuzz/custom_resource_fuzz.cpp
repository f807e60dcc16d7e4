// The launch function's event: CloudFormation's custom-resource request and the launch resource's
// properties. Any text gives a request or an error, and the response body for any reason and
// data stays within CloudFormation's size limit and is JSON.
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/qa/custom_resource.hpp"
#include "fuzz_input.hpp"

namespace {

using bulkqa::fuzz::require;

// Ids of the sizes CloudFormation sends, for which the body's limit is promised.
bulkqa::CustomResourceRequest realistic_ids(bulkqa::CustomResourceRequest request) {
  request.stack_id =
      "arn:aws:cloudformation:us-east-1:123456789012:stack/bulkqa/"
      "5b918d10-cd98-11ea-90d5-0a9cd3354c10";
  request.request_id = "d2bd2d4c-1c4d-4f4b-8d0c-2b5d1f1a3c55";
  request.logical_resource_id = "Launch";
  request.physical_resource_id = "bulkqa-launch";
  return request;
}

void check_response_body(const bulkqa::CustomResourceRequest& request, std::string reason,
                         nlohmann::json data) {
  const bulkqa::CustomResourceResponse response{false, std::move(reason), "", std::move(data)};
  const std::string body = bulkqa::custom_resource_response_body(realistic_ids(request), response);
  require(body.size() <= bulkqa::kMaxCustomResourceResponseBytes,
          "the response body fits CloudFormation's limit");
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  require(!parsed.is_discarded() && parsed.value("Status", "") == "FAILED",
          "the response body is JSON with the status");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = bulkqa::fuzz::as_text(data, size);
  const auto event = nlohmann::json::parse(text, nullptr, false);
  if (event.is_discarded()) {
    // Text that is not JSON still shows up in reasons (a quoted bad value): any bytes must fit.
    check_response_body({}, std::string(text), nullptr);
    return 0;
  }
  const auto request = bulkqa::parse_custom_resource_request(event);
  if (!bulkqa::fuzz::succeeded(request, "InvalidRequest")) return 0;
  require(request->resource_properties.is_object() && request->old_resource_properties.is_object(),
          "the properties are objects");
  const auto properties = bulkqa::parse_launch_properties(request->resource_properties);
  if (bulkqa::fuzz::succeeded(properties, "InvalidProperties")) {
    require(properties->qa_batch_size >= 1 && properties->qa_batch_size <= 1000,
            "QABatchSize is in 1..1000");
    require(properties->min_confidence >= 0 && properties->min_confidence <= 100,
            "MinConfidence is in [0, 100]");
  }
  // The request's own text as the reason and its properties as the data: both sizes vary.
  check_response_body(*request, properties ? std::string(text) : properties.error().describe(),
                      request->resource_properties);
  return 0;
}
