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
    // The function may read the whole stack bucket; a task must not point it anywhere else.
    if (!config_.bucket.empty() && source.bucket != config_.bucket) {
      return make_error(errc::kForbiddenSource, "dataObject.source-ref " + source.str() +
                                                    " is outside the stack bucket '" +
                                                    config_.bucket + "'");
    }
    auto object = clients_.s3.get_object(source.bucket, source.key);
    if (!object) return object.error();
    batch_text = std::move(*object);
  } else {
    batch_text = *event->inline_source;
  }

  auto batch = parse_batch(batch_text);
  if (!batch) return batch.error();
  log::info("task input ready",
            {{"labeling_job_arn", event->labeling_job_arn}, {"images", batch->size()}});
  return pre_labeling_response(*batch);
}

lambda::InvocationResponse PreLabeling::handle(const lambda::InvocationRequest& request) {
  auto event = parse_event(request);
  if (!event) return to_invocation_response(event.error());
  clients_.set_deadline_for(request);
  return to_invocation_response(run(*event));
}

}  // namespace bulkqa::functions
