#include "bulkqa/qa/launch_plan.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace bulkqa {

namespace {

constexpr std::uint32_t kNoGroup = std::numeric_limits<std::uint32_t>::max();

}  // namespace

LaunchPlan::LaunchPlan(const CompactCorpus& corpus, ImagePlacement placement,
                       std::size_t batch_size)
    : corpus_(corpus), placement_(std::move(placement)) {
  if (batch_size == 0) throw std::invalid_argument("LaunchPlan: batch_size must be at least 1");
  // Groups are numbered by their label's first appearance among these rows (a label id counts
  // rows that the minimum confidence may have left out).
  std::vector<std::uint32_t> group_of_label(corpus.label_count(), kNoGroup);
  std::vector<std::uint32_t> label_of_group;
  std::vector<std::size_t> group_start;  // rows per group first, then where each group starts
  for (std::size_t row = 0; row < corpus.size(); ++row) {
    std::uint32_t& group = group_of_label[corpus.label_id(row)];
    if (group == kNoGroup) {
      group = static_cast<std::uint32_t>(label_of_group.size());
      label_of_group.push_back(corpus.label_id(row));
      group_start.push_back(0);
    }
    ++group_start[group];
  }
  std::size_t start = 0;
  for (std::size_t group = 0; group < group_start.size(); ++group) {
    const std::size_t rows = std::exchange(group_start[group], start);
    for (std::size_t begin = start; begin < start + rows; begin += batch_size) {
      batches_.push_back(
          {label_of_group[group], begin, std::min(start + rows, begin + batch_size)});
    }
    start += rows;
  }
  // A counting sort: each group's rows in file order.
  order_.resize(corpus.size());
  for (std::size_t row = 0; row < corpus.size(); ++row) {
    order_[group_start[group_of_label[corpus.label_id(row)]]++] = static_cast<std::uint32_t>(row);
  }
  if (placement_.copy_images) copies_ = source_images(corpus);
}

Batch LaunchPlan::batch(std::size_t index) const {
  const BatchSpan& span = batches_.at(index);
  Batch batch{std::string(corpus_.label(span.label_id)), index, {}};
  batch.items.reserve(span.end - span.begin);
  for (std::size_t at = span.begin; at < span.end; ++at) batch.items.push_back(item(order_[at]));
  return batch;
}

std::string LaunchPlan::batch_key(std::size_t index) const {
  return batch_object_key({std::string(corpus_.label(batches_.at(index).label_id)), index, {}});
}

BatchItem LaunchPlan::item(std::size_t row) const {
  const CorpusRowView view = corpus_.row(row);
  return {placement_.image_url(view.image_local_path), std::string(view.label), view.confidence};
}

std::pair<std::string, std::string> LaunchPlan::copy(std::size_t index) const {
  const std::string_view path = copies_.at(index).image_local_path;
  return {placement_.source_key(path), std::string(path)};
}

LaunchWriteOrder::LaunchWriteOrder(std::size_t copies, std::size_t batches, std::size_t items) {
  for (const Kind kind :
       {Kind{LaunchWrite::kCopyImage, copies}, Kind{LaunchWrite::kPutBatch, batches},
        Kind{LaunchWrite::kWriteItem, items}}) {
    if (kind.total > 0) kinds_.push_back(kind);
  }
}

std::optional<std::pair<LaunchWrite, std::size_t>> LaunchWriteOrder::next() {
  // The kind furthest behind its share: the least given/total, compared without division.
  Kind* behind = nullptr;
  for (Kind& kind : kinds_) {
    if (kind.given == kind.total) continue;
    if (behind == nullptr || kind.given * behind->total < behind->given * kind.total) {
      behind = &kind;
    }
  }
  if (behind == nullptr) return std::nullopt;
  return std::pair(behind->write, behind->given++);
}

}  // namespace bulkqa
