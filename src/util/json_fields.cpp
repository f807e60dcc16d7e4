#include "bulkqa/util/json_fields.hpp"

namespace bulkqa {

namespace {

std::string type_mismatch(std::string_view expected, const nlohmann::json& found) {
  return "expected " + std::string(expected) + ", found " + found.type_name();
}

bool opens(char c) {
  return c == '[' || c == '{';
}
bool closes(char c) {
  return c == ']' || c == '}';
}

// Calls visit(offset) for each bracket of `text` outside its strings, from `start` on, until
// visit returns false; the offset where it did, or npos. For text that is JSON, these are exactly
// the brackets that open and close arrays and objects; other text is left to the parser to refuse.
template <typename Visit>
std::size_t find_bracket(std::string_view text, std::size_t start, Visit visit) {
  bool in_string = false;
  for (std::size_t at = start; at < text.size(); ++at) {
    const char c = text[at];
    if (in_string) {
      if (c == '\\') {
        ++at;  // the escaped character, a quote maybe, is part of the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if ((opens(c) || closes(c)) && !visit(at)) {
      return at;
    }
  }
  return std::string_view::npos;
}

// The offset of the first array or object that opens deeper than kMaxJsonDepth, from `start` on,
// at `depth` levels in; npos when none does.
std::size_t first_too_deep(std::string_view text, std::size_t start = 0, std::size_t depth = 0) {
  return find_bracket(text, start, [&](std::size_t at) {
    if (!opens(text[at])) {
      if (depth > 0) --depth;
      return true;
    }
    return ++depth <= kMaxJsonDepth;
  });
}

// The offset just past the array or object that opens at `open`.
std::size_t end_of_value(std::string_view text, std::size_t open) {
  std::size_t depth = 0;
  const std::size_t close = find_bracket(text, open, [&](std::size_t at) {
    depth = opens(text[at]) ? depth + 1 : depth - 1;
    return depth > 0;
  });
  return close == std::string_view::npos ? text.size() : close + 1;
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text, std::string_view what,
                                  std::string_view error_code) {
  if (const std::size_t too_deep = first_too_deep(text); too_deep != std::string_view::npos) {
    return make_error(error_code, std::string(what) + " nests arrays and objects deeper than " +
                                      std::to_string(kMaxJsonDepth) + " levels (byte " +
                                      std::to_string(too_deep) + ")");
  }
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) return make_error(error_code, std::string(what) + " is not JSON");
  return value;
}

std::string json_within_depth_limit(std::string_view text) {
  std::string kept;
  std::size_t copied = 0;
  // After a value left out, the scan goes on in its parent, kMaxJsonDepth levels in.
  for (std::size_t too_deep = first_too_deep(text); too_deep != std::string_view::npos;
       too_deep = first_too_deep(text, copied, kMaxJsonDepth)) {
    kept.append(text.substr(copied, too_deep - copied));
    kept += "null";
    copied = end_of_value(text, too_deep);
  }
  kept.append(text.substr(copied));
  return kept;
}

std::string member_path(std::string_view path, std::string_view key) {
  std::string result(path);
  if (!result.empty()) result += '.';
  result += key;
  return result;
}

std::string element_path(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

JsonObjectReader::JsonObjectReader(const nlohmann::json& object, std::string path,
                                   std::string error_code)
    : object_(&object), path_(std::move(path)), error_code_(std::move(error_code)) {}

Result<JsonObjectReader> JsonObjectReader::open(const nlohmann::json& value, std::string path,
                                                std::string_view error_code) {
  if (!value.is_object()) {
    const std::string where = path.empty() ? "the document" : path;
    return make_error(error_code, where + ": " + type_mismatch("an object", value));
  }
  return JsonObjectReader(value, std::move(path), std::string(error_code));
}

const nlohmann::json* JsonObjectReader::find(std::string_view key) const {
  const auto found = object_->find(key);
  if (found == object_->end() || found->is_null()) return nullptr;
  return &*found;
}

Error JsonObjectReader::error(std::string_view key, std::string_view problem) const {
  return make_error(error_code_, member_path(path_, key) + ": " + std::string(problem));
}

Error JsonObjectReader::type_error(std::string_view key, std::string_view expected,
                                   const nlohmann::json& found) const {
  return error(key, type_mismatch(expected, found));
}

Result<std::string> JsonObjectReader::required_string(std::string_view key) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return error(key, "missing");
  if (!value->is_string()) return type_error(key, "a string", *value);
  const auto& text = value->get_ref<const std::string&>();
  if (text.empty()) return error(key, "is empty");
  return text;
}

Result<std::optional<std::string>> JsonObjectReader::optional_string(std::string_view key) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return std::optional<std::string>{};
  if (!value->is_string()) return type_error(key, "a string", *value);
  return std::optional<std::string>{value->get<std::string>()};
}

Result<JsonObjectReader> JsonObjectReader::required_object(std::string_view key) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return error(key, "missing");
  return open(*value, member_path(path_, key), error_code_);
}

}  // namespace bulkqa
