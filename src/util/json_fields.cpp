#include "bulkqa/util/json_fields.hpp"

namespace bulkqa {

namespace {

std::string type_mismatch(std::string_view expected, const nlohmann::json& found) {
  return "expected " + std::string(expected) + ", found " + found.type_name();
}

}  // namespace

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
