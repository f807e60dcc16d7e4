// What every fuzz target shares: the input as text, and an invariant check that stops the run
// with a message libFuzzer's crash report shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bulkqa/util/error.hpp"

namespace bulkqa::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// An invariant broken on this input: abort, so libFuzzer saves it as a crash reproducer.
inline void require(bool holds, const char* invariant) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", invariant);
  std::abort();
}

// Whether `result` holds a value. Input refused must get an Error with `code` and a message: any
// other error is a broken invariant.
template <typename T>
bool succeeded(const Result<T>& result, std::string_view code) {
  if (result.ok()) return true;
  const Error& error = result.error();
  if (error.code != code || error.message.empty()) {
    std::fprintf(stderr, "fuzz invariant broken: expected error %.*s with a message, got %s\n",
                 static_cast<int>(code.size()), code.data(), error.describe().c_str());
    std::abort();
  }
  return false;
}

}  // namespace bulkqa::fuzz
