// Per-label vote counts over the reviewed images: what the main job prints at its end.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bulkqa/tally.hpp"

namespace bulkqa {

// An image as the table holds it after review.
struct ReviewedImage {
  std::string s3_image_url;
  std::string label;
  double confidence = 0;
  std::size_t confirm_count = 0;
  std::size_t disconfirm_count = 0;

  ImageStatus status() const;
};

struct LabelVoteCounts {
  std::string label;  // "TOTAL" on the totals row
  std::size_t images = 0;
  std::size_t confirm_votes = 0;
  std::size_t disconfirm_votes = 0;
  std::size_t confirmed = 0;
  std::size_t disconfirmed = 0;
  std::size_t split = 0;
  std::size_t unreviewed = 0;
};

// One row per label, sorted by label, then a TOTAL row.
std::vector<LabelVoteCounts> count_votes_by_label(const std::vector<ReviewedImage>& images);

// The rows as a Markdown table.
std::string vote_counts_markdown(const std::vector<LabelVoteCounts>& rows);

// Every image's votes as CSV, for keeping a local run's results: a header
// s3_image_url,label,confidence,confirm_count,disconfirm_count,status, then one row per image
// sorted by label and URL. Fields holding a comma, quote or line break are quoted (RFC 4180);
// confidence is written in the shortest form that reads back the same.
std::string reviewed_images_csv(std::vector<ReviewedImage> images);

}  // namespace bulkqa
