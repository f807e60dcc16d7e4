// The XML answers of S3 (ListObjectsV2, DeleteObjects, errors, also in HTTP 200 answers) and STS
// (AssumeRole, errors). Any body gives a value or an error, never a throw; a service error always
// has a code; a listing written back as XML reads back the same.
#include <sstream>
#include <string>

#include <pugixml.hpp>

#include "bulkqa/aws/s3.hpp"
#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/aws/sts.hpp"
#include "fuzz_input.hpp"

namespace {

using bulkqa::fuzz::require;

void check_service_error(std::string_view service, long status, const std::string& body) {
  const bulkqa::aws::HttpResponse response{status, {}, body};
  const bulkqa::Error error = bulkqa::aws::parse_service_error(service, response);
  require(error.service == service && error.http_status == status, "an error names its origin");
  require(!error.code.empty(), "an error has a code");
  require(error.retryable ==
              (status >= 500 || status == 429 || bulkqa::aws::is_retryable_error_code(error.code)),
          "an error is retryable exactly for 5xx, 429 and throttling codes");
  const auto in_ok_answer = bulkqa::aws::error_in_response(service, {200, {}, body});
  require(!in_ok_answer || !in_ok_answer->code.empty(), "an error in a 200 answer has a code");
}

// A ListObjectsV2 answer with these keys (URL-encoded) and token.
std::string listing_xml(const bulkqa::aws::ObjectListing& listing) {
  pugi::xml_document document;
  auto result = document.append_child("ListBucketResult");
  result.append_child("EncodingType").text() = "url";
  for (const std::string& key : listing.keys) {
    result.append_child("Contents").append_child("Key").text() =
        bulkqa::aws::uri_encode(key, true).c_str();
  }
  if (listing.next_continuation_token) {
    result.append_child("IsTruncated").text() = "true";
    result.append_child("NextContinuationToken").text() = listing.next_continuation_token->c_str();
  }
  std::ostringstream out;
  document.save(out, "", pugi::format_raw);
  return out.str();
}

void check_listing(const std::string& body) {
  const auto listing = bulkqa::aws::parse_list_objects_response(body);
  if (!bulkqa::fuzz::succeeded(listing, "MalformedResponse")) return;
  const auto again = bulkqa::aws::parse_list_objects_response(listing_xml(*listing));
  require(again.ok() && again->keys == listing->keys &&
              again->next_continuation_token == listing->next_continuation_token,
          "a listing written as XML reads back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(bulkqa::fuzz::as_text(data, size));
  check_service_error("s3", 403, body);
  check_service_error("sts", 503, body);
  check_listing(body);
  bulkqa::fuzz::succeeded(bulkqa::aws::parse_delete_objects_response(body), "MalformedResponse");
  bulkqa::fuzz::succeeded(bulkqa::aws::parse_assume_role_response(body), "InvalidResponse");
  return 0;
}
