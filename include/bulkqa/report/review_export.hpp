// Reviewed images read from an export of the image table, the input of `bulkqa report --input`.
//
// Two formats, with the same fields: s3_image_url and label (non-empty UTF-8 text), confidence (a
// finite number in [0, 100]), WorkerConfirmCount and WorkerDisconfirmCount (whole numbers >= 0; a
// missing count is 0).
// - CSV: a header naming the columns in any order (names are matched after trimming blanks and
//   dropping a DynamoDB console type suffix such as " (N)"; other columns are ignored), then one
//   row per image. An empty count cell is 0. Quoting, line ends and a byte order mark as in
//   csv_records.hpp.
// - JSON Lines: one object per line; a missing or null count is 0. Blank lines are skipped.
// Lines are counted from 1. The same (s3_image_url, label) twice is an error naming both lines.
#pragma once

#include <string_view>
#include <vector>

#include "bulkqa/qa/reviewed_image.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa {

// Errors (code "InvalidReviewExport") name the line and field at fault.
Result<std::vector<ReviewedImage>> parse_review_csv(std::string_view text);
Result<std::vector<ReviewedImage>> parse_review_json_lines(std::string_view text);

// JSON Lines when the first character that is not blank is '{', CSV otherwise.
Result<std::vector<ReviewedImage>> parse_review_export(std::string_view text);

}  // namespace bulkqa
