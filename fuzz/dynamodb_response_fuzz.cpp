// DynamoDB's JSON answers: errors, any operation's answer, a Scan page and the image items in it.
// Any body gives a value or an error, never a throw; a service error always has a code.
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "fuzz_input.hpp"

using bulkqa::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(bulkqa::fuzz::as_text(data, size));
  const bulkqa::Error error = bulkqa::aws::parse_service_error("dynamodb", {400, {}, body});
  require(error.service == "dynamodb" && error.http_status == 400 && !error.code.empty(),
          "an error names its origin and has a code");
  require(error.retryable == bulkqa::aws::is_retryable_error_code(error.code),
          "a 400 error is retryable exactly for throttling codes");

  auto answer = bulkqa::aws::parse_dynamodb_answer("Scan", body);
  if (!bulkqa::fuzz::succeeded(answer, "MalformedResponse")) return 0;
  require(answer->is_object(), "an answer is an object");
  const auto page = bulkqa::aws::parse_scan_page(std::move(*answer));
  if (!bulkqa::fuzz::succeeded(page, "MalformedResponse")) return 0;
  const auto images = bulkqa::functions::reviewed_images(page->items);
  if (bulkqa::fuzz::succeeded(images, "InvalidItem")) {
    require(images->size() == page->items.size(), "one image per item");
  }
  return 0;
}
