// Reading the fields of JSON objects that come from outside (events, payloads, properties), with
// errors that name the field's full path, e.g. "payload[3].annotations[0].workerId".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

// "path.key", or "key" at the top level.
std::string member_path(std::string_view path, std::string_view key);
// "path[index]".
std::string element_path(std::string_view path, std::size_t index);

// A view of one JSON object; the object must outlive the reader.
class JsonObjectReader {
 public:
  // Error (with `error_code`) unless `value` is an object. `path` names it in messages ("" at
  // the top level).
  static Result<JsonObjectReader> open(const nlohmann::json& value, std::string path,
                                       std::string_view error_code);

  const std::string& path() const { return path_; }

  // The member, or nullptr when it is absent or null.
  const nlohmann::json* find(std::string_view key) const;

  // A present, non-empty string.
  Result<std::string> required_string(std::string_view key) const;
  // A string when present (it may be empty), nullopt when absent or null.
  Result<std::optional<std::string>> optional_string(std::string_view key) const;
  // A present object, opened for reading.
  Result<JsonObjectReader> required_object(std::string_view key) const;

  // An error about member `key`: "<path.key>: <problem>".
  Error error(std::string_view key, std::string_view problem) const;
  // "<path.key>: expected <expected>, found <found's JSON type>".
  Error type_error(std::string_view key, std::string_view expected,
                   const nlohmann::json& found) const;

 private:
  JsonObjectReader(const nlohmann::json& object, std::string path, std::string error_code);

  const nlohmann::json* object_;
  std::string path_;
  std::string error_code_;
};

}  // namespace bulkqa
