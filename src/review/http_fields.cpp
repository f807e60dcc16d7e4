#include "bulkqa/review/http_fields.hpp"

#include <array>

#include "bulkqa/util/text.hpp"

namespace bulkqa {

std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const std::size_t end = cookie_header.find(';');
    const std::string_view pair = trim_blanks(cookie_header.substr(0, end));
    const std::size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
      return std::string(pair.substr(equals + 1));
    }
    if (end == std::string_view::npos) break;
    cookie_header.remove_prefix(end + 1);
  }
  return std::nullopt;
}

bool is_loopback_host(std::string_view host_header, int port) {
  constexpr int kDefaultHttpPort = 80;
  std::string_view host = host_header;
  // The port follows the last ':', unless that ':' is inside an IPv6 literal's brackets.
  const std::size_t colon = host_header.rfind(':');
  if (colon != std::string_view::npos && host_header.find(']', colon) == std::string_view::npos) {
    if (host_header.substr(colon + 1) != std::to_string(port)) return false;
    host = host_header.substr(0, colon);
  } else if (port != kDefaultHttpPort) {
    return false;
  }
  constexpr std::array<std::string_view, 3> kLoopbackNames{"127.0.0.1", "localhost", "[::1]"};
  for (const std::string_view name : kLoopbackNames) {
    if (host == name) return true;
  }
  return false;
}

bool is_loopback_address(std::string_view address) {
  return address == "127.0.0.1" || address == "localhost" || address == "::1";
}

}  // namespace bulkqa
