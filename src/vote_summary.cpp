#include "bulkqa/vote_summary.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

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

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string shortest_decimal(double value) {
  char digits[32];
  const auto written = std::to_chars(std::begin(digits), std::end(digits), value);
  return std::string(digits, written.ptr);
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

std::string reviewed_images_csv(std::vector<ReviewedImage> images) {
  std::sort(images.begin(), images.end(), [](const ReviewedImage& a, const ReviewedImage& b) {
    return std::tie(a.label, a.s3_image_url) < std::tie(b.label, b.s3_image_url);
  });
  std::string csv = "s3_image_url,label,confidence,confirm_count,disconfirm_count,status\n";
  for (const ReviewedImage& image : images) {
    csv += csv_field(image.s3_image_url) + "," + csv_field(image.label) + "," +
           shortest_decimal(image.confidence) + "," + std::to_string(image.confirm_count) + "," +
           std::to_string(image.disconfirm_count) + "," + std::string(status_name(image.status())) +
           "\n";
  }
  return csv;
}

}  // namespace bulkqa
