// What launch writes for a corpus, laid out without copying the corpus: the batches as runs of row
// numbers (labels in order of first appearance, rows in file order, each label's rows cut into
// batches of batch_size, the last holding the remainder), materialized one at a time; and the
// order in which the bulk writes go out, interleaved so that S3 and DynamoDB each have their share
// of the requests in flight from the first to the last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/qa/source_images.hpp"

namespace bulkqa {

class LaunchPlan {
 public:
  // `corpus` (the rows to review, checked) must outlive the plan. Throws std::invalid_argument
  // for a batch_size of 0 (a caller bug: sizes are validated when read).
  LaunchPlan(const CompactCorpus& corpus, ImagePlacement placement, std::size_t batch_size);

  std::size_t batch_count() const { return batches_.size(); }
  // The index-th batch with its items, as batch_to_json writes it.
  Batch batch(std::size_t index) const;
  // "batches/000042-Soccer_Ball.json"
  std::string batch_key(std::size_t index) const;

  // One table item per row.
  std::size_t item_count() const { return corpus_.size(); }
  BatchItem item(std::size_t row) const;

  // The distinct images to copy into the stack bucket: none when the batches name the sources.
  std::size_t copy_count() const { return copies_.size(); }
  // (source key, key in the stack bucket) of the index-th copy.
  std::pair<std::string, std::string> copy(std::size_t index) const;

  const ImagePlacement& placement() const { return placement_; }

 private:
  struct BatchSpan {
    std::uint32_t label_id;
    std::size_t begin;  // into order_
    std::size_t end;
  };

  const CompactCorpus& corpus_;
  ImagePlacement placement_;
  std::vector<std::uint32_t> order_;  // row numbers, grouped by label
  std::vector<BatchSpan> batches_;
  std::vector<SourceImage> copies_;
};

// The bulk writes of a launch, one kind after another in proportion to how many of each are left:
// after n requests, each kind has had about its share of n, so no service sits idle while another
// is still busy.
enum class LaunchWrite { kCopyImage, kPutBatch, kWriteItem };

class LaunchWriteOrder {
 public:
  LaunchWriteOrder(std::size_t copies, std::size_t batches, std::size_t items);

  // The next write and its index among writes of its kind; nullopt when all were given.
  std::optional<std::pair<LaunchWrite, std::size_t>> next();

 private:
  struct Kind {
    LaunchWrite write;
    std::size_t total;
    std::size_t given = 0;
  };
  std::vector<Kind> kinds_;
};

}  // namespace bulkqa
