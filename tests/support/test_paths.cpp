#include "support/test_paths.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bulkqa::testing {
namespace {

std::string env_or(const char* name, const char* built_in) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : built_in;
}

}  // namespace

std::string binary_path(const std::string& name) {
  return env_or("BULKQA_BIN_DIR", BULKQA_DEFAULT_BIN_DIR) + "/" + name;
}

std::string source_path(const std::string& relative) {
  return env_or("BULKQA_SOURCE_DIR", BULKQA_DEFAULT_SOURCE_DIR) + "/" + relative;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace bulkqa::testing
