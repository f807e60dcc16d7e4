// S3 object addresses in the "s3://bucket/key" form used by Ground Truth and the manifests.
#pragma once

#include <string>
#include <string_view>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

struct S3Uri {
  std::string bucket;
  std::string key;  // taken verbatim (no percent-decoding): any characters, spaces and unicode too

  std::string str() const { return "s3://" + bucket + "/" + key; }
  bool operator==(const S3Uri&) const = default;
};

// Errors (code "InvalidS3Uri") for a scheme other than "s3://", an empty bucket or key, or a
// bucket name holding blanks, control characters or other characters S3 bucket names never have.
Result<S3Uri> parse_s3_uri(std::string_view text);

}  // namespace bulkqa
