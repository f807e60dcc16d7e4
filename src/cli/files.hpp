// Reading the command line's input files and writing its output files all or nothing.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "bulkqa/util/error.hpp"

namespace bulkqa::cli {

// The whole file; errors name the path.
Result<std::string> read_text_file(const std::filesystem::path& path);

using OutputFile = std::pair<std::filesystem::path, std::string>;  // path, content

// Writes each content to a temporary file beside its path, then renames them all into place: no
// file is ever half-written, and none is replaced unless all could be written. Errors name the
// path.
Status write_output_files(const std::vector<OutputFile>& files);

}  // namespace bulkqa::cli
