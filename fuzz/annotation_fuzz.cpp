// A reviewer's answer (parse_votes): the first byte is the batch size, the rest the answer's
// content. Any content gives votes or an InvalidAnnotation error; votes come sorted by image,
// one per image at most, each inside the batch.
#include <string_view>

#include "bulkqa/qa/ground_truth.hpp"
#include "fuzz_input.hpp"

using bulkqa::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t batch_size = data[0];
  const std::string_view content = bulkqa::fuzz::as_text(data + 1, size - 1);
  const auto votes = bulkqa::parse_votes(content, batch_size);
  if (!bulkqa::fuzz::succeeded(votes, "InvalidAnnotation")) return 0;
  require(votes->size() <= batch_size, "no more votes than images");
  for (std::size_t at = 0; at < votes->size(); ++at) {
    require((*votes)[at].image_index < batch_size, "every vote is for an image of the batch");
    require(at == 0 || (*votes)[at - 1].image_index < (*votes)[at].image_index,
            "votes are sorted by image, one per image");
  }
  return 0;
}
