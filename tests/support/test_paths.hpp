// Where tests find the repository's files and the built executables: the directories CMake built
// in, or BULKQA_SOURCE_DIR and BULKQA_BIN_DIR when set (as ctest sets them).
#pragma once

#include <string>

namespace bulkqa::testing {

// BULKQA_BIN_DIR/<name>.
std::string binary_path(const std::string& name);
// BULKQA_SOURCE_DIR/<relative>.
std::string source_path(const std::string& relative);
// The whole file; throws when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace bulkqa::testing
