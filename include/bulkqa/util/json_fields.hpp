// Parsing JSON text that comes from outside (events, payloads, answers, batches) and reading the
// fields of its objects, with errors that name the field's full path, e.g.
// "payload[3].annotations[0].workerId".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

// The deepest nesting of arrays and objects accepted in JSON from outside. nlohmann's parser does
// not recurse, but copying, comparing and dumping a value do, once per level, so 100,000 levels
// (200 KB of text) overflow the stack. The documents read here nest 5 levels or so (an event, a
// custom resource's properties, a consolidation payload); 64 leaves room for any real one.
inline constexpr std::size_t kMaxJsonDepth = 64;

// `text` as JSON. Text nesting arrays and objects deeper than kMaxJsonDepth is refused before it
// is parsed, by a scan that does not recurse either. Errors (with `error_code`) name `what`:
// "<what> is not JSON", "<what> nests arrays and objects deeper than 64 levels (byte N)".
Result<nlohmann::json> parse_json(std::string_view text, std::string_view what,
                                  std::string_view error_code);

// `text` with every array and object nested deeper than kMaxJsonDepth replaced by null: what
// can still be read of a document parse_json refuses as too deep (launch reads where to answer
// CloudFormation from it). Text that is not JSON stays not JSON.
std::string json_within_depth_limit(std::string_view text);

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
