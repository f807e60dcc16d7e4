#include "review_source.hpp"

#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/review_export.hpp"

namespace bulkqa::cli {
namespace {

Error file_error(const std::filesystem::path& path, const std::string& problem) {
  return make_error("FileError", path.string() + ": " + problem);
}

Result<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error(path, "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return file_error(path, "reading failed");
  return text.str();
}

Result<std::vector<ReviewedImage>> scan_table(const std::string& table) {
  auto config = aws::aws_config_from_environment();
  if (!config) return config.error();
  aws::HttpClient http;
  aws::DynamoDbClient dynamodb(*config, http);
  auto items = dynamodb.scan_all(table);
  if (!items) {
    Error error = items.error();
    error.message = "scanning table " + table + ": " + error.message;
    return error;
  }
  return functions::reviewed_images(*items);
}

std::filesystem::path temporary_path(const std::filesystem::path& path) {
  return path.parent_path() /
         ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
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

void add_review_source_options(CLI::App& command, ReviewSource& source) {
  auto* group = command.add_option_group("input", "where the reviewed images come from");
  group->add_option("--table", source.table,
                    "the DynamoDB image table, read with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                    "AWS_SESSION_TOKEN, AWS_REGION and AWS_ENDPOINT_URL[_DYNAMODB]");
  group->add_option("--input", source.input,
                    "an export of the table: CSV with a header naming s3_image_url, label, "
                    "confidence, WorkerConfirmCount, WorkerDisconfirmCount (any order), or JSON "
                    "Lines with those fields; a missing count is 0");
  group->require_option(1);
}

Result<std::vector<ReviewedImage>> load_reviewed_images(const ReviewSource& source) {
  if (!source.table.empty()) return scan_table(source.table);
  auto text = read_text_file(source.input);
  if (!text) return text.error();
  auto images = parse_review_export(*text);
  if (!images) {
    Error error = images.error();
    error.message = source.input + ": " + error.message;
    return error;
  }
  return images;
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
