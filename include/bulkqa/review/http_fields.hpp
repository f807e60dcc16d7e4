// Reading request header fields for the local review server: cookies and the Host a browser
// addressed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bulkqa {

// The value of cookie `name` in a Cookie header ("a=1; b=2"); nullopt when absent.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

// Whether a Host header names this machine's loopback at `port` ("127.0.0.1:8080",
// "localhost:8080", "[::1]:8080"; the port may be left out when it is 80). A server on the loopback
// refuses other hosts, so that a web page whose name resolves to 127.0.0.1 (DNS rebinding) cannot
// read it or post answers to it.
bool is_loopback_host(std::string_view host_header, int port);

// Whether a bind address is the loopback's ("127.0.0.1", "localhost", "::1").
bool is_loopback_address(std::string_view address);

}  // namespace bulkqa
