// The pre-labeling function's input: the invocation's event (Ground Truth's pre-annotation event)
// and the batch it carries inline. Any text gives a task input or an error; a batch written back
// as JSON reads back the same, and the task input is JSON.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/functions/function_config.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "fuzz_input.hpp"

namespace {

using bulkqa::fuzz::require;

void check_batch(std::string_view batch_text) {
  const auto batch = bulkqa::parse_batch(batch_text);
  if (!bulkqa::fuzz::succeeded(batch, "InvalidBatch")) return;
  for (const bulkqa::BatchItem& item : *batch) {
    require(!item.label.empty() && item.confidence >= 0 && item.confidence <= 100,
            "a batch item has a label and a confidence in [0, 100]");
  }
  const auto again = bulkqa::parse_batch(bulkqa::batch_to_json(*batch).dump());
  require(again.ok() && *again == *batch, "a batch written as JSON reads back the same");

  const auto response =
      bulkqa::functions::to_invocation_response(bulkqa::pre_labeling_response(*batch));
  const auto task = nlohmann::json::parse(response.payload, nullptr, false);
  require(response.success && task.is_object() && task.contains("taskInput"),
          "the task input is a JSON object");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = bulkqa::fuzz::as_text(data, size);
  bulkqa::lambda::InvocationRequest invocation;
  invocation.payload = std::string(text);
  const auto event_json = bulkqa::functions::parse_event(invocation);
  if (!event_json) {
    // The batch parser meets the same bytes when a manifest line's source-ref names them.
    check_batch(text);
    return 0;
  }
  const auto event = bulkqa::parse_pre_labeling_event(*event_json);
  if (!bulkqa::fuzz::succeeded(event, "InvalidEvent")) return 0;
  require(event->source_ref.has_value() != event->inline_source.has_value(),
          "an event names its batch exactly one way");
  if (event->source_ref) {
    require(!event->source_ref->bucket.empty() && !event->source_ref->key.empty(),
            "a source-ref has a bucket and a key");
  } else {
    check_batch(*event->inline_source);
  }
  return 0;
}
