#include "bulkqa/util/error.hpp"

namespace bulkqa {

std::string Error::describe() const {
  std::string text;
  if (!service.empty()) text += service + " ";
  text += code.empty() ? "Error" : code;
  if (http_status != 0) text += " (HTTP " + std::to_string(http_status) + ")";
  if (!message.empty()) text += ": " + message;
  return text;
}

Error with_context(std::string_view context, Error error) {
  std::string message(context);
  if (!error.message.empty()) message += ": " + error.message;
  error.message = std::move(message);
  return error;
}

}  // namespace bulkqa
