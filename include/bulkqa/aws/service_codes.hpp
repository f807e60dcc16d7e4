// The AWS error codes the project tests for, spelled as the services send them. The project's
// own codes are in util/error.hpp.
#pragma once

#include <string_view>

namespace bulkqa::aws::service_code {

inline constexpr std::string_view kConditionalCheckFailed = "ConditionalCheckFailedException";
inline constexpr std::string_view kInternalError = "InternalError";
inline constexpr std::string_view kNoSuchBucket = "NoSuchBucket";
inline constexpr std::string_view kNoSuchKey = "NoSuchKey";
// A TransactWriteItems refused as a whole, e.g. because one of its conditions failed.
inline constexpr std::string_view kTransactionCanceled = "TransactionCanceledException";

}  // namespace bulkqa::aws::service_code
