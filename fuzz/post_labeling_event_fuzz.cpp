// The post-labeling function's input: the invocation's event (Ground Truth's
// annotation-consolidation event), the consolidation payload it points to, and the batches and
// answers inside that. Any text gives values or errors; a payload written back as JSON reads back
// the same.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/functions/function_config.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "fuzz_input.hpp"

namespace {

using bulkqa::fuzz::require;

void check_event(std::string_view text) {
  bulkqa::lambda::InvocationRequest invocation;
  invocation.payload = std::string(text);
  const auto event_json = bulkqa::functions::parse_event(invocation);
  if (!event_json) return;
  const auto event = bulkqa::parse_post_labeling_event(*event_json);
  if (!bulkqa::fuzz::succeeded(event, "InvalidEvent")) return;
  require(!event->labeling_job_arn.empty() && !event->label_attribute_name.empty() &&
              !event->role_arn.empty() && !event->payload.bucket.empty(),
          "an event has its required fields");
}

// What post-labeling reads from each dataset object: its inline batch and inline answers.
void check_contents(const bulkqa::DatasetObject& object) {
  if (!object.data_object_content) return;
  const auto batch = bulkqa::parse_batch(*object.data_object_content);
  if (!bulkqa::fuzz::succeeded(batch, bulkqa::errc::kInvalidBatch)) return;
  for (const bulkqa::Annotation& annotation : object.annotations) {
    if (!annotation.content) continue;
    bulkqa::fuzz::succeeded(bulkqa::parse_votes(*annotation.content, *batch),
                            {bulkqa::errc::kInvalidAnnotation, bulkqa::errc::kIncompleteAnswer});
  }
}

void check_payload(std::string_view text) {
  const auto objects = bulkqa::parse_consolidation_payload(text);
  if (!bulkqa::fuzz::succeeded(objects, "InvalidPayload")) return;
  for (const bulkqa::DatasetObject& object : *objects) {
    require(!object.dataset_object_id.empty(), "a dataset object has an id");
    require(object.data_object_uri || object.data_object_content,
            "a dataset object names its batch");
    check_contents(object);
  }
  const auto again =
      bulkqa::parse_consolidation_payload(bulkqa::consolidation_payload_json(*objects).dump());
  require(again.ok() && *again == *objects, "a payload written as JSON reads back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The same bytes as the event and as the payload: the event is an object, the payload an array.
  const std::string_view text = bulkqa::fuzz::as_text(data, size);
  check_event(text);
  check_payload(text);
  return 0;
}
