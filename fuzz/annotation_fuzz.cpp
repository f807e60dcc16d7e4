// A reviewer's answer (parse_votes): the first byte is the batch size (at most 25 images, all
// labeled "Crab" as the seeds are), the rest the answer's content. Any content gives one vote per
// image, in image order, or an error with a message: InvalidAnnotation for content that cannot be
// read, IncompleteAnswer for an answer that leaves images out.
#include <string_view>
#include <vector>

#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/util/error.hpp"
#include "fuzz_input.hpp"

using bulkqa::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t batch_size = 1 + (data[0] + 24) % 25;  // a byte N from 1 to 25 gives N
  const std::vector<bulkqa::BatchItem> batch(batch_size, {"s3://stack/crab.jpg", "Crab", 90.0});
  const std::string_view content = bulkqa::fuzz::as_text(data + 1, size - 1);
  const auto votes = bulkqa::parse_votes(content, batch);
  if (!votes) {
    const bool incomplete = votes.error().code == bulkqa::errc::kIncompleteAnswer;
    bulkqa::fuzz::succeeded(
        votes, incomplete ? bulkqa::errc::kIncompleteAnswer : bulkqa::errc::kInvalidAnnotation);
    return 0;
  }
  require(votes->size() == batch_size, "one vote per image of the batch");
  for (std::size_t at = 0; at < votes->size(); ++at) {
    require((*votes)[at].image_index == at, "votes come in image order");
  }
  return 0;
}
