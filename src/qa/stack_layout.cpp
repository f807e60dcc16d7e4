#include "bulkqa/qa/stack_layout.hpp"

namespace bulkqa {

std::optional<std::string> stack_object_at(std::string_view key) {
  if (key == kManifestKey) return "the manifest";
  if (key == kWorkerTemplateKey) return "the worker template";
  if (key.starts_with(kBatchPrefix)) {
    return std::string("the batch objects under '") + kBatchPrefix + "'";
  }
  if (key.starts_with(kGroundTruthOutputPrefix)) {
    return std::string("the labeling job's output under '") + kGroundTruthOutputPrefix + "'";
  }
  return std::nullopt;
}

}  // namespace bulkqa
