// What `bulkqa report` and `bulkqa export` share: where the reviewed images come from (the image
// table or an export file), and writing their output files all or nothing.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "bulkqa/qa/reviewed_image.hpp"
#include "bulkqa/util/error.hpp"
#include "files.hpp"

namespace bulkqa::cli {

struct ReviewSource {
  std::string table;  // a DynamoDB table, scanned with the AWS_* environment
  std::string input;  // or an export file: CSV or JSON Lines
};

// Registers --table and --input on `command`, exactly one of them required.
void add_review_source_options(CLI::App& command, ReviewSource& source);

Result<std::vector<ReviewedImage>> load_reviewed_images(const ReviewSource& source);

}  // namespace bulkqa::cli
