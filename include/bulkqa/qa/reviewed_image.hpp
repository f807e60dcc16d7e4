// An image as the table holds it after review, as the report, the exports and the local run's
// results read it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bulkqa/qa/tally.hpp"

namespace bulkqa {

struct ReviewedImage {
  std::string s3_image_url;
  std::string label;
  double confidence = 0;
  std::size_t confirm_count = 0;
  std::size_t disconfirm_count = 0;

  ImageStatus status() const;
};

// Every image's votes as CSV, for keeping a local run's results: a header
// s3_image_url,label,confidence,confirm_count,disconfirm_count,status, then one row per image
// sorted by label and URL. URLs and labels are text cells (csv_line: quoted as RFC 4180 needs, and
// kept from running as spreadsheet formulas); confidence is written in the shortest form that reads
// back the same.
std::string reviewed_images_csv(std::vector<ReviewedImage> images);

}  // namespace bulkqa
