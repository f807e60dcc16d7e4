#include "files.hpp"

#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

namespace bulkqa::cli {
namespace {

Error file_error(const std::filesystem::path& path, const std::string& problem) {
  return make_error(errc::kFileError, path.string() + ": " + problem);
}

std::filesystem::path temporary_path(const std::filesystem::path& path) {
  return path.parent_path() /
         ('.' + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
}

bool write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  out << content;
  out.close();
  return static_cast<bool>(out);
}

void remove_quietly(const std::vector<std::filesystem::path>& paths) {
  std::error_code ignored;
  for (const auto& path : paths) std::filesystem::remove(path, ignored);
}

}  // namespace

Result<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error(path, "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return file_error(path, "reading failed");
  return text.str();
}

Status write_output_files(const std::vector<OutputFile>& files) {
  std::set<std::filesystem::path> targets;
  for (const auto& [path, content] : files) {
    if (!targets.insert(std::filesystem::absolute(path).lexically_normal()).second) {
      return file_error(path, "named for two outputs");
    }
  }
  std::vector<std::filesystem::path> written;
  for (const auto& [path, content] : files) {
    const auto temporary = temporary_path(path);
    written.push_back(temporary);
    if (!write_file(temporary, content)) {
      remove_quietly(written);
      return file_error(path, "cannot be written");
    }
  }
  for (std::size_t at = 0; at < files.size(); ++at) {
    std::error_code error;
    std::filesystem::rename(written[at], files[at].first, error);
    if (error) {
      remove_quietly(written);
      return file_error(files[at].first, "cannot be replaced: " + error.message());
    }
  }
  return {};
}

}  // namespace bulkqa::cli
