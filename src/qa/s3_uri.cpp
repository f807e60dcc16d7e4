#include "bulkqa/qa/s3_uri.hpp"

#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

constexpr std::string_view kScheme = "s3://";

// Letters, digits, '.', '-', plus the '_' and capitals that legacy us-east-1 buckets may have.
bool is_bucket_name_character(char c) {
  return is_ascii_alphanumeric(c) || c == '.' || c == '-' || c == '_';
}

Error uri_error(std::string_view text, const std::string& problem) {
  return make_error(errc::kInvalidS3Uri,
                    quote_value(text) + " is not an s3://bucket/key URI: " + problem);
}

}  // namespace

Result<S3Uri> parse_s3_uri(std::string_view text) {
  if (!text.starts_with(kScheme)) return uri_error(text, "it must start with \"s3://\"");
  const std::string_view rest = text.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) return uri_error(text, "the bucket is empty");
  for (const char c : bucket) {
    if (!is_bucket_name_character(c)) {
      return uri_error(text, "the bucket name holds a character bucket names never have");
    }
  }
  if (slash == std::string_view::npos || slash + 1 == rest.size()) {
    return uri_error(text, "the key is empty");
  }
  return S3Uri{std::string(bucket), std::string(rest.substr(slash + 1))};
}

}  // namespace bulkqa
