// Assertions on Result values: that a call failed with a given error code and a message naming
// the line, field or key at fault.
#pragma once

#include <initializer_list>
#include <string_view>

#include <gtest/gtest.h>

#include "bulkqa/util/error.hpp"

namespace bulkqa::testing {

// Success when `result` holds an Error with `code` whose message contains every one of `parts`.
template <typename T>
::testing::AssertionResult fails_with(const Result<T>& result, std::string_view code,
                                      std::initializer_list<std::string_view> parts) {
  if (result.ok()) return ::testing::AssertionFailure() << "succeeded, expected error " << code;
  const Error& error = result.error();
  if (error.code != code) {
    return ::testing::AssertionFailure()
           << "error code " << error.code << ", expected " << code << " (" << error.message << ")";
  }
  for (const std::string_view part : parts) {
    if (error.message.find(part) == std::string::npos) {
      return ::testing::AssertionFailure()
             << "message \"" << error.message << "\" does not mention \"" << part << "\"";
    }
  }
  return ::testing::AssertionSuccess() << error.message;
}

}  // namespace bulkqa::testing
