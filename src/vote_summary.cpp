#include "bulkqa/vote_summary.hpp"

#include <map>

namespace bulkqa {
namespace {

void add(LabelVoteCounts& row, const ReviewedImage& image) {
  ++row.images;
  row.confirm_votes += image.confirm_count;
  row.disconfirm_votes += image.disconfirm_count;
  switch (image.status()) {
    case ImageStatus::confirmed:
      ++row.confirmed;
      break;
    case ImageStatus::disconfirmed:
      ++row.disconfirmed;
      break;
    case ImageStatus::split:
      ++row.split;
      break;
    case ImageStatus::unreviewed:
      ++row.unreviewed;
      break;
  }
}

std::string markdown_row(const LabelVoteCounts& row) {
  std::string line = "| " + row.label;
  for (std::size_t value : {row.images, row.confirm_votes, row.disconfirm_votes, row.confirmed,
                            row.disconfirmed, row.split, row.unreviewed}) {
    line += " | " + std::to_string(value);
  }
  return line + " |\n";
}

}  // namespace

ImageStatus ReviewedImage::status() const {
  return image_status(confirm_count, disconfirm_count);
}

std::vector<LabelVoteCounts> count_votes_by_label(const std::vector<ReviewedImage>& images) {
  std::map<std::string, LabelVoteCounts> by_label;
  LabelVoteCounts total;
  total.label = "TOTAL";
  for (const auto& image : images) {
    auto& row = by_label[image.label];
    row.label = image.label;
    add(row, image);
    add(total, image);
  }
  std::vector<LabelVoteCounts> rows;
  for (auto& [label, row] : by_label) rows.push_back(std::move(row));
  rows.push_back(std::move(total));
  return rows;
}

std::string vote_counts_markdown(const std::vector<LabelVoteCounts>& rows) {
  std::string table =
      "| Label | Images | Confirm votes | Disconfirm votes | Confirmed | Disconfirmed | Split | "
      "Unreviewed |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& row : rows) table += markdown_row(row);
  return table;
}

}  // namespace bulkqa
