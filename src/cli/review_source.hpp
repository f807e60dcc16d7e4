// What `bulkqa report` and `bulkqa export` share: where the reviewed images come from (the image
// table or an export file), and writing their output files all or nothing.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "bulkqa/error.hpp"
#include "bulkqa/vote_summary.hpp"

namespace bulkqa::cli {

struct ReviewSource {
  std::string table;  // a DynamoDB table, scanned with the AWS_* environment
  std::string input;  // or an export file: CSV or JSON Lines
};

// Registers --table and --input on `command`, exactly one of them required.
void add_review_source_options(CLI::App& command, ReviewSource& source);

Result<std::vector<ReviewedImage>> load_reviewed_images(const ReviewSource& source);

using OutputFile = std::pair<std::filesystem::path, std::string>;  // path, content

// Writes each content to a temporary file beside its path, then renames them all into place: no
// file is ever half-written, and none is replaced unless all could be written. Errors name the
// path.
Status write_output_files(const std::vector<OutputFile>& files);

}  // namespace bulkqa::cli
