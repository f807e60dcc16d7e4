// What every fuzz target shares: the input as text, and an invariant check that stops the run
// with a message libFuzzer's crash report shows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "bulkqa/util/error.hpp"

namespace bulkqa::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// `text` as a quoted CSV field (RFC 4180), for writing back what a reader read: every field
// quoted, so nothing is trimmed, and unlike CsvCell nothing is prefixed against formulas.
inline std::string quoted_csv_field(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

// An invariant broken on this input: abort, so libFuzzer saves it as a crash reproducer.
inline void require(bool holds, const char* invariant) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", invariant);
  std::abort();
}

// Whether `result` holds a value. Input refused must get an Error with one of `codes` and a
// message: any other error is a broken invariant.
template <typename T>
bool succeeded(const Result<T>& result, std::initializer_list<std::string_view> codes) {
  if (result.ok()) return true;
  const Error& error = result.error();
  const bool expected = std::find(codes.begin(), codes.end(), error.code) != codes.end();
  if (!expected || error.message.empty()) {
    std::fprintf(stderr, "fuzz invariant broken: unexpected error, or one without a message: %s\n",
                 error.describe().c_str());
    std::abort();
  }
  return false;
}

template <typename T>
bool succeeded(const Result<T>& result, std::string_view code) {
  return succeeded(result, {code});
}

}  // namespace bulkqa::fuzz
