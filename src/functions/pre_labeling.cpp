#include "bulkqa/functions/pre_labeling.hpp"

#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/util/log.hpp"

namespace bulkqa::functions {

PreLabeling::PreLabeling(FunctionConfig config)
    : config_(std::move(config)), clients_(config_.aws) {}

Result<nlohmann::json> PreLabeling::run(const nlohmann::json& event_json) {
  auto event = parse_pre_labeling_event(event_json);
  if (!event) return event.error();

  std::string batch_text;
  if (event->source_ref) {
    const S3Uri& source = *event->source_ref;
    if (Status allowed = check_batch_source(config_, source, "dataObject.source-ref"); !allowed) {
      return allowed.error();
    }
    auto object = clients_.s3.get_object(source.bucket, source.key);
    if (!object) return object.error();
    batch_text = std::move(*object);
  } else {
    batch_text = *event->inline_source;
  }

  auto batch = parse_batch(batch_text);
  if (!batch) return batch.error();
  nlohmann::json response = pre_labeling_response(*batch);
  // Lambda would refuse a larger answer, and Ground Truth would see no task at all.
  if (const std::size_t size = response.dump().size(); size > lambda::kMaxResponseBytes) {
    return make_error(errc::kTaskInputTooLarge,
                      "the task input of " + std::to_string(batch->size()) + " images is " +
                          std::to_string(size) + " bytes; Lambda answers at most " +
                          std::to_string(lambda::kMaxResponseBytes) + ": cut the batch");
  }
  log::info("task input ready",
            {{"labeling_job_arn", event->labeling_job_arn}, {"images", batch->size()}});
  return response;
}

lambda::InvocationResponse PreLabeling::handle(const lambda::InvocationRequest& request) {
  auto event = parse_event(request);
  if (!event) return to_invocation_response(event.error());
  clients_.set_deadline_for(request);
  return to_invocation_response(run(*event));
}

}  // namespace bulkqa::functions
