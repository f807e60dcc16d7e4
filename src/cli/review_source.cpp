#include "review_source.hpp"

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/report/review_export.hpp"

namespace bulkqa::cli {
namespace {

Result<std::vector<ReviewedImage>> scan_table(const std::string& table) {
  auto config = aws::aws_config_from_environment();
  if (!config) return config.error();
  aws::HttpClient http;
  aws::DynamoDbClient dynamodb(*config, http);
  auto items = dynamodb.scan_all(table);
  if (!items) return with_context("scanning table " + table, items.error());
  return functions::reviewed_images(*items);
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
  if (!images) return with_context(source.input, images.error());
  return images;
}

}  // namespace bulkqa::cli
